package graph

import (
	"time"

	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// moduleEnums are the schema's names of FreeScout's optional modules.
var moduleEnums = map[upstream.Module]model.FreeScoutModule{
	upstream.ModuleTags:         model.FreeScoutModuleTags,
	upstream.ModuleCustomFields: model.FreeScoutModuleCustomFields,
	upstream.ModuleCRM:          model.FreeScoutModuleCrm,
	upstream.ModuleTimeTracking: model.FreeScoutModuleTimeTracking,
}

// gatedFilters are the ConversationFilter fields a module version brought,
// in the order serverInfo lists them, with their gate.
var gatedFilters = []struct {
	filter string
	gate   upstream.Gate
}{
	{"state", upstream.GateStateFilter},
	{"unassigned", upstream.GateUnassignedFilter},
	{"type", upstream.GateNewFilters},
	{"subject", upstream.GateNewFilters},
	{"customerPhone", upstream.GateNewFilters},
	{"tag", upstream.GateNewFilters},
	{"createdSince", upstream.GateNewFilters},
	{"createdByUserId", upstream.GateCreatedByFilters},
	{"createdByCustomerId", upstream.GateCreatedByFilters},
	{"statuses", upstream.GateStatusList},
}

func toSupport(s upstream.Support) model.Support {
	switch s {
	case upstream.Supported:
		return model.SupportSupported
	case upstream.Unsupported:
		return model.SupportUnsupported
	}
	return model.SupportUnknown
}

func toPresence(s upstream.Support) model.Presence {
	switch s {
	case upstream.Supported:
		return model.PresencePresent
	case upstream.Unsupported:
		return model.PresenceMissing
	}
	return model.PresenceUnknown
}

// toServerInfo answers serverInfo from what the install taught the gateway.
func toServerInfo(r upstream.InstallReport) *model.ServerInfo {
	v := &model.ModuleVersionRange{Text: r.Version.String()}
	if r.Version.AtLeast != "" {
		v.AtLeast = &r.Version.AtLeast
	}
	if most := r.Version.AtMost(); most != "" {
		v.AtMost = &most
	}
	caps := &model.ServerCapabilities{
		ConversationPageSize: toSupport(r.Gates[upstream.GateConversationPageSize]),
		ListPageSize:         toSupport(r.Gates[upstream.GateListPageSize]),
		MultiStatus:          toSupport(r.Gates[upstream.GateStatusList]),
		CreatedBodies:        toSupport(r.CreatedBodies),
		ColonDates:           toSupport(r.Gates[upstream.GateColonDates]),
		Filters:              make([]*model.FilterSupport, 0, len(gatedFilters)),
	}
	for _, f := range gatedFilters {
		caps.Filters = append(caps.Filters, &model.FilterSupport{Filter: f.filter, Since: f.gate.Since(), Support: toSupport(r.Gates[f.gate])})
	}
	learnt := upstream.NewTime(r.Updated.Truncate(time.Second))
	info := &model.ServerInfo{ModuleVersion: v, Capabilities: caps, LearntAt: timePtr(&learnt)}
	for _, m := range upstream.Modules() {
		info.Modules = append(info.Modules, &model.ModuleStatus{Module: moduleEnums[m], Name: m.Title(), Presence: toPresence(r.Modules[m])})
	}
	return info
}

package gateway_test

// Helpers that let the end-to-end tests run against any FreeScout install
// (see gatewaytest.EnvInstall): an oracle that lists conversations as a
// current FreeScout would, whatever the emulated module ignores, and checks
// that the only errors of an answer are the MODULE_UNAVAILABLE errors that
// the install's missing modules explain.

import (
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// install is the install the test's emulator emulates (Current for an
// environment built without gatewaytest's emulator).
func (a *apiEnv) install() gatewaytest.Install {
	if a.Upstream == nil {
		return gatewaytest.Current
	}
	return a.Upstream.Install
}

// moduleFields are the fields each optional module answers, by the name of
// the field in the schema.
var moduleFields = map[string]upstream.Module{
	"tags":           upstream.ModuleTags,
	"timelogs":       upstream.ModuleTimeTracking,
	"customFields":   upstream.ModuleCustomFields,
	"customerFields": upstream.ModuleCRM,
}

// explained reports whether every error of r is a MODULE_UNAVAILABLE error,
// on a field of a module the install lacks, naming that module; it fails the
// test for the others.
func explained(t *testing.T, in gatewaytest.Install, errs []gatewaytest.Error) bool {
	t.Helper()
	ok := true
	for _, e := range errs {
		m, field := moduleOfPath(e.Path)
		if field == "" && len(e.Path) > 1 { // an alias: the module the error names
			m = moduleTitled(e.Extensions["module"])
		}
		if e.Code() != "MODULE_UNAVAILABLE" || m == "" || in.Has(m) || e.Extensions["module"] != m.Title() {
			t.Errorf("unexpected error on %s: %+v", in, e)
			ok = false
		}
	}
	return ok
}

// moduleTitled is the module whose title is title, or "".
func moduleTitled(title any) upstream.Module {
	for _, m := range upstream.Modules() {
		if m.Title() == title {
			return m
		}
	}
	return ""
}

// moduleOfPath is the module whose field ends path, and the field; "" when
// it is none of theirs.
func moduleOfPath(path []any) (upstream.Module, string) {
	if len(path) == 0 {
		return "", ""
	}
	name, _ := path[len(path)-1].(string)
	m, ok := moduleFields[name]
	if !ok {
		return "", ""
	}
	return m, name
}

// assertModuleUnavailable fails unless r has exactly one error, MODULE_UNAVAILABLE
// naming module m.
func assertModuleUnavailable(t *testing.T, what string, r *gatewaytest.Response, m upstream.Module) {
	t.Helper()
	if len(r.Errors) != 1 || r.Errors[0].Code() != "MODULE_UNAVAILABLE" || r.Errors[0].Extensions["module"] != m.Title() ||
		!strings.Contains(r.Errors[0].Message, m.Title()) {
		t.Errorf("%s without the %s module: errors %+v, data %s; want one MODULE_UNAVAILABLE naming it", what, m.Title(), r.Errors, r.Data)
	}
}

// gatedFilterOf describes a conversation filter a module version brought,
// for the oracle: whether opts uses it, how to drop it, and the check.
type oracleFilter struct {
	since string
	used  func(o *upstream.ConversationListOptions) bool
	drop  func(o *upstream.ConversationListOptions)
	keep  func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool
}

func subsetOfStatuses(s []string) bool {
	var d []string
	for _, x := range s {
		if !slices.Contains(d, x) {
			d = append(d, x)
		}
	}
	return len(d) > 1 && len(d) < len(everyStatus)
}

// oracleFilters are the filters an older module ignores, as a current one
// applies them.
var oracleFilters = []oracleFilter{
	{"1.0.42", func(o *upstream.ConversationListOptions) bool { return o.State != "" },
		func(o *upstream.ConversationListOptions) { o.State = "" },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool { return c.State == o.State }},
	{"1.0.45", func(o *upstream.ConversationListOptions) bool { return o.Unassigned },
		func(o *upstream.ConversationListOptions) { o.Unassigned = false },
		func(_ *upstream.ConversationListOptions, c *upstream.Conversation) bool { return c.Assignee == nil }},
	{"1.0.55", func(o *upstream.ConversationListOptions) bool { return o.Type != "" },
		func(o *upstream.ConversationListOptions) { o.Type = "" },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool { return c.Type == o.Type }},
	{"1.0.55", func(o *upstream.ConversationListOptions) bool { return o.Subject != "" },
		func(o *upstream.ConversationListOptions) { o.Subject = "" },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return strings.Contains(strings.ToLower(c.Subject), strings.ToLower(o.Subject))
		}},
	{"1.0.55", func(o *upstream.ConversationListOptions) bool { return o.Tag != "" },
		func(o *upstream.ConversationListOptions) { o.Tag = ""; o.Embed = append(o.Embed, upstream.EmbedTags) },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return slices.ContainsFunc(c.Embedded.Tags, func(tg upstream.Tag) bool { return strings.EqualFold(tg.Name, o.Tag) })
		}},
	{"1.0.55", func(o *upstream.ConversationListOptions) bool { return !o.CreatedSince.IsZero() },
		func(o *upstream.ConversationListOptions) { o.CreatedSince = o.CreatedSince.AddDate(-100, 0, 0) },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return !c.CreatedAt.Before(o.CreatedSince)
		}},
	{"1.0.73", func(o *upstream.ConversationListOptions) bool { return o.CreatedByUserID != 0 },
		func(o *upstream.ConversationListOptions) { o.CreatedByUserID = 0 },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return c.CreatedBy != nil && c.CreatedBy.Type == "user" && c.CreatedBy.ID == o.CreatedByUserID
		}},
	{"1.0.73", func(o *upstream.ConversationListOptions) bool { return o.CreatedByCustomerID != 0 },
		func(o *upstream.ConversationListOptions) { o.CreatedByCustomerID = 0 },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return c.CreatedBy != nil && c.CreatedBy.Type == "customer" && c.CreatedBy.ID == o.CreatedByCustomerID
		}},
	{"1.0.77", func(o *upstream.ConversationListOptions) bool { return subsetOfStatuses(o.Statuses) },
		func(o *upstream.ConversationListOptions) { o.Statuses = everyStatus },
		func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return slices.Contains(o.Statuses, c.Status)
		}},
}

// listAll lists every conversation FreeScout answers for opts, page after
// page (an old module ignores pageSize).
func (a *apiEnv) listAll(t *testing.T, opts upstream.ConversationListOptions) []upstream.Conversation {
	t.Helper()
	var all []upstream.Conversation
	for page := 1; ; page++ {
		opts.ListOptions = upstream.ListOptions{Page: page, PageSize: 100}
		items, p, err := a.fs.Conversations.List(t.Context(), &opts)
		if err != nil {
			t.Fatalf("freescout conversations: %v", err)
		}
		all = append(all, items...)
		if len(items) == 0 || len(all) >= p.TotalElements {
			return all
		}
	}
}

// oracleConversations lists the conversations opts selects as a current
// FreeScout does: the filters the emulated module ignores are applied here.
// A filter on customerPhone with a module that ignores it fails the test:
// its callers expect the gateway's refusal instead.
func (a *apiEnv) oracleConversations(t *testing.T, opts upstream.ConversationListOptions) []upstream.Conversation {
	t.Helper()
	in := a.install()
	if opts.CustomerPhone != "" && !in.AtLeast("1.0.55") {
		t.Fatalf("the oracle cannot filter by customerPhone on %s", in)
	}
	asked := opts
	var local []oracleFilter
	for _, f := range oracleFilters {
		if f.used(&opts) && !in.AtLeast(f.since) {
			f.drop(&opts)
			local = append(local, f)
		}
	}
	all := a.listAll(t, opts)
	out := all[:0:0]
	for i := range all {
		if !slices.ContainsFunc(local, func(f oracleFilter) bool { return !f.keep(&asked, &all[i]) }) {
			out = append(out, all[i])
		}
	}
	return out
}

// withoutCustomFields reports whether the tests' install lacks the Custom Fields module
// (see gatewaytest.EnvInstall), after checking what the gateway answers there instead of
// the custom fields the calling test is about: MODULE_UNAVAILABLE naming the module, from
// a mailbox's definitions, a conversation's values, updateConversationCustomFields and a
// createConversation with custom fields, with nothing written.
func withoutCustomFields(t *testing.T) bool {
	t.Helper()
	in := gatewaytest.MustEnvInstall(t)
	if in.Has(upstream.ModuleCustomFields) {
		return false
	}
	env := gatewaytest.Start(t, gatewaytest.Options{Install: &in})
	m := upstream.ModuleCustomFields
	assertModuleUnavailable(t, "a mailbox's customFields", env.Do(t, mailboxFieldsQuery, map[string]any{"id": "1"}), m)
	assertModuleUnavailable(t, "a conversation's customFields", env.Do(t, conversationFieldsQuery, map[string]any{"id": "1"}), m)
	assertModuleUnavailable(t, "updateConversationCustomFields", env.Do(t, updateFieldsMutation, map[string]any{"input": map[string]any{
		"conversationId": "1", "fields": []any{map[string]any{"name": "Priority", "value": "High"}},
	}}), m)
	assertModuleUnavailable(t, "createConversation with customFields", env.Do(t, createConversationMutation, map[string]any{"input": map[string]any{
		"type": "EMAIL", "mailboxId": "1", "subject": "Fields", "customer": map[string]any{"email": "fields@example.org"},
		"threads":      []any{map[string]any{"type": "CUSTOMER", "text": "hi", "customer": map[string]any{"email": "fields@example.org"}}},
		"customFields": []any{map[string]any{"name": "Priority", "value": "High"}},
	}}), m)
	for _, route := range []string{"PUT /api/conversations/{id}/custom_fields", "POST /api/conversations"} {
		if n := env.Upstream.Count(route); n != 0 {
			t.Errorf("%s: %d calls; nothing should be written", route, n)
		}
	}
	t.Logf("%s lacks the Custom Fields module: asserted MODULE_UNAVAILABLE instead", in)
	return true
}

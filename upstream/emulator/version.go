package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CurrentModuleVersion is the API & Webhooks module version the emulator emulates when
// Options.ModuleVersion is empty: the newest version it models. Every gate of ModuleGates is
// open in it; later versions behave the same as far as the emulator knows.
const CurrentModuleVersion = "1.0.80"

// ModuleVersion is a version of FreeScout's API & Webhooks module, such as 1.0.20.
type ModuleVersion struct {
	major, minor, patch int
}

// ParseModuleVersion reads a module version: three dot-separated whole numbers, with an
// optional leading "v" ("1.0.20", "v1.0.77"). Anything else is an error.
func ParseModuleVersion(s string) (ModuleVersion, error) {
	text := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.Split(text, ".")
	if len(parts) != 3 {
		return ModuleVersion{}, fmt.Errorf("emulator: module version %q: want three numbers like 1.0.20", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || p == "" || strings.HasPrefix(p, "+") {
			return ModuleVersion{}, fmt.Errorf("emulator: module version %q: %q is not a whole number", s, p)
		}
		n[i] = v
	}
	return ModuleVersion{n[0], n[1], n[2]}, nil
}

// String returns the version as "1.0.20".
func (v ModuleVersion) String() string {
	return fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.patch)
}

// AtLeast reports whether v is o or newer.
func (v ModuleVersion) AtLeast(o ModuleVersion) bool {
	if v.major != o.major {
		return v.major > o.major
	}
	if v.minor != o.minor {
		return v.minor > o.minor
	}
	return v.patch >= o.patch
}

// mustVersion parses a version written in this package.
func mustVersion(s string) ModuleVersion {
	v, err := ParseModuleVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// feature is a behaviour a module version gate turns on.
type feature int

const (
	featColonDates feature = iota
	featCreatedBodies
	featListThreadsCount
	featStateFilter
	featConversationPageSize
	featUnassignedFilter
	featNewFilters
	featListPageSize
	featCreatedByFilters
	featStatusList
	featureCount
)

// Gate is one module-version gate: a behaviour of the API that changed in a module version.
type Gate struct {
	// Since is the first module version with the new behaviour, e.g. "1.0.77".
	Since string
	// Name says what the gate is about, e.g. "status list".
	Name string
	// Now is the behaviour since that version.
	Now string
	// Before is what an older module does.
	Before string
	// Assumed is true when the version is not known: the emulator changes the behaviour
	// together with the gate of the same version, so that an old module is old throughout.
	Assumed bool
}

// gate is a Gate with the feature it turns on.
type gate struct {
	Gate
	feature feature
}

// gates is the emulator's one table of module-version gates, oldest first. The package
// comment lists the same gates; a test keeps the two in step.
func gates() []gate {
	return []gate{
		{feature: featColonDates, Gate: Gate{Since: "1.0.21", Name: "colon dates",
			Now:    "every date reads 2021-04-21T13:24:01Z",
			Before: "timelogs, users and mailboxes date with dashes, 2021-04-21T13-24-01Z (freescout#1181)"}},
		{feature: featCreatedBodies, Gate: Gate{Since: "1.0.21", Name: "201 bodies", Assumed: true,
			Now:    "201 answers carry the created object as JSON besides the Resource-ID header",
			Before: "201 answers carry only the Resource-ID header"}},
		{feature: featListThreadsCount, Gate: Gate{Since: "1.0.21", Name: "list threadsCount", Assumed: true,
			Now:    "conversation list items count their threads in threadsCount and always carry _embedded",
			Before: "list items count their threads in threads and carry _embedded only when something is embedded"}},
		{feature: featStateFilter, Gate: Gate{Since: "1.0.42", Name: "state filter",
			Now:    "GET /api/conversations filters by state",
			Before: "state is ignored: every state is listed"}},
		{feature: featConversationPageSize, Gate: Gate{Since: "1.0.43", Name: "conversation pageSize",
			Now:    "GET /api/conversations takes pageSize",
			Before: "pageSize is ignored: pages hold 50 conversations"}},
		{feature: featUnassignedFilter, Gate: Gate{Since: "1.0.45", Name: "unassigned filter",
			Now:    "an empty assignedTo= lists unassigned conversations (freescout#2292)",
			Before: "an empty assignedTo= is ignored: every assignee is listed"}},
		{feature: featNewFilters, Gate: Gate{Since: "1.0.55", Name: "type, subject, customerPhone, tag, createdSince filters",
			Now:    "GET /api/conversations filters by type, subject, customerPhone, tag and createdSince",
			Before: "those filters are ignored: more conversations are listed than asked for"}},
		{feature: featListPageSize, Gate: Gate{Since: "1.0.71", Name: "pageSize on other lists",
			Now:    "every other list takes pageSize",
			Before: "pageSize is ignored outside conversations: pages hold 50 items"}},
		{feature: featCreatedByFilters, Gate: Gate{Since: "1.0.73", Name: "createdBy filters",
			Now:    "GET /api/conversations filters by createdByUserId and createdByCustomerId",
			Before: "those filters are ignored: more conversations are listed than asked for"}},
		{feature: featStatusList, Gate: Gate{Since: "1.0.77", Name: "status list",
			Now:    "status takes several comma-separated statuses (status=active,pending)",
			Before: "a status list matches every status (freescout#3947); a single status still filters"}},
	}
}

// ModuleGates returns the module-version gates the emulator knows, oldest first (see the
// package documentation).
func ModuleGates() []Gate {
	var out []Gate
	for _, g := range gates() {
		out = append(out, g.Gate)
	}
	return out
}

// FreeScout modules besides API & Webhooks that add endpoints and data to the API.
const (
	moduleTags         = "tags"
	moduleCustomFields = "customfields"
	moduleCRM          = "crm"
	moduleTimeTracking = "timetracking"
)

// moduleTitles names the optional modules as FreeScout's module list does, by Options name.
func moduleTitles() map[string]string {
	return map[string]string{
		moduleTags:         "Tags",
		moduleCustomFields: "Custom Fields",
		moduleCRM:          "CRM",
		moduleTimeTracking: "Time Tracking",
	}
}

// OptionalModules returns the names Options.WithoutModules takes, sorted.
func OptionalModules() []string {
	names := make([]string, 0, 4)
	for name := range moduleTitles() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// dialect is the API an emulated install speaks: its module version's gates and the
// optional modules it has. It is fixed when the Emulator is made.
type dialect struct {
	version ModuleVersion
	open    [featureCount]bool
	missing map[string]bool // optional modules not installed, by name
}

// newDialect checks a module version and a list of missing modules.
func newDialect(version string, without []string) (*dialect, error) {
	if strings.TrimSpace(version) == "" {
		version = CurrentModuleVersion
	}
	v, err := ParseModuleVersion(version)
	if err != nil {
		return nil, err
	}
	d := &dialect{version: v, missing: map[string]bool{}}
	for _, g := range gates() {
		d.open[g.feature] = v.AtLeast(mustVersion(g.Since))
	}
	titles := moduleTitles()
	for _, name := range without {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, ok := titles[name]; !ok {
			return nil, fmt.Errorf("emulator: unknown module %q: want one of %s", name, strings.Join(OptionalModules(), ", "))
		}
		d.missing[name] = true
	}
	return d, nil
}

// has reports whether the emulated module version has the feature.
func (d *dialect) has(f feature) bool { return d.open[f] }

// installed reports whether the optional module is installed and active.
func (d *dialect) installed(module string) bool { return !d.missing[module] }

// allowEmbed drops the embeds whose module is missing: the API does not know them then,
// and ignores them as it ignores any unknown embed name.
func (d *dialect) allowEmbed(e embedSet) embedSet {
	e.tags = e.tags && d.installed(moduleTags)
	e.timelogs = e.timelogs && d.installed(moduleTimeTracking)
	return e
}

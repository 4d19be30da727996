package upstream

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// What the client learns about the FreeScout install it talks to.
//
// Real installs differ: the API & Webhooks module comes in many versions
// (each honours more list parameters than the one before, and an older one
// silently ignores the parameters it does not know yet), and the tags,
// custom fields, customer fields and time tracking come with modules of
// their own that an install may lack. FreeScout says neither its module
// version nor its modules, so the client learns them from the answers it
// gets, and every client derived from one New shares what it learnt (one
// Install per gateway process):
//
//   - a page size FreeScout used instead of the pageSize asked for (or the
//     one asked for, when it is not the default of 50) tells whether lists
//     take pageSize: conversations since 1.0.43, other lists since 1.0.71;
//   - dates written with dashes (2021-04-21T13-24-01Z) in users, mailboxes
//     and timelogs mean a module older than 1.0.21, colons a newer one;
//   - a 201 answer with the created object as its body, or only a
//     Resource-ID header; conversation list items counting their threads in
//     threadsCount or in threads (which modules do which is not known: these
//     are reported, and they tell nothing about the version);
//   - the data session reports what it saw a conversation list do with a
//     filter (an item outside the filter: the filter is ignored), and what
//     its probes found (see Observe);
//   - a module's endpoint answering 400 "… module is not installed or not
//     active", or an answer without what the module adds (embed=tags without
//     _embedded.tags, a conversation without customFields, a customer
//     without customerFields), means the module is missing; a successful
//     answer of its endpoint, or one with what it adds, that it is there.
//
// A gate seen open implies every older gate is open, one seen closed that
// every newer one is closed; the newest observation wins, so an install
// upgraded while the gateway runs is learnt again from its next answers.

// Module is an optional FreeScout module the API relies on. Its values are
// the names the emulator's Options.WithoutModules take.
type Module string

// The optional modules.
const (
	ModuleTags         Module = "tags"
	ModuleCustomFields Module = "customfields"
	ModuleCRM          Module = "crm"
	ModuleTimeTracking Module = "timetracking"
)

// Modules returns every optional module, in the order reports list them.
func Modules() []Module {
	return []Module{ModuleTags, ModuleCustomFields, ModuleCRM, ModuleTimeTracking}
}

// Title is the module's name as FreeScout's module list shows it ("Custom
// Fields"); the error code MODULE_UNAVAILABLE names modules so.
func (m Module) Title() string {
	switch m {
	case ModuleTags:
		return "Tags"
	case ModuleCustomFields:
		return "Custom Fields"
	case ModuleCRM:
		return "CRM"
	case ModuleTimeTracking:
		return "Time Tracking"
	}
	return string(m)
}

// ParseModules reads a comma-separated list of module names ("tags,crm");
// spaces and case do not matter, an empty list is none, and an unknown name
// is an error.
func ParseModules(s string) ([]Module, error) {
	var out []Module
	for _, part := range strings.Split(s, ",") {
		name := Module(strings.ToLower(strings.TrimSpace(part)))
		if name == "" {
			continue
		}
		if !slices.Contains(Modules(), name) {
			names := make([]string, 0, 4)
			for _, m := range Modules() {
				names = append(names, string(m))
			}
			return nil, fmt.Errorf("unknown freescout module %q: want one of %s", name, strings.Join(names, ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// Gate is a behaviour of the API that a module version brought.
type Gate int

// The module-version gates, oldest first (see "What real clients show" in
// the API reference).
const (
	// GateColonDates (1.0.21): dates of users, mailboxes and timelogs are
	// written with colons; before, with dashes (freescout#1181).
	GateColonDates Gate = iota
	// GateStateFilter (1.0.42): conversation lists filter by state.
	GateStateFilter
	// GateConversationPageSize (1.0.43): conversation lists take pageSize.
	GateConversationPageSize
	// GateUnassignedFilter (1.0.45): an empty assignedTo= lists unassigned
	// conversations (freescout#2292).
	GateUnassignedFilter
	// GateNewFilters (1.0.55): conversation lists filter by type, subject,
	// customerPhone, tag and createdSince.
	GateNewFilters
	// GateListPageSize (1.0.71): every other list takes pageSize.
	GateListPageSize
	// GateCreatedByFilters (1.0.73): conversation lists filter by
	// createdByUserId and createdByCustomerId.
	GateCreatedByFilters
	// GateStatusList (1.0.77): status takes several statuses at once; before,
	// a list matched every status (freescout#3947).
	GateStatusList
	gateCount
)

// Gates returns every gate, oldest first.
func Gates() []Gate {
	out := make([]Gate, gateCount)
	for i := range out {
		out[i] = Gate(i)
	}
	return out
}

var gateInfo = [gateCount]struct{ since, name string }{
	GateColonDates:           {"1.0.21", "colon dates"},
	GateStateFilter:          {"1.0.42", "state filter"},
	GateConversationPageSize: {"1.0.43", "conversation pageSize"},
	GateUnassignedFilter:     {"1.0.45", "unassigned filter"},
	GateNewFilters:           {"1.0.55", "type, subject, customerPhone, tag, createdSince filters"},
	GateListPageSize:         {"1.0.71", "pageSize on other lists"},
	GateCreatedByFilters:     {"1.0.73", "createdBy filters"},
	GateStatusList:           {"1.0.77", "status list"},
}

// Since is the first module version with the gate's behaviour, e.g. "1.0.77".
func (g Gate) Since() string { return gateInfo[g].since }

// String names the gate, e.g. "status list".
func (g Gate) String() string { return gateInfo[g].name }

// Support is what the client knows of an install's behaviour or module.
type Support int8

// Support values.
const (
	// Unknown: no answer has told yet.
	Unknown Support = iota
	// Supported: the install has the behaviour (or the module).
	Supported
	// Unsupported: the install lacks it.
	Unsupported
)

// String returns "unknown", "supported" or "unsupported".
func (s Support) String() string {
	switch s {
	case Supported:
		return "supported"
	case Unsupported:
		return "unsupported"
	}
	return "unknown"
}

func supportOf(ok bool) Support {
	if ok {
		return Supported
	}
	return Unsupported
}

// Install is what a client (and every client derived from it) has learnt
// about the FreeScout install it talks to (see the comment above Module).
// Its methods are safe for concurrent use.
type Install struct {
	mu               sync.Mutex
	gates            [gateCount]Support
	modules          map[Module]Support
	createdBodies    Support
	listThreadsCount Support
	updated          time.Time

	probing  chan struct{} // holds a token while a probe runs (see Client.Probe)
	probeErr error         // the last probe's failure; under probing
	probedAt time.Time     // when the last probe ended; under probing
}

func newInstall() *Install {
	return &Install{modules: map[Module]Support{}, probing: make(chan struct{}, 1)}
}

// Gate returns what is known of g.
func (i *Install) Gate(g Gate) Support {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.gates[g]
}

// Module returns what is known of m: Supported when the install has it.
func (i *Install) Module(m Module) Support {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.modules[m]
}

// Observe records that an answer showed the install with (supported) or
// without gate g; what that implies for the other gates follows (see above).
func (i *Install) Observe(g Gate, supported bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for o := range gateCount {
		if supported && o <= g {
			i.gates[o] = Supported
		}
		if !supported && o >= g {
			i.gates[o] = Unsupported
		}
	}
	i.updated = time.Now()
}

// ObserveModule records that an answer showed the install with (present)
// or without module m.
func (i *Install) ObserveModule(m Module, present bool) {
	if m == "" {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.modules[m] = supportOf(present)
	i.updated = time.Now()
}

func (i *Install) observeCreatedBody(body bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.createdBodies = supportOf(body)
	i.updated = time.Now()
}

func (i *Install) observeListThreadsCount(threadsCount bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.listThreadsCount = supportOf(threadsCount)
	i.updated = time.Now()
}

// InstallReport is a snapshot of what an Install has learnt.
type InstallReport struct {
	// Version is the range of module versions the gates seen so far allow.
	Version VersionRange
	// Gates is what is known of each gate, by gate.
	Gates map[Gate]Support
	// Modules is what is known of each optional module.
	Modules map[Module]Support
	// CreatedBodies: 201 answers carry the created object (Supported) or
	// only its Resource-ID header (Unsupported).
	CreatedBodies Support
	// ListThreadsCount: conversation list items count their threads in
	// threadsCount (Supported) or in threads (Unsupported).
	ListThreadsCount Support
	// Updated is when the last observation was made; zero when none was.
	Updated time.Time
}

// Report returns what i has learnt so far.
func (i *Install) Report() InstallReport {
	i.mu.Lock()
	defer i.mu.Unlock()
	r := InstallReport{
		Gates: map[Gate]Support{}, Modules: map[Module]Support{},
		CreatedBodies: i.createdBodies, ListThreadsCount: i.listThreadsCount, Updated: i.updated,
	}
	for g := range gateCount {
		r.Gates[g] = i.gates[g]
		switch i.gates[g] {
		case Supported:
			r.Version.AtLeast = g.Since() // gates are oldest first
		case Unsupported:
			if r.Version.Below == "" {
				r.Version.Below = g.Since()
			}
		}
	}
	for _, m := range Modules() {
		r.Modules[m] = i.modules[m]
	}
	return r
}

// VersionRange is a range of API & Webhooks module versions: AtLeast or
// newer, older than Below; either is "" when nothing bounds it.
type VersionRange struct {
	AtLeast string
	Below   string
}

// String writes the range for people: "1.0.43 to 1.0.54", "1.0.71 or
// newer", "1.0.20 or older", or "unknown".
func (v VersionRange) String() string {
	switch {
	case v.AtLeast != "" && v.Below != "":
		return v.AtLeast + " to " + previousVersion(v.Below)
	case v.AtLeast != "":
		return v.AtLeast + " or newer"
	case v.Below != "":
		return previousVersion(v.Below) + " or older"
	}
	return "unknown"
}

// AtMost is the newest version in the range ("1.0.20" for Below "1.0.21"),
// or "" when nothing bounds it.
func (v VersionRange) AtMost() string {
	if v.Below == "" {
		return ""
	}
	return previousVersion(v.Below)
}

// previousVersion is the version before v ("1.0.21" → "1.0.20"); every gate
// is at a patch version above 0.
func previousVersion(v string) string {
	i := strings.LastIndexByte(v, '.')
	n, err := strconv.Atoi(v[i+1:])
	if i < 0 || err != nil || n == 0 {
		return "before " + v
	}
	return v[:i+1] + strconv.Itoa(n-1)
}

// What answers show. The services call these with what they asked for and
// what they got.

// observePageSize learns from a list answer whether the list took the
// pageSize asked for: FreeScout reports the page size it used.
func (i *Install) observePageSize(route, asked string, page Page) {
	n, err := strconv.Atoi(asked)
	if err != nil || n <= 0 || n == defaultPageSize || page.Size <= 0 {
		return // the default tells nothing
	}
	g := GateListPageSize
	if route == "/api/conversations" {
		g = GateConversationPageSize
	}
	switch page.Size {
	case n:
		i.Observe(g, true)
	case defaultPageSize:
		i.Observe(g, false)
	}
}

// defaultPageSize is FreeScout's page size when none is asked for (or the
// module ignores pageSize).
const defaultPageSize = 50

var (
	dashedDate = regexp.MustCompile(`"(?:createdAt|updatedAt)":"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ"`)
	colonDate  = regexp.MustCompile(`"(?:createdAt|updatedAt)":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)
)

// observeDates learns the date spelling from an answer about users,
// mailboxes or timelogs (small answers: the scan is cheap).
func (i *Install) observeDates(body []byte) {
	switch {
	case dashedDate.Match(body):
		i.Observe(GateColonDates, false)
	case colonDate.Match(body):
		i.Observe(GateColonDates, true)
	}
}

// observeConversations learns from conversations FreeScout answered for a
// request that embedded embed: whether the modules behind the embeds and
// custom fields are there.
func (i *Install) observeConversations(embed []string, items []Conversation) {
	if len(items) == 0 {
		return
	}
	c := &items[0]
	if slices.Contains(embed, EmbedTags) {
		i.ObserveModule(ModuleTags, c.Embedded.Tags != nil)
	}
	if slices.Contains(embed, EmbedTimelogs) {
		i.ObserveModule(ModuleTimeTracking, c.Embedded.Timelogs != nil)
	}
	i.ObserveModule(ModuleCustomFields, c.CustomFields != nil)
}

// routeModules are the endpoints an optional module adds, by route.
var routeModules = map[string]Module{
	"/api/tags":                             ModuleTags,
	"/api/conversations/{id}/tags":          ModuleTags,
	"/api/mailboxes/{id}/custom_fields":     ModuleCustomFields,
	"/api/conversations/{id}/custom_fields": ModuleCustomFields,
	"/api/customers/{id}/customer_fields":   ModuleCRM,
	"/api/conversations/{id}/timelogs":      ModuleTimeTracking,
}

// missingModule is the module an error answer says is missing: FreeScout
// answers a module's endpoint 400 "The Tags module is not installed or not
// active" (the wording varies) when the module is missing.
var missingModule = regexp.MustCompile(`(?i)\bmodule\b.*\bnot (?:installed|active|enabled)\b|\bnot (?:installed|active|enabled)\b.*\bmodule\b`)

// moduleOf returns the module a 4xx answer to route says is missing, or "".
func moduleOf(route string, e *Error) Module {
	m, ok := routeModules[route]
	if !ok || (e.StatusCode != 400 && e.StatusCode != 422) {
		return ""
	}
	if !missingModule.MatchString(e.Message) {
		return ""
	}
	return m
}

// observeAnswer learns from a successful answer to r: a module's endpoint
// answering means the module is there; dates tell the version.
func (i *Install) observeAnswer(r request, body []byte) {
	if m, ok := routeModules[r.route]; ok {
		i.ObserveModule(m, true)
	}
	if (r.route == "/api/users" || r.route == "/api/users/{id}" || r.route == "/api/mailboxes" ||
		r.route == "/api/conversations/{id}/timelogs") && len(body) < 1<<20 && bytes.Contains(body, []byte(`edAt"`)) {
		i.observeDates(body)
	}
}

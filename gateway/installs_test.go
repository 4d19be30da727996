package gateway_test

// FreeScout as real installs behave: the same requests against a current
// FreeScout with every module and against an old one (API & Webhooks 1.0.20,
// without the Tags, Custom Fields, CRM and Time Tracking modules), side by
// side in one run, whatever install the environment names for the other
// tests (see gatewaytest.EnvInstall).

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// installs are the installs the tests of this file compare.
func installs() []struct {
	name string
	in   gatewaytest.Install
} {
	laravel := gatewaytest.Old
	laravel.LaravelErrors = true
	return []struct {
		name string
		in   gatewaytest.Install
	}{{"current", gatewaytest.Current}, {"old", gatewaytest.Old}, {"old with laravel errors", laravel}}
}

// onEveryInstall runs test once per install, each on a fresh emulator and
// gateway.
func onEveryInstall(t *testing.T, test func(t *testing.T, a *apiEnv)) {
	t.Helper()
	for _, i := range installs() {
		t.Run(i.name, func(t *testing.T) {
			t.Parallel()
			in := i.in
			test(t, newAPI(t, gatewaytest.Options{Install: &in}))
		})
	}
}

// TestInstallsCreatesAnswerFromTheCreate: a create whose answer holds the
// new object (current modules answer 201 with it) costs one FreeScout call,
// the write; on a module that answers with the Resource-ID header only, the
// gateway reads the object back. Either way the payload is the object as
// FreeScout now has it, and a repeat with the same idempotency key writes
// nothing.
func TestInstallsCreatesAnswerFromTheCreate(t *testing.T) {
	t.Parallel()
	onEveryInstall(t, func(t *testing.T, a *apiEnv) {
		old := !a.install().AtLeast("1.0.21")
		readBack := map[bool]int{false: 0, true: 1}[old]

		t.Run("createCustomer", func(t *testing.T) {
			in := map[string]any{"firstName": "Ada", "lastName": "Byron", "email": "ada@example.org", "idempotencyKey": "customer-1"}
			a.Upstream.ResetCounts()
			p := a.mutate(t, mCreateCustomer, "createCustomer", in)
			noUserErrors(t, p)
			if a.Upstream.Count("POST /api/customers") != 1 || a.Upstream.Count("GET /api/customers/{id}") != readBack || a.Upstream.Total() != 1+readBack {
				t.Errorf("calls %v; want the create and %d read-back", a.Upstream.Counts(), readBack)
			}
			c := a.customer(t, atoi(t, jget(p, "customer", "id")))
			assertSameJSON(t, "payload", p["customer"], wantCustomer(c))
			if jget(p, "customer", "email") != "ada@example.org" {
				t.Errorf("email %v, want the one given as email", jget(p, "customer", "email"))
			}
			a.Upstream.ResetCounts()
			again := a.mutate(t, mCreateCustomer, "createCustomer", in)
			if jget(again, "customer", "id") != jget(p, "customer", "id") || a.Upstream.Count("POST /api/customers") != 0 {
				t.Errorf("the repeat answered %v with calls %v; want the same customer and no write", jget(again, "customer", "id"), a.Upstream.Counts())
			}
		})
		t.Run("createUser", func(t *testing.T) {
			a.Upstream.ResetCounts()
			p := a.mutate(t, mCreateUser, "createUser", map[string]any{"firstName": "Grace", "lastName": "Hopper", "email": "grace@example.org"})
			noUserErrors(t, p)
			if a.Upstream.Count("POST /api/users") != 1 || a.Upstream.Count("GET /api/users/{id}") != readBack {
				t.Errorf("calls %v; want the create and %d read-back", a.Upstream.Counts(), readBack)
			}
			want := wantUser(a.user(t, atoi(t, jget(p, "user", "id"))))
			want["mailboxes"] = []any{}
			assertSameJSON(t, "payload", p["user"], want)
		})
		t.Run("createThread, the thread only", func(t *testing.T) {
			a.Upstream.ResetCounts()
			r := a.data(t, `mutation { createThread(input: {conversationId: "12", type: MESSAGE, text: "See the attached", userId: "2",
				to: ["first@example.org", "second@example.org"], cc: ["cc@example.org"]}) {
				threadId thread { id type state to cc createdBy { ... on User { id firstName } } } userErrors { code } } }`, nil)
			if a.Upstream.Count("POST /api/conversations/{id}/threads") != 1 || a.Upstream.Count("GET /api/conversations/{id}") != readBack {
				t.Errorf("calls %v; want the create and %d read-back", a.Upstream.Counts(), readBack)
			}
			th := a.conversation(t, 12).Embedded.Threads[0]
			assertSameJSON(t, "payload", jget(r, "createThread"), map[string]any{
				"threadId": wantID(th.ID), "userErrors": []any{},
				"thread": map[string]any{"id": wantID(th.ID), "type": "MESSAGE", "state": "PUBLISHED",
					"to": []any{"first@example.org", "second@example.org"}, "cc": []any{"cc@example.org"},
					"createdBy": map[string]any{"id": "2", "firstName": wantStr(a.user(t, 2).FirstName)}},
			})
		})
		t.Run("createConversation with a draft", func(t *testing.T) {
			a.Upstream.ResetCounts()
			p := a.mutate(t, `mutation($in: CreateConversationInput!) { createConversation(input: $in) {
				conversation { id state threadsCount threads { id state body } } `+userErrorsSel+` } }`, "createConversation", map[string]any{
				"type": "EMAIL", "mailboxId": "1", "subject": "Not sent yet", "customer": map[string]any{"email": "ada@example.org"},
				"threads": []any{map[string]any{"type": "MESSAGE", "text": "Draft reply", "userId": "1", "state": "DRAFT"}},
			})
			noUserErrors(t, p)
			if a.Upstream.Count("POST /api/conversations") != 1 || a.Upstream.Count("GET /api/conversations/{id}") != readBack {
				t.Errorf("calls %v; want the create and %d read-back", a.Upstream.Counts(), readBack)
			}
			c := a.conversation(t, atoi(t, jget(p, "conversation", "id")))
			if c.State != "draft" || jget(p, "conversation", "state") != "DRAFT" || jget(p, "conversation", "threads", 0, "state") != "DRAFT" {
				t.Errorf("FreeScout has state %q, the payload %s", c.State, shortJSON(p["conversation"]))
			}
		})
		t.Run("createWebhook", func(t *testing.T) {
			p := a.mutate(t, mCreateWebhook, "createWebhook", map[string]any{"url": "https://hooks.example.org/in", "events": []string{"CONVO_CREATED", "CUSTOMER_CREATED"}})
			noUserErrors(t, p)
			hooks, _, err := a.fs.Webhooks.List(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(hooks, func(h upstream.Webhook) bool { return wantID(h.ID) == jget(p, "webhook", "id") })
			if i < 0 || hooks[i].URL != "https://hooks.example.org/in" || !slices.Equal(hooks[i].Events, []string{"convo.created", "customer.created"}) {
				t.Errorf("payload %s, FreeScout has %+v", shortJSON(p["webhook"]), hooks)
			}
		})
	})
}

// TestInstallsCreateAnswersWithoutTheExpected: a create answered 200 without
// Resource-ID takes the id from the body; one whose body is not the object
// reads it back; one that says neither which object it made is looked for,
// and when it cannot be found the client is told it may have landed, and a
// repeat with the same key never writes again.
func TestInstallsCreateAnswersWithoutTheExpected(t *testing.T) {
	t.Parallel()
	const create = `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { customerId customer { id firstName email } ` + userErrorsSel + ` } }`
	tests := []struct {
		name   string
		fault  emulator.Fault
		calls  map[string]int
		landed bool // the answer says the create may have landed, and gives no customer
	}{
		{"200 without resource-id", emulator.Fault{Land: true, Relay: true, Status: http.StatusOK, DropHeaders: []string{"Resource-ID"}},
			map[string]int{"POST /api/customers": 1}, false},
		{"201 with a body that is not the customer", emulator.Fault{Land: true, Relay: true, Body: `{"ok":true}`},
			map[string]int{"POST /api/customers": 1, "GET /api/customers/{id}": 1}, false},
		{"200 {} without resource-id, landed", emulator.Fault{Land: true, Relay: true, Status: http.StatusOK, Body: "{}", DropHeaders: []string{"Resource-ID"}},
			map[string]int{"POST /api/customers": 1, "GET /api/customers": 1, "GET /api/customers/{id}": 1}, false},
		{"200 {} without resource-id, not found", emulator.Fault{Status: http.StatusOK, Body: "{}"},
			map[string]int{"POST /api/customers": 1, "GET /api/customers": 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t, gatewaytest.Options{Install: &gatewaytest.Current})
			tt.fault.Times = 1
			a.Upstream.InjectFault("POST /api/customers", tt.fault)
			in := map[string]any{"firstName": "Odd", "email": "odd.answer@example.org", "idempotencyKey": "odd-" + tt.name}
			r := a.Do(t, create, map[string]any{"in": in})
			if got := a.Upstream.Counts(); !sameCounts(got, tt.calls) {
				t.Errorf("calls %v, want %v", got, tt.calls)
			}
			if tt.landed {
				if len(r.Errors) != 1 || r.Errors[0].Code() != "UPSTREAM_UNAVAILABLE" || r.Errors[0].Extensions["landed"] != true ||
					!strings.Contains(r.Errors[0].Message, "may exist") {
					t.Fatalf("errors %+v, data %s; want UPSTREAM_UNAVAILABLE saying the customer may exist", r.Errors, r.Data)
				}
				a.Upstream.ResetCounts()
				again := a.Do(t, create, map[string]any{"in": in})
				if n := a.Upstream.Count("POST /api/customers"); n != 0 || len(again.Errors) != 1 || again.Errors[0].Extensions["landed"] != true {
					t.Errorf("the repeat: %d writes, errors %+v; want no write and the same error", n, again.Errors)
				}
				return
			}
			var data struct {
				CreateCustomer struct {
					CustomerID string
					Customer   struct{ ID, FirstName, Email string }
				}
			}
			r.MustData(t, &data)
			c := a.customer(t, atoi(t, data.CreateCustomer.CustomerID))
			if data.CreateCustomer.Customer.ID != data.CreateCustomer.CustomerID || c.FirstName != "Odd" || data.CreateCustomer.Customer.Email != "odd.answer@example.org" {
				t.Errorf("payload %+v, FreeScout has %+v", data.CreateCustomer, c)
			}
		})
	}
}

func sameCounts(got, want map[string]int) bool {
	for k, v := range got {
		if v != want[k] {
			return false
		}
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestInstallsMissingModules: what a missing module adds is an error on its
// field only (null, MODULE_UNAVAILABLE naming the module); the rest of the
// query is the same answer as on an install with every module.
func TestInstallsMissingModules(t *testing.T) {
	t.Parallel()
	const query = `{
		conversation(id: "1") { id subject customer { id firstName customerFields { id } } tags { id } timelogs { id } customFields { id } }
		conversations(first: 3, filter: {statuses: [CLOSED]}) { totalCount nodes { id number tags { name } } }
		mailbox(id: "1") { id name customFields { id } }
		tags(first: 5) { totalCount }
		customer(id: "2") { id lastName customerFields { id } }
	}`
	answers := map[string]*gatewaytest.Response{}
	for _, i := range installs()[:2] {
		in := i.in
		answers[i.name] = gatewaytest.Start(t, gatewaytest.Options{Install: &in}).Do(t, query, nil)
	}
	if errs := answers["current"].Errors; len(errs) != 0 {
		t.Fatalf("current install: %+v", errs)
	}
	wantErrs := map[string]upstream.Module{
		"conversation.customer.customerFields": upstream.ModuleCRM, "conversation.tags": upstream.ModuleTags,
		"conversation.timelogs": upstream.ModuleTimeTracking, "conversation.customFields": upstream.ModuleCustomFields,
		"conversations.nodes.0.tags": upstream.ModuleTags, "conversations.nodes.1.tags": upstream.ModuleTags, "conversations.nodes.2.tags": upstream.ModuleTags,
		"mailbox.customFields": upstream.ModuleCustomFields, "tags": upstream.ModuleTags, "customer.customerFields": upstream.ModuleCRM,
	}
	got := map[string]upstream.Module{}
	for _, e := range answers["old"].Errors {
		parts := make([]string, len(e.Path))
		for i, p := range e.Path {
			parts[i] = fmt.Sprint(p)
		}
		path := strings.Join(parts, ".")
		got[path] = moduleTitled(e.Extensions["module"])
		if e.Code() != "MODULE_UNAVAILABLE" || !strings.Contains(e.Message, "not installed or not active") {
			t.Errorf("%s: %+v", path, e)
		}
	}
	if !sameModules(got, wantErrs) {
		t.Errorf("old install's errors by path %v\nwant %v", got, wantErrs)
	}
	// The same data everywhere else: the module fields nulled on the current answer.
	cur := genericJSON(t, answers["current"].Data)
	for path := range wantErrs {
		nullAt(cur, strings.Split(path, "."))
	}
	assertSameJSON(t, "the old install's answer", genericJSON(t, answers["old"].Data), cur)
}

func sameModules(a, b map[string]upstream.Module) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// nullAt sets the value at path (object keys and list indexes) to null.
func nullAt(v any, path []string) {
	for i, p := range path {
		last := i == len(path)-1
		switch x := v.(type) {
		case map[string]any:
			if last {
				x[p] = nil
				return
			}
			v = x[p]
		case []any:
			var n int
			fmt.Sscan(p, &n)
			if last {
				x[n] = nil
				return
			}
			v = x[n]
		}
	}
}

// TestInstallsFilters: a filter the old module ignores is applied by the
// gateway (the same answer as on a current install, without the parameter
// FreeScout would ignore), refused when the gateway cannot check it on a
// conversation, and refused when the list to filter is too long.
func TestInstallsFilters(t *testing.T) {
	t.Parallel()
	const query = `query($f: ConversationFilter, $first: Int, $after: String) {
		conversations(first: $first, after: $after, filter: $f) { totalCount pageInfo { hasNextPage endCursor } nodes { id status type state } } }`
	filters := []map[string]any{
		{"statuses": []string{"ACTIVE", "PENDING"}},
		{"statuses": []string{"CLOSED", "SPAM"}, "mailboxIds": []string{"1"}, "type": "EMAIL"},
		{"state": "DRAFT"},
		{"unassigned": true, "statuses": []string{"ACTIVE"}},
		{"subject": "refund", "createdSince": "2025-06-01T00:00:00Z"},
		{"createdByUserId": "4"},
	}
	envs := map[string]*apiEnv{}
	for _, i := range installs()[:2] {
		in := i.in
		envs[i.name] = newAPI(t, gatewaytest.Options{Install: &in})
	}
	for _, f := range filters {
		t.Run(shortJSON(f), func(t *testing.T) {
			var pages [2][]any
			for k, name := range []string{"current", "old"} {
				a := envs[name]
				from := a.logLen()
				for _, first := range []int{7, 100} {
					var after any
					for {
						d := a.data(t, query, map[string]any{"f": f, "first": first, "after": after})
						pages[k] = append(pages[k], jget(d, "conversations"))
						if jget(d, "conversations", "pageInfo", "hasNextPage") != true {
							break
						}
						after = jget(d, "conversations", "pageInfo", "endCursor")
					}
				}
				if name == "old" {
					for _, r := range a.requests(from) {
						q, _ := url.ParseQuery(r.RawQuery)
						for _, gated := range []string{"state", "type", "subject", "createdSince", "createdByUserId"} {
							if q.Has(gated) {
								t.Errorf("%s sent to the old module, which ignores it: %s", gated, r.RawQuery)
							}
						}
						if s := q.Get("status"); strings.Contains(s, ",") && s != "active,pending,closed,spam" {
							t.Errorf("a status list sent to the old module: %s", r.RawQuery)
						}
					}
				}
			}
			assertSameJSON(t, "the old install's pages", pages[1], pages[0])
			if len(jget(pages[0][0], "nodes").([]any)) == 0 {
				t.Errorf("nothing matches %v: pick another filter", f)
			}
		})
	}
	t.Run("customerPhone cannot be checked on a conversation", func(t *testing.T) {
		r := envs["old"].Do(t, query, map[string]any{"f": map[string]any{"customerPhone": "555"}, "first": 5})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "1.0.55") ||
			!strings.Contains(r.Errors[0].Message, "customerId or customerEmail") {
			t.Errorf("errors %+v", r.Errors)
		}
		if r := envs["current"].Do(t, query, map[string]any{"f": map[string]any{"customerPhone": "555"}, "first": 5}); len(r.Errors) != 0 {
			t.Errorf("current install: %+v", r.Errors)
		}
	})
	t.Run("too long to filter", func(t *testing.T) {
		in := gatewaytest.Old
		a := newAPI(t, gatewaytest.Options{Install: &in})
		for i := range 270 { // with the sample data's 240: more than the gateway filters itself
			if _, _, err := a.fs.Conversations.Create(t.Context(), &upstream.NewConversation{
				Type: "email", MailboxID: 2, Subject: fmt.Sprintf("Bulk %d", i), Customer: upstream.CustomerRef{Email: "bulk@example.org"},
				Threads: []upstream.NewThread{{Type: "customer", Text: "bulk", Customer: &upstream.CustomerRef{Email: "bulk@example.org"}}},
			}); err != nil {
				t.Fatal(err)
			}
		}
		r := a.Do(t, query, map[string]any{"f": map[string]any{"statuses": []string{"ACTIVE", "PENDING"}}, "first": 5})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "at most 500") ||
			!strings.Contains(r.Errors[0].Message, "one status at a time") {
			t.Errorf("errors %+v", r.Errors)
		}
		// One status at a time every module honours.
		if r := a.Do(t, query, map[string]any{"f": map[string]any{"statuses": []string{"ACTIVE"}}, "first": 5}); len(r.Errors) != 0 {
			t.Errorf("one status: %+v", r.Errors)
		}
	})
}

// TestInstallsServerInfo: what serverInfo reports of each install once the
// gateway has started (and, for 201 bodies, once it has created something).
func TestInstallsServerInfo(t *testing.T) {
	t.Parallel()
	const query = `{ serverInfo { moduleVersion { atLeast atMost text } modules { module name presence }
		capabilities { conversationPageSize listPageSize multiStatus createdBodies colonDates filters { filter since support } } learntAt } }`
	for _, i := range installs()[:2] {
		t.Run(i.name, func(t *testing.T) {
			t.Parallel()
			in := i.in
			a := newAPI(t, gatewaytest.Options{Install: &in})
			old := i.name == "old"
			support, presence, version := "SUPPORTED", "PRESENT", "1.0.77 or newer"
			if old {
				support, presence, version = "UNSUPPORTED", "MISSING", "1.0.20 or older"
			}
			a.Upstream.ResetCounts()
			d := a.data(t, query, nil)
			if n := a.Upstream.Total(); n != 0 {
				t.Errorf("serverInfo made %d FreeScout calls; it reports what is known", n)
			}
			info := jget(d, "serverInfo")
			if jget(info, "moduleVersion", "text") != version || jget(info, "learntAt") == nil {
				t.Errorf("version %v, learnt at %v", jget(info, "moduleVersion"), jget(info, "learntAt"))
			}
			for _, m := range jget(info, "modules").([]any) {
				if jget(m, "presence") != presence {
					t.Errorf("module %v", m)
				}
			}
			caps := jget(info, "capabilities")
			for _, k := range []string{"conversationPageSize", "listPageSize", "multiStatus", "colonDates"} {
				if jget(caps, k) != support {
					t.Errorf("%s: %v, want %s", k, jget(caps, k), support)
				}
			}
			for _, f := range jget(caps, "filters").([]any) {
				if jget(f, "support") != support {
					t.Errorf("filter %v", f)
				}
			}
			if jget(caps, "createdBodies") != "UNKNOWN" {
				t.Errorf("createdBodies before any create: %v", jget(caps, "createdBodies"))
			}
			a.mutate(t, mCreateCustomer, "createCustomer", map[string]any{"firstName": "Info"})
			if got := jget(a.data(t, query, nil), "serverInfo", "capabilities", "createdBodies"); got != support {
				t.Errorf("createdBodies after a create: %v, want %s", got, support)
			}
		})
	}
}

// TestInstallsLaravelErrors: validation errors answered Laravel's way come
// back as the same userErrors, on the same input paths, as the documented
// ones.
func TestInstallsLaravelErrors(t *testing.T) {
	t.Parallel()
	in := map[string]any{
		"type": "EMAIL", "mailboxId": "1", "subject": "Hello", "assigneeId": "99999",
		"customer": map[string]any{"email": "someone@example.org"},
		"threads":  []any{map[string]any{"type": "NOTE", "text": "x", "userId": "99999"}},
	}
	var got [2][]apiUserError
	for k, i := range []gatewaytest.Install{gatewaytest.Old, installs()[2].in} {
		a := newAPI(t, gatewaytest.Options{Install: &i})
		p := a.mutate(t, mCreateConversation, "createConversation", in)
		got[k] = decodeUserErrors(t, p["userErrors"])
		if p["conversation"] != nil {
			t.Errorf("%s: a conversation despite the errors", i)
		}
	}
	fields := func(errs []apiUserError) []string {
		var out []string
		for _, e := range errs {
			out = append(out, strings.Join(e.Field, ".")+" "+e.Code)
		}
		slices.Sort(out)
		return out
	}
	if g, w := fields(got[1]), fields(got[0]); !slices.Equal(g, w) || len(w) < 2 || !slices.Contains(w, "threads.0.userId INVALID") {
		t.Errorf("laravel userErrors %v\ndocumented %v", g, w)
	}
}

// TestInstallsUnknownUntilFreeScoutAnswers: a gateway that could not learn
// the install at start (FreeScout was down) filters what it must itself,
// and answers right; a FreeScout that says it honours a filter but lists a
// conversation outside it is caught, and the filter applied by the gateway
// from then on.
func TestInstallsUnknownUntilFreeScoutAnswers(t *testing.T) {
	t.Parallel()
	const query = `query($f: ConversationFilter) { conversations(first: 100, filter: $f) { totalCount nodes { id } } }`
	t.Run("down at start", func(t *testing.T) {
		t.Parallel()
		up := gatewaytest.StartUpstreamFor(t, 0, gatewaytest.Current)
		up.InjectFault("/api", emulator.Fault{Status: http.StatusServiceUnavailable})
		a := newAPI(t, gatewaytest.Options{Emulator: up})
		up.ClearFaults()
		if v := jget(a.data(t, `{ serverInfo { moduleVersion { text } } }`, nil), "serverInfo", "moduleVersion", "text"); v != "unknown" {
			t.Errorf("version %v, want unknown", v)
		}
		f := map[string]any{"statuses": []string{"PENDING", "SPAM"}}
		got := a.data(t, query, map[string]any{"f": f})
		want := a.conversations(t, upstream.ConversationListOptions{Statuses: []string{"pending", "spam"}})
		if jget(got, "conversations", "totalCount") != float64(len(want)) || !slices.Equal(nodeIDs(jget(got, "conversations", "nodes")), convIDs(want)[:min(100, len(want))]) {
			t.Errorf("got %v, want %d conversations", jget(got, "conversations", "totalCount"), len(want))
		}
	})
	t.Run("a filter ignored after all", func(t *testing.T) {
		t.Parallel()
		// In front of a current module, something drops createdByUserId, but
		// not the value the gateway's probe asks with.
		a := gatewayBehind(t, func(q url.Values) {
			if v := q.Get("createdByUserId"); v != "" && v != "2147483647" {
				q.Del("createdByUserId")
			}
		})
		all := a.listAll(t, upstream.ConversationListOptions{Statuses: everyStatus})
		var want []string
		for _, c := range all {
			if c.CreatedBy != nil && c.CreatedBy.Type == "user" && c.CreatedBy.ID == 4 {
				want = append(want, wantID(c.ID))
			}
		}
		for range 2 { // caught on the first, known on the second
			got := a.data(t, query, map[string]any{"f": map[string]any{"createdByUserId": "4"}})
			if g := nodeIDs(jget(got, "conversations", "nodes")); !slices.Equal(g, want) || jget(got, "conversations", "totalCount") != float64(len(want)) {
				t.Errorf("got %v (%v), want %v", g, jget(got, "conversations", "totalCount"), want)
			}
		}
		f := jget(a.data(t, `{ serverInfo { capabilities { filters { filter support } } } }`, nil), "serverInfo", "capabilities", "filters")
		for _, x := range f.([]any) {
			if jget(x, "filter") == "createdByUserId" && jget(x, "support") != "UNSUPPORTED" {
				t.Errorf("createdByUserId: %v", x)
			}
		}
	})
}

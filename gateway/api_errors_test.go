package gateway_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// secretsIn lists what must never reach a client: the API key and where
// FreeScout lives.
func (a *apiEnv) secrets() []string {
	host := strings.TrimPrefix(a.Upstream.URL, "http://")
	return []string{gatewaytest.APIKey, a.Upstream.URL, host, "/api/", "X-FreeScout-API-Key", "api_key"}
}

// assertClean fails when any GraphQL error of r is without extensions.code,
// or shows a secret in its message or extensions.
func assertClean(t *testing.T, r *gatewaytest.Response, secrets ...string) {
	t.Helper()
	for _, e := range r.Errors {
		if e.Code() == "" {
			t.Errorf("error %+v has no extensions.code", e)
		}
		b, _ := json.Marshal(e)
		for _, s := range secrets {
			if s != "" && strings.Contains(string(b), s) {
				t.Errorf("error %s shows %q", b, s)
			}
		}
	}
}

// TestAPIErrorCodes: every GraphQL error carries extensions.code, the right
// one for what went wrong, and nothing internal.
func TestAPIErrorCodes(t *testing.T) {
	t.Parallel()
	type fault struct {
		pattern string
		fault   emulator.Fault
	}
	cases := []struct {
		name    string
		opts    gatewaytest.Options
		faults  []fault
		query   string
		vars    map[string]any
		code    string
		message string   // when set, the whole client-facing message
		path    []any    // where the error points, when set
		nulls   []string // top-level fields that must be null in data
		present []string // top-level fields that must hold a value
	}{
		{
			name: "conversation not found", query: `{ conversation(id: "99999") { id subject } }`,
			code: "NOT_FOUND", path: []any{"conversation"}, nulls: []string{"conversation"},
		},
		{
			name: "one of two not found", query: `{ a: conversation(id: "1") { id } b: conversation(id: "99999") { id } }`,
			code: "NOT_FOUND", path: []any{"b"}, nulls: []string{"b"}, present: []string{"a"},
		},
		{
			name: "customer not found", query: `{ customer(id: "99999") { id } }`,
			code: "NOT_FOUND", path: []any{"customer"}, nulls: []string{"customer"},
		},
		{
			name: "user not found", query: `{ user(id: "99999") { id } }`,
			code: "NOT_FOUND", path: []any{"user"}, nulls: []string{"user"},
		},
		{
			name: "mailbox not found", query: `{ mailbox(id: "99") { id name } }`,
			code: "NOT_FOUND", path: []any{"mailbox"}, nulls: []string{"mailbox"},
		},
		{
			// The gateway's own key: the caller can do nothing about it.
			name: "FreeScout rejects the key", opts: gatewaytest.Options{APIKeyOverride: "wrong-key-123"},
			query: `{ conversation(id: "1") { id } }`, code: "UPSTREAM_UNAVAILABLE", message: "freescout rejected the gateway's api key", nulls: []string{"conversation"},
		},
		{
			name: "FreeScout rejects the key on a list", opts: gatewaytest.Options{APIKeyOverride: "wrong-key-123"},
			query: `{ conversations { nodes { id } } }`, code: "UPSTREAM_UNAVAILABLE",
		},
		{
			name: "FreeScout denies access", faults: []fault{{"GET /api/conversations/{id}", emulator.Fault{Status: 403}}},
			query: `{ conversation(id: "1") { id } }`, code: "FORBIDDEN", nulls: []string{"conversation"},
		},
		{
			name: "bad id argument", query: `{ conversation(id: "abc") { id } }`,
			code: "BAD_USER_INPUT", path: []any{"conversation"}, nulls: []string{"conversation"},
		},
		{
			name: "negative id argument", query: `{ user(id: "-4") { id } }`, code: "BAD_USER_INPUT", nulls: []string{"user"},
		},
		{
			name: "bad id in a filter", query: `{ conversations(filter: {mailboxIds: ["one"]}) { nodes { id } } }`, code: "BAD_USER_INPUT",
		},
		{
			name: "UNKNOWN is no status to filter by", query: `{ conversations(filter: {statuses: [UNKNOWN]}) { nodes { id } } }`, code: "BAD_USER_INPUT",
		},
		{
			name: "contradicting filter", query: `{ conversations(filter: {assigneeId: "1", unassigned: true}) { nodes { id } } }`, code: "BAD_USER_INPUT",
		},
		{
			name: "syntax error", query: `{ conversation(id: "1") { id `, code: "BAD_USER_INPUT",
		},
		{
			name: "unknown field", query: `{ conversation(id: "1") { id nope } }`, code: "BAD_USER_INPUT",
		},
		{
			name: "missing argument", query: `{ conversation { id } }`, code: "BAD_USER_INPUT",
		},
		{
			name: "unknown enum value", query: `{ conversations(filter: {statuses: [ARCHIVED]}) { nodes { id } } }`, code: "BAD_USER_INPUT",
		},
		{
			name: "bad variable", query: `query($id: ID!) { conversation(id: $id) { id } }`, vars: map[string]any{"id": map[string]any{"x": 1}},
			code: "BAD_USER_INPUT",
		},
		{
			name: "variable of the wrong type", query: `query($n: Int) { conversations(first: $n) { nodes { id } } }`, vars: map[string]any{"n": "many"},
			code: "BAD_USER_INPUT",
		},
		{
			name: "mutation input without a required field", query: `mutation { deleteUser(input: {id: "6"}) { deletedUserId } }`,
			code: "BAD_USER_INPUT",
		},
		{
			name: "a mutation with a rejected key", opts: gatewaytest.Options{APIKeyOverride: "wrong-key-123"},
			query: `mutation { updateCustomer(input: {id: "1", notes: "x"}) { customer { id } userErrors { code } } }`,
			code:  "UPSTREAM_UNAVAILABLE", path: []any{"updateCustomer"},
		},
		{
			name: "a mutation FreeScout forbids", faults: []fault{{"PUT /api/customers/{id}", emulator.Fault{Status: 403}}},
			query: `mutation { updateCustomer(input: {id: "1", notes: "x"}) { customer { id } userErrors { code } } }`,
			code:  "FORBIDDEN", path: []any{"updateCustomer"},
		},
		{
			name: "FreeScout down (503)", faults: []fault{{"/api", emulator.Fault{Status: 503}}},
			query: `{ conversation(id: "1") { id } }`, code: "UPSTREAM_UNAVAILABLE", message: "freescout is unavailable; try again later", nulls: []string{"conversation"},
		},
		{
			name: "FreeScout fails (500)", faults: []fault{{"GET /api/conversations", emulator.Fault{Status: 500}}},
			query: `{ conversations(first: 3) { nodes { id } } }`, code: "UPSTREAM_UNAVAILABLE",
		},
		{
			name: "FreeScout hangs", opts: gatewaytest.Options{UpstreamTimeout: 100 * time.Millisecond},
			faults: []fault{{"GET /api/customers/{id}", emulator.Fault{Hang: true}}},
			query:  `{ customer(id: "1") { id } }`, code: "UPSTREAM_UNAVAILABLE", nulls: []string{"customer"},
		},
		{
			name: "FreeScout answers garbage", faults: []fault{{"GET /api/conversations/{id}", emulator.Fault{Malformed: true}}},
			query: `{ conversation(id: "1") { id } }`, code: "UPSTREAM_UNAVAILABLE", nulls: []string{"conversation"},
		},
		{
			name: "nested field fails alone", faults: []fault{{"GET /api/customers/{id}", emulator.Fault{Status: 502}}},
			query: `{ conversation(id: "1") { id customer { id company } } }`, code: "UPSTREAM_UNAVAILABLE",
			path: []any{"conversation", "customer"}, present: []string{"conversation"},
		},
		{
			name: "non-null nested field fails", faults: []fault{{"GET /api/mailboxes/{id}/folders", emulator.Fault{Status: 502}}},
			query: `{ conversation(id: "1") { id mailbox { id folders { id } } } }`, code: "UPSTREAM_UNAVAILABLE",
			path: []any{"conversation", "mailbox", "folders"}, nulls: []string{"conversation"},
		},
		{
			name: "a mutation when FreeScout is down", faults: []fault{{"/api", emulator.Fault{Status: 503}}},
			query: `mutation { updateConversationTags(input: {conversationId: "1", tags: ["x"]}) { conversation { id } userErrors { code } } }`,
			code:  "UPSTREAM_UNAVAILABLE", path: []any{"updateConversationTags"},
		},
		{
			name: "something FreeScout should never say", faults: []fault{{"GET /api/conversations/{id}", emulator.Fault{Status: 405}}},
			query: `{ conversation(id: "1") { id } }`, code: "INTERNAL", message: "internal error", nulls: []string{"conversation"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t, tc.opts)
			for _, f := range tc.faults {
				a.Upstream.InjectFault(f.pattern, f.fault)
			}
			r := a.Do(t, tc.query, tc.vars)
			assertClean(t, r, append(a.secrets(), tc.opts.APIKeyOverride)...)
			if len(r.Errors) != 1 || r.Errors[0].Code() != tc.code {
				t.Fatalf("errors %+v, want one %s", r.Errors, tc.code)
			}
			e := r.Errors[0]
			if e.Message == "" || (tc.message != "" && e.Message != tc.message) {
				t.Errorf("message %q, want %q", e.Message, tc.message)
			}
			if tc.path != nil && shortJSON(e.Path) != shortJSON(tc.path) {
				t.Errorf("path %v, want %v", e.Path, tc.path)
			}
			var data map[string]any
			if len(r.Data) > 0 {
				if err := json.Unmarshal(r.Data, &data); err != nil {
					t.Fatalf("data %s: %v", r.Data, err)
				}
			}
			for _, f := range tc.nulls {
				if v, ok := data[f]; !ok || v != nil {
					t.Errorf("data.%s = %v (present %v), want null", f, v, ok)
				}
			}
			for _, f := range tc.present {
				if data[f] == nil {
					t.Errorf("data.%s is null, want a value", f)
				}
			}
		})
	}
}

// TestAPIWritesAreNotRetried: a write that fails or times out is reported,
// not sent again.
func TestAPIWritesAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, f := range []emulator.Fault{{Status: 503}, {Status: 502}, {Hang: true}, {Malformed: true}} {
		t.Run(shortJSON(f), func(t *testing.T) {
			t.Parallel()
			// Room for the write to reach the emulator on a busy machine
			// before a hang runs into the timeout (it is counted below).
			a := newAPI(t, gatewaytest.Options{UpstreamTimeout: 3 * time.Second})
			a.Upstream.InjectFault("POST /api/conversations", f)
			a.Upstream.InjectFault("PUT /api/conversations/{id}/tags", f)
			r := a.Do(t, mCreateConversation, map[string]any{"in": map[string]any{
				"type": "EMAIL", "mailboxId": "1", "subject": "Once", "customer": map[string]any{"email": "once@example.org"},
				"threads": []any{map[string]any{"type": "CUSTOMER", "text": "x", "customer": map[string]any{"email": "once@example.org"}}},
			}})
			assertClean(t, r, a.secrets()...)
			if len(r.Errors) != 1 || r.Errors[0].Code() != "UPSTREAM_UNAVAILABLE" {
				t.Errorf("createConversation: errors %+v, want UPSTREAM_UNAVAILABLE", r.Errors)
			}
			r = a.Do(t, mUpdateTags, map[string]any{"in": map[string]any{"conversationId": "1", "tags": []string{"x"}}})
			// A garbled 200 to a write whose answer is ignored is still a
			// success; anything else must be reported.
			if !f.Malformed && (len(r.Errors) != 1 || r.Errors[0].Code() != "UPSTREAM_UNAVAILABLE") {
				t.Errorf("updateConversationTags: errors %+v, want UPSTREAM_UNAVAILABLE", r.Errors)
			}
			for _, route := range []string{"POST /api/conversations", "PUT /api/conversations/{id}/tags"} {
				if n := a.Upstream.Count(route); n != 1 {
					t.Errorf("%s sent %d times, want once", route, n)
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAPIKeyOnlyInHeader runs every query and mutation, some failing, and
// checks that every upstream request carried the key in
// X-FreeScout-API-Key, never in the URL or an Authorization header, and that
// neither answers nor logs show it.
func TestAPIKeyOnlyInHeader(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	a := newAPI(t, gatewaytest.Options{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ops := []struct {
		doc  string
		vars map[string]any
	}{
		{`query($id: ID!) { conversation(id: $id) { ...Conv } }` + "\n" + fragsAll, map[string]any{"id": "1"}},
		{`{ conversations(first: 20, filter: {customerEmail: "a@example.org", tag: "vip"}) { nodes { ...Conv } } }` + "\n" + fragsAll, nil},
		{`{ conversations(first: 20) { nodes { ...Conv } } }` + "\n" + fragsAll, nil},
		{`{ customer(id: "1") { ...C conversations { nodes { id } } } customers(filter: {email: "x@example.org"}) { nodes { id } } }` + "\n" + fragCust, nil},
		{`{ mailbox(id: "1") { id name customFields { id } folders { id user { id } } conversations { nodes { id } } } mailboxes(userId: "2") { nodes { id } } }`, nil},
		{`{ user(id: "2") { id mailboxes { id } } users(email: "olivia.bennett@example.com") { nodes { id } } tags(conversationId: "1") { nodes { id } } }`, nil},
		{`{ conversation(id: "99999") { id } }`, nil},
		{mCreateConversation, map[string]any{"in": map[string]any{
			"type": "EMAIL", "mailboxId": "1", "subject": "Key test", "customer": map[string]any{"email": "key@example.org"},
			"threads":      []any{map[string]any{"type": "CUSTOMER", "text": "x", "customer": map[string]any{"email": "key@example.org"}}},
			"customFields": []any{map[string]any{"name": "Priority", "value": "Low"}},
		}}},
		{mUpdateConversation, map[string]any{"in": map[string]any{"id": "2", "byUserId": "1", "status": "PENDING"}}},
		{mUpdateCustomFields, map[string]any{"in": map[string]any{"conversationId": "3", "fields": []any{map[string]any{"name": "Priority", "value": "High"}}}}},
		{mUpdateTags, map[string]any{"in": map[string]any{"conversationId": "4", "tags": []string{"vip"}}}},
		{mCreateThread, map[string]any{"in": map[string]any{"conversationId": "4", "type": "NOTE", "text": "x", "userId": "1"}}},
		{mDeleteConversation, map[string]any{"in": map[string]any{"id": "5"}}},
		{mCreateCustomer, map[string]any{"in": map[string]any{"firstName": "K", "emails": []any{map[string]any{"value": "k@example.org"}}}}},
		{mUpdateCustomer, map[string]any{"in": map[string]any{"id": "2", "notes": "k"}}},
		{mUpdateCustomerFields, map[string]any{"in": map[string]any{"customerId": "2", "fields": []any{map[string]any{"id": wantID(customerFieldAccountID), "value": "K"}}}}},
		{mCreateUser, map[string]any{"in": map[string]any{"firstName": "K", "lastName": "K", "email": "k.k@example.com"}}},
		{mDeleteUser, map[string]any{"in": map[string]any{"id": "7", "byUserId": "1", "reassign": []any{map[string]any{"mailboxId": "3", "assigneeId": "8"}}}}},
		{mCreateWebhook, map[string]any{"in": map[string]any{"url": "https://example.org/h", "events": []string{"CONVO_CREATED"}}}},
		{mDeleteWebhook, map[string]any{"in": map[string]any{"id": "99999"}}},
		{mCreateUser, map[string]any{"in": map[string]any{"firstName": "K", "lastName": "K", "email": "olivia.bennett@example.com"}}},
	}
	for _, op := range ops {
		r := a.Do(t, op.doc, op.vars)
		assertClean(t, r, a.secrets()...)
		if bytes.Contains(r.Data, []byte(gatewaytest.APIKey)) {
			t.Errorf("data shows the key")
		}
	}
	res, err := http.Get(a.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	reqs := a.Upstream.Log.Requests()
	if len(reqs) < 30 {
		t.Fatalf("only %d upstream requests: the run did not exercise the gateway", len(reqs))
	}
	writes := 0
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			writes++
		}
		if got := r.Header.Values("X-FreeScout-API-Key"); len(got) != 1 || got[0] != gatewaytest.APIKey {
			t.Errorf("%s %s: X-FreeScout-API-Key %q", r.Method, r.Path, got)
		}
		if strings.Contains(strings.ToLower(r.RawQuery), "api_key") || strings.Contains(r.RawQuery, gatewaytest.APIKey) {
			t.Errorf("%s %s: the key is in the query %q", r.Method, r.Path, r.RawQuery)
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("%s %s: Authorization header sent", r.Method, r.Path)
		}
	}
	if writes < 12 {
		t.Errorf("only %d writes upstream", writes)
	}
	metrics := getBody(t, a.URL+"/metrics")
	if strings.Contains(metrics, gatewaytest.APIKey) {
		t.Error("/metrics shows the key")
	}
	if strings.Contains(logs.String(), gatewaytest.APIKey) {
		t.Error("the logs show the key")
	}
}

// fakeFreeScout answers like FreeScout, but with enum values the schema does
// not know.
func fakeFreeScout(t *testing.T) *httptest.Server {
	t.Helper()
	person := func(id int, typ string) map[string]any {
		return map[string]any{"id": id, "type": typ, "firstName": "F", "lastName": "L", "email": "x@example.org", "photoUrl": "https://example.org/p.jpg"}
	}
	conversation := map[string]any{
		"id": 1, "number": 101, "threadsCount": 1, "type": "fax", "folderId": 1, "status": "archived", "state": "limbo",
		"subject": "Odd", "preview": "Odd", "mailboxId": 1, "assignee": person(1, "user"), "createdBy": person(1, "user"),
		"createdAt": "2024-03-04T05:06:07Z", "updatedAt": "2024-03-04T05-06-07Z", "closedBy": nil, "closedByUser": nil, "closedAt": nil,
		"userUpdatedAt": nil, "customerWaitingSince": map[string]any{"time": "2024-03-04T05:06:07Z", "friendly": "long ago", "latestReplyFrom": "robot"},
		"source": map[string]any{"type": "carrier-pigeon", "via": "bird"}, "cc": []string{}, "bcc": []string{},
		"customer": person(2, "customer"), "customFields": []any{map[string]any{"id": 1, "name": "Mood", "value": "x", "text": ""}},
		"_embedded": map[string]any{
			"threads": []any{map[string]any{
				"id": 1, "type": "whisper", "status": "frozen", "state": "ghost", "action": map[string]any{"type": "teleported", "text": "beamed up"},
				"body": "hi", "source": map[string]any{"type": "x", "via": "y"}, "customer": person(2, "customer"), "createdBy": person(3, "robot"),
				"assignedTo": nil, "to": []string{}, "cc": []string{}, "bcc": []string{}, "createdAt": "2024-03-04T05:06:07Z", "openedAt": nil,
				"_embedded": map[string]any{"attachments": []any{}},
			}},
			"timelogs": []any{map[string]any{"id": 1, "conversationStatus": "snoozed", "userId": 1, "timeSpent": 5, "paused": false, "finished": true,
				"createdAt": "2024-03-04T05-06-07Z", "updatedAt": "2024-03-04T05-06-07Z"}},
			"tags": []any{},
		},
	}
	list := func(name string, items ...any) map[string]any {
		return map[string]any{"_embedded": map[string]any{name: items}, "page": map[string]any{"size": 50, "totalElements": len(items), "totalPages": 1, "number": 1}}
	}
	user := map[string]any{"id": 1, "firstName": "F", "lastName": "L", "email": "f@example.org", "role": "owner", "timezone": "UTC",
		"photoUrl": "", "language": "en", "createdAt": "2024-01-01T00-00-00Z", "updatedAt": "2024-01-01T00-00-00Z"}
	robot := map[string]any{"id": 3, "firstName": "R", "lastName": "B", "email": "r@example.org", "role": "bot"}
	customer := map[string]any{"id": 2, "firstName": "C", "photoType": "myspace", "createdAt": "2024-01-01T00:00:00Z",
		"_embedded": map[string]any{"emails": []any{}, "phones": []any{}, "social_profiles": []any{}, "websites": []any{}}}
	mux := http.NewServeMux()
	answer := func(pattern string, body any) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(body)
		})
	}
	answer("GET /api/conversations/1", conversation)
	answer("GET /api/conversations", list("conversations", conversation))
	answer("GET /api/users", list("users", user, robot))
	answer("GET /api/users/1", user)
	answer("GET /api/users/3", robot)
	answer("GET /api/customers/2", customer)
	answer("GET /api/mailboxes", list("mailboxes", map[string]any{"id": 1, "name": "M", "email": "m@example.org"}))
	answer("GET /api/mailboxes/1/custom_fields", list("custom_fields", map[string]any{"id": 1, "name": "Mood", "type": "multiselect", "options": map[string]string{"1": "Happy"}}))
	answer("GET /api/mailboxes/1/folders", list("folders", map[string]any{"id": 1, "name": "Snoozed", "type": 77, "userId": nil, "totalCount": 1, "activeCount": 0}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestAPIUnknownEnumValues: values FreeScout sends that the schema does not
// know come out as UNKNOWN and break nothing.
func TestAPIUnknownEnumValues(t *testing.T) {
	t.Parallel()
	fs := fakeFreeScout(t)
	gw, err := gateway.New(t.Context(), gateway.Config{FreeScoutURL: fs.URL, APIKey: "fake-key"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() { srv.Close(); _ = gw.Close() })
	env := &gatewaytest.Env{URL: srv.URL}

	conv := `id type status state customer { id photoType } assignee { id role }
		createdBy { __typename ... on User { id role } }
		timelogs { conversationStatus user { id role } }
		customFields { id field { type options { label } } }
		mailbox { folders { id type } }
		threads { id type status state action { type text } createdBy { __typename ... on User { id role } } }`
	var got struct {
		Conversation  map[string]any `json:"conversation"`
		Conversations struct {
			Nodes []map[string]any `json:"nodes"`
		} `json:"conversations"`
		Users struct {
			Nodes []map[string]any `json:"nodes"`
		} `json:"users"`
	}
	r := env.Do(t, `{ conversation(id: "1") { `+conv+` } conversations { nodes { id type status state } } users { nodes { id role } } }`, nil)
	r.MustData(t, &got)
	want := map[string]any{
		"id": "1", "type": "UNKNOWN", "status": "UNKNOWN", "state": "UNKNOWN",
		"customer":     map[string]any{"id": "2", "photoType": "UNKNOWN"},
		"assignee":     map[string]any{"id": "1", "role": "UNKNOWN"},
		"createdBy":    map[string]any{"__typename": "User", "id": "1", "role": "UNKNOWN"},
		"timelogs":     []any{map[string]any{"conversationStatus": "UNKNOWN", "user": map[string]any{"id": "1", "role": "UNKNOWN"}}},
		"customFields": []any{map[string]any{"id": "1", "field": map[string]any{"type": "UNKNOWN", "options": []any{map[string]any{"label": "Happy"}}}}},
		"mailbox":      map[string]any{"folders": []any{map[string]any{"id": "1", "type": "UNKNOWN"}}},
		"threads": []any{map[string]any{"id": "1", "type": "UNKNOWN", "status": "UNKNOWN", "state": "UNKNOWN",
			"action": map[string]any{"type": "teleported", "text": "beamed up"}, "createdBy": map[string]any{"__typename": "User", "id": "3", "role": "UNKNOWN"}}},
	}
	assertSameJSON(t, "conversation", got.Conversation, want)
	assertSameJSON(t, "conversations", got.Conversations.Nodes, []any{map[string]any{"id": "1", "type": "UNKNOWN", "status": "UNKNOWN", "state": "UNKNOWN"}})
	assertSameJSON(t, "users", got.Users.Nodes, []any{map[string]any{"id": "1", "role": "UNKNOWN"}, map[string]any{"id": "3", "role": "UNKNOWN"}})
}

// TestAPIRelationErrorsStayOnTheirField: when reading a relation fails (a
// person's full profile, here), each conversation or thread the relation
// belongs to shows null there with an error on exactly that path, and the
// rest of the page is answered.
func TestAPIRelationErrorsStayOnTheirField(t *testing.T) {
	a := newAPI(t, gatewaytest.Options{})
	a.Upstream.InjectFault("GET /api/customers/{id}", emulator.Fault{Status: 502})
	r := a.Do(t, `{ conversations(first: 3) { nodes {
		id subject
		customer { id company }
		threads { id customer { id company } createdBy { __typename ... on User { id firstName } } }
	} } }`, nil)
	assertClean(t, r, a.secrets()...)
	var data struct {
		Conversations struct {
			Nodes []struct {
				ID       string
				Subject  string
				Customer *struct{ ID string }
				Threads  []struct {
					ID        string
					Customer  *struct{ ID string }
					CreatedBy *struct {
						Typename string `json:"__typename"`
					}
				}
			}
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("data %s: %v", r.Data, err)
	}
	want := map[string]bool{} // paths that must carry an error
	for i, c := range data.Conversations.Nodes {
		if c.ID == "" || c.Subject == "" || c.Customer != nil {
			t.Errorf("conversation %d = %+v, want id and subject, customer null", i, c)
		}
		want[shortJSON([]any{"conversations", "nodes", i, "customer"})] = true
		for j, th := range c.Threads {
			if th.ID == "" || th.Customer != nil {
				t.Errorf("conversation %d thread %d = %+v, want id, customer null", i, j, th)
			}
			want[shortJSON([]any{"conversations", "nodes", i, "threads", j, "customer"})] = true
		}
	}
	if len(data.Conversations.Nodes) != 3 || len(want) < 6 {
		t.Fatalf("%d conversations, %d customer paths: the sample data should have threads", len(data.Conversations.Nodes), len(want))
	}
	for _, e := range r.Errors {
		p := shortJSON(e.Path)
		if !want[p] || e.Code() != "UPSTREAM_UNAVAILABLE" {
			t.Errorf("error %s at %s, want UPSTREAM_UNAVAILABLE at a customer", e.Code(), p)
		}
		delete(want, p)
	}
	for p := range want {
		t.Errorf("no error at %s", p)
	}
}

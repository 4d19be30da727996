package gateway_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// allocated returns how many bytes the process allocated while run ran.
// Tests run in parallel, so it is an upper bound for run's own.
func allocated(run func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	run()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// repeat joins n copies of f(i).
func repeat(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
		b.WriteByte(' ')
	}
	return b.String()
}

// TestAttacksAreBounded sends what an attacker would, each shown to cost
// FreeScout nothing (or little) and the gateway little memory, with a clear
// code. (Before these bounds, each of these took the gateway or FreeScout
// down: see the measurements.)
func TestAttacksAreBounded(t *testing.T) {
	nest := func(levels int) string {
		q := "id"
		for range levels {
			q = "customer { id conversations(first: 100) { nodes { id " + q + " } } }"
		}
		return "{ conversations(first: 100) { nodes { " + q + " } } }"
	}
	cases := []struct {
		name     string
		query    string
		code     string
		maxAlloc uint64 // bytes the gateway may allocate for it
	}{
		{
			name:  "1,000 same-name fields with different arguments (32 KB)",
			query: "{ " + repeat(1000, func(i int) string { return fmt.Sprintf(`c: conversation(id: "%d") { id }`, i+1) }) + "}",
			code:  "QUERY_TOO_COMPLEX", maxAlloc: 64 << 20,
		},
		{
			name:  "1,000 same-name fields without aliases",
			query: "{ " + repeat(1000, func(i int) string { return fmt.Sprintf(`conversation(id: "%d") { id }`, i+1) }) + "}",
			code:  "QUERY_TOO_COMPLEX", maxAlloc: 64 << 20,
		},
		{
			name:  "2,000 such fields (65 KB)",
			query: "{ " + repeat(2000, func(i int) string { return fmt.Sprintf(`c: conversation(id: "%d") { id }`, i+1) }) + "}",
			code:  "QUERY_TOO_COMPLEX", maxAlloc: 64 << 20,
		},
		{
			name: "fields under one name, 30 a fragment, spread 40 times",
			query: "{ conversations { nodes { " + repeat(40, func(int) string { return "...F" }) + "} } } fragment F on Conversation { " +
				repeat(30, func(i int) string { return fmt.Sprintf("s%d: subject", i) }) + "}",
			code: "QUERY_TOO_COMPLEX", maxAlloc: 64 << 20,
		},
		{
			name:  "a fragment bomb (2^20 fields expanded)",
			query: "{ conversations { nodes { ...F0 } } } " + repeat(20, func(i int) string { return fmt.Sprintf("fragment F%d on Conversation { ...F%d ...F%d }", i, i+1, i+1) }) + " fragment F20 on Conversation { id }",
			code:  "QUERY_TOO_COMPLEX", maxAlloc: 64 << 20,
		},
		{
			name:  "customer.conversations nested four levels (253 bytes)",
			query: nest(4),
			code:  "QUERY_TOO_COMPLEX", maxAlloc: 16 << 20,
		},
		{
			name:  "10,000 aliases of conversations(first: 100)",
			query: "{ " + repeat(10000, func(i int) string { return fmt.Sprintf("a%d: conversations(first: 100) { nodes { id } }", i) }) + "}",
			code:  "QUERY_TOO_COMPLEX", maxAlloc: 64 << 20,
		},
		{
			name:  "101 aliases",
			query: "{ " + repeat(101, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + "}",
			code:  "QUERY_TOO_COMPLEX", maxAlloc: 16 << 20,
		},
		{
			name:  "an after cursor holding offset 2^63-1",
			query: `{ conversations(after: "b2Zmc2V0OjkyMjMzNzIwMzY4NTQ3NzU4MDc") { totalCount } }`,
			code:  "BAD_USER_INPUT", maxAlloc: 4 << 20,
		},
		{
			name:  "a bad DateTime filter",
			query: `{ conversations(filter: {createdSince: "yesterday"}) { totalCount } }`,
			code:  "BAD_USER_INPUT", maxAlloc: 4 << 20,
		},
		{
			name:  "a 900 KB subject filter",
			query: `{ conversations(filter: {subject: "` + strings.Repeat("x", 900<<10) + `"}) { totalCount } }`,
			code:  "BAD_USER_INPUT", maxAlloc: 32 << 20,
		},
		{
			name:  "a 900 KB id",
			query: `{ conversation(id: "` + strings.Repeat("9", 900<<10) + `") { id } }`,
			code:  "BAD_USER_INPUT", maxAlloc: 32 << 20,
		},
	}
	env := gatewaytest.Start(t, gatewaytest.Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.Upstream.ResetCounts()
			var r *gatewaytest.Response
			alloc := allocated(func() { r = env.Do(t, tc.query, nil) })
			if len(r.Errors) != 1 || r.Errors[0].Code() != tc.code {
				n := len(r.Errors)
				if n > 3 {
					r.Errors = r.Errors[:3]
				}
				t.Fatalf("%d errors %+v; want one %s", n, r.Errors, tc.code)
			}
			if len(r.Errors[0].Message) > 200 {
				t.Errorf("the message is %d bytes: it echoes the input", len(r.Errors[0].Message))
			}
			if n := env.Upstream.Total(); n != 0 {
				t.Errorf("FreeScout got %d calls, want none", n)
			}
			if alloc > tc.maxAlloc {
				t.Errorf("the gateway allocated %d MB, bound %d MB", alloc>>20, tc.maxAlloc>>20)
			}
		})
	}
}

// TestIdenticalCallsAreMadeOnce: the same list under 30 aliases is one
// FreeScout call, though each alias is estimated (and allowed) on its own.
func TestIdenticalCallsAreMadeOnce(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{})
	r := env.Do(t, "{ "+repeat(30, func(i int) string { return fmt.Sprintf("a%d: conversations(first: 100) { nodes { id } }", i) })+"}", nil)
	calls := 1 // a page of 100
	if !env.Upstream.Install.AtLeast("1.0.43") {
		calls = 2 // the module serves pages of 50 whatever is asked
	}
	if len(r.Errors) > 0 || env.Upstream.Total() != calls {
		t.Errorf("errors %+v, %d calls; want %d", r.Errors, env.Upstream.Total(), calls)
	}
	if cost, _ := r.Extensions["cost"].(map[string]any); cost["estimated"] != 30.0 || cost["actual"] != float64(calls) {
		t.Errorf("extensions.cost %v; want 30 estimated, %d actual", cost, calls)
	}
}

// TestCostIsEnforcedWhileRunning: an operation whose estimate passes but
// that makes more calls than MAX_COST while it runs (here FreeScout's
// failures make the gateway retry) is stopped by its data session, and the
// calls are counted in extensions.cost.
func TestCostIsEnforcedWhileRunning(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) { c.MaxCost = 2 }})
	env.Upstream.InjectFault("GET /api/conversations/{id}", emulator.Fault{Status: 503, Times: 2})
	r := env.Do(t, `{ conversation(id: "1") { id customer { company } } }`, nil) // estimated: 2
	if len(r.Errors) != 1 || r.Errors[0].Code() != "QUERY_TOO_COMPLEX" {
		t.Fatalf("errors %+v; want QUERY_TOO_COMPLEX from the running budget", r.Errors)
	}
	if n := env.Upstream.Total(); n != 2 {
		t.Errorf("FreeScout got %d calls, want 2 (the third attempt is refused)", n)
	}
	if cost, _ := r.Extensions["cost"].(map[string]any); cost["actual"] != 2.0 {
		t.Errorf("extensions.cost %v; want 2 actual", cost)
	}
}

// TestFreeScoutZeroObject: FreeScout answering {} for a conversation is no
// conversation with id "0", but UPSTREAM_UNAVAILABLE.
func TestFreeScoutZeroObject(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{})
	env.Upstream.InjectFault("GET /api/conversations/{id}", emulator.Fault{Body: "{}"})
	r := env.Do(t, `{ conversation(id: "1") { id subject } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "UPSTREAM_UNAVAILABLE" || string(r.Data) != `{"conversation":null}` {
		t.Errorf("errors %+v, data %s", r.Errors, r.Data)
	}
}

// TestFreeScout429: FreeScout's 429 makes the gateway wait its Retry-After
// and try a read again, never a write.
func TestFreeScout429(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{})
	env.Upstream.InjectFault("GET /api/conversations/{id}", emulator.Fault{Status: 429, RetryAfter: "1", Times: 1})
	r := env.Do(t, `{ conversation(id: "1") { id } }`, nil)
	if len(r.Errors) > 0 || env.Upstream.Count("GET /api/conversations/{id}") != 2 {
		t.Errorf("errors %+v, %d attempts; want the read answered after one retry", r.Errors, env.Upstream.Count("GET /api/conversations/{id}"))
	}
	env.Upstream.InjectFault("PUT /api/conversations/{id}/tags", emulator.Fault{Status: 429, RetryAfter: "1"})
	r = env.Do(t, `mutation { updateConversationTags(input: {conversationId: "1", tags: ["x"]}) { userErrors { code } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "UPSTREAM_UNAVAILABLE" || r.Errors[0].Extensions["retryAfter"] == nil {
		t.Errorf("errors %+v; want UPSTREAM_UNAVAILABLE with retryAfter", r.Errors)
	}
	if n := env.Upstream.Count("PUT /api/conversations/{id}/tags"); n != 1 {
		t.Errorf("the write was sent %d times, want once", n)
	}
}

// TestCreatesAreExactlyOnce: 50 createConversation whose answers are lost
// (the write lands, the answer is a 502 or never comes), by a client that
// retries on UPSTREAM_UNAVAILABLE with the same idempotency key: exactly one
// conversation per key.
func TestCreatesAreExactlyOnce(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{UpstreamTimeout: 2e9})
	env.Upstream.InjectFault("POST /api/conversations", emulator.Fault{Land: true, Status: 502, Times: 20})
	env.Upstream.InjectFault("POST /api/conversations", emulator.Fault{Land: true, Hang: true, Times: 5})
	const creates = 50
	const mutation = `mutation($in: CreateConversationInput!) { createConversation(input: $in) { conversationId conversation { id subject } userErrors { code message } } }`
	ids := make([]string, creates)
	var wg sync.WaitGroup
	for i := range creates {
		wg.Go(func() {
			in := map[string]any{
				"type": "EMAIL", "mailboxId": "1", "subject": fmt.Sprintf("Exactly once %d", i),
				"customer":       map[string]any{"email": "once@example.org"},
				"threads":        []any{map[string]any{"type": "CUSTOMER", "text": "hello", "customer": map[string]any{"email": "once@example.org"}}},
				"idempotencyKey": fmt.Sprintf("exactly-once-%d", i),
			}
			for attempt := range 5 {
				r, err := env.Query(t.Context(), mutation, map[string]any{"in": in})
				if err != nil {
					t.Errorf("create %d attempt %d: %v", i, attempt, err)
					return
				}
				if len(r.Errors) > 0 && r.Errors[0].Code() == "UPSTREAM_UNAVAILABLE" {
					continue // what a client retries on
				}
				var d struct {
					CreateConversation struct {
						ConversationID *string
						UserErrors     []map[string]any
					}
				}
				r.MustData(t, &d)
				if d.CreateConversation.ConversationID == nil {
					t.Errorf("create %d: no id, userErrors %v", i, d.CreateConversation.UserErrors)
					return
				}
				ids[i] = *d.CreateConversation.ConversationID
				return
			}
			t.Errorf("create %d: still unavailable after 5 attempts", i)
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || seen[id] {
			t.Errorf("create %d: id %q (duplicate: %v)", i, id, seen[id])
		}
		seen[id] = true
	}
	fs, err := gatewaytest.Post(t.Context(), env.URL, map[string]any{"query": `{ conversations(first: 100, filter: {mailboxIds: ["1"], subject: "Exactly once"}) { totalCount } }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`{"conversations":{"totalCount":%d}}`, creates); string(fs.Data) != want {
		t.Errorf("FreeScout holds %s, want %s", fs.Data, want)
	}
}

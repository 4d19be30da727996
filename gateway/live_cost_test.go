package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/ratelimit"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// eventCost is an event answer's extensions.cost.
type eventCost struct {
	Estimated, Actual, Limit, Remaining int
	ResetAt                             string
}

// costOf decodes r's extensions.cost; an answer without one fails the test.
func costOf(t *testing.T, what string, r *gatewaytest.Response) eventCost {
	t.Helper()
	raw, ok := r.Extensions["cost"]
	if !ok {
		t.Fatalf("%s: no extensions.cost in %+v", what, r.Extensions)
	}
	b, _ := json.Marshal(raw)
	var c eventCost
	if err := json.Unmarshal(b, &c); err != nil || c.ResetAt == "" {
		t.Fatalf("%s: extensions.cost %s: %v", what, b, err)
	}
	return c
}

// nextAnswer waits (a minute at most) for the subscription's next answer;
// one with errors fails the test.
func nextAnswer(t *testing.T, what string, s *gatewaytest.Subscription) *gatewaytest.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	r, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("%s: no event: %v", what, err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("%s: event with errors %+v", what, r.Errors)
	}
	return r
}

// callsSince returns the requests the emulator received after the first n
// of its log, as "METHOD path", sorted.
func callsSince(up *gatewaytest.Upstream, n int) []string {
	var out []string
	for _, r := range up.Log.Requests()[n:] {
		out = append(out, r.Method+" "+r.Path)
	}
	slices.Sort(out)
	return out
}

// eventBudget is the budget of the callers of TestEventCalls: a unit comes
// back every hour, so what the test reads of it is what it spent.
var eventBudget = ratelimit.Rate{Units: 1000, Period: 1000 * time.Hour}

// TestEventCalls: an event whose selection the webhook's body answers
// entirely makes no FreeScout call (the emulator's request log holds
// nothing after the write that fired it), over WebSocket and SSE alike; its
// answer's extensions.cost says so (estimated 0, actual 0) and the caller's
// budget is not charged. A selection that needs more makes exactly the calls
// it needs (a conversation's customer profile and the mailbox directory;
// a customer's customer fields), reports them as its actual cost and is
// charged them. Each phase has one event and only its own subscribers, so
// every request in the log after the write is the event's.
func TestEventCalls(t *testing.T) {
	path, tokens := authtest.TokensFile(t,
		authtest.TokenCaller{Name: "plain", Scopes: []auth.Scope{auth.ScopeRead}},
		authtest.TokenCaller{Name: "deep", Scopes: []auth.Scope{auth.ScopeRead}},
	)
	// A current install: the last phase reads customer fields, which an
	// install without the CRM module answers with an error on the field.
	current := gatewaytest.Current
	env := gatewaytest.Start(t, gatewaytest.Options{Live: true, Install: &current, Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
		c.RateLimit = eventBudget
	}})
	plain, deep := bearer(tokens["plain"]), bearer(tokens["deep"])
	up := env.Upstream
	client, err := upstream.New(up.URL, gatewaytest.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	limit := eventBudget.Units

	// subscribe starts the phase's subscriptions (over WebSocket, and over
	// SSE when sse) and waits until the gateway serves them.
	subscribe := func(h http.Header, query string, vars map[string]any, sse bool) []*gatewaytest.Subscription {
		t.Helper()
		ws, err := gatewaytest.SubscribeWS(t.Context(), env.URL, h, query, vars)
		if err != nil {
			t.Fatal(err)
		}
		subs := []*gatewaytest.Subscription{ws}
		if sse {
			s, err := gatewaytest.SubscribeSSE(t.Context(), env.URL, h, query, vars)
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, s)
		}
		gatewaytest.WaitSubscriptions(t, env.URL, len(subs))
		return subs
	}
	// end ends the phase's subscriptions and waits until the gateway has
	// let go of them.
	end := func(subs []*gatewaytest.Subscription) {
		t.Helper()
		for _, s := range subs {
			s.Close()
		}
		waitFor(t, time.Minute, "the subscriptions to end", func() bool {
			n, err := gatewaytest.Subscriptions(t.Context(), env.URL)
			return err == nil && n == 0
		})
	}
	// note adds a note to conversation 1 straight in FreeScout (the
	// emulator delivers convo.note.created) and returns the thread's id.
	note := func(text string) string {
		t.Helper()
		id, _, err := client.Conversations.CreateThread(t.Context(), 1, &upstream.NewThread{Type: "note", Text: text, User: 1})
		if err != nil {
			t.Fatalf("add a note: %v", err)
		}
		return strconv.Itoa(id)
	}
	checkCalls := func(what string, since int, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := callsSince(up, since); !slices.Equal(got, want) {
			t.Errorf("%s: FreeScout got %q, want %q", what, got, want)
		}
	}
	checkCost := func(what string, r *gatewaytest.Response, estimated, actual, remaining int) {
		t.Helper()
		if c := costOf(t, what, r); c.Estimated != estimated || c.Actual != actual || c.Limit != limit || c.Remaining != remaining {
			t.Errorf("%s: extensions.cost %+v, want estimated %d, actual %d, limit %d, remaining %d", what, c, estimated, actual, limit, remaining)
		}
	}
	notes := map[string]any{"f": map[string]any{"conversationIds": []string{"1"}, "types": []string{"NOTE_CREATED"}}}
	const noteWrite = "POST /api/conversations/1/threads"

	// A note event, selected as far as the body goes: the conversation's
	// fields, its customer as embedded, its mailbox's id, its threads, and
	// the new thread with its author as embedded.
	const bodyOnly = `subscription($f: ConversationEventFilter) { conversationEvents(filter: $f) {
		id type receivedAt
		conversation { id number subject status state threadsCount mailbox { id } customer { id firstName email }
			threads { id type body } }
		thread { id type body createdBy { ... on User { id } } } } }`
	subs := subscribe(plain, bodyOnly, notes, true)
	mark := len(up.Log.Requests())
	thread := note("answered from the body")
	for i, s := range subs {
		what := []string{"websocket", "sse"}[i] + ", body only"
		r := nextAnswer(t, what, s)
		var ev struct {
			ConversationEvents struct {
				Type         string
				Conversation struct {
					ID       string
					Customer struct{ Email string }
					Threads  []struct{ ID string }
				}
				Thread struct{ ID, Body string }
			}
		}
		r.MustData(t, &ev)
		e := ev.ConversationEvents
		if e.Type != "NOTE_CREATED" || e.Conversation.ID != "1" || e.Thread.ID != thread || !strings.Contains(e.Thread.Body, "answered from the body") ||
			e.Conversation.Customer.Email == "" || len(e.Conversation.Threads) == 0 || e.Conversation.Threads[0].ID != thread {
			t.Errorf("%s: %s, want note %s of conversation 1 with its customer and threads", what, r.Data, thread)
		}
		checkCost(what, r, 0, 0, limit)
	}
	checkCalls("note event, body only", mark, noteWrite)
	end(subs)

	// The same event, with the customer's full profile and the mailbox's
	// name: one read of the customer, one of the mailbox directory.
	const deeper = `subscription($f: ConversationEventFilter) { conversationEvents(filter: $f) {
		conversation { id mailbox { name } customer { id phones { value } } } } }`
	subs = subscribe(deep, deeper, notes, false)
	mark = len(up.Log.Requests())
	note("needs more")
	r := nextAnswer(t, "deeper", subs[0])
	var deepEv struct {
		ConversationEvents struct {
			Conversation struct {
				Mailbox  struct{ Name string }
				Customer struct{ ID string }
			}
		}
	}
	r.MustData(t, &deepEv)
	customer := deepEv.ConversationEvents.Conversation.Customer.ID
	if deepEv.ConversationEvents.Conversation.Mailbox.Name == "" || customer == "" {
		t.Errorf("deeper: %s, want the mailbox's name and the customer", r.Data)
	}
	checkCost("deeper", r, 2, 2, limit-2)
	checkCalls("note event, customer profile and mailbox name", mark, noteWrite, "GET /api/customers/"+customer, "GET /api/mailboxes")
	end(subs)

	// A customer event: its body is the customer without customer fields.
	cid, _ := strconv.Atoi(customer)
	customerWrite := "PUT /api/customers/" + customer
	rename := func(name string) {
		t.Helper()
		if err := client.Customers.Update(t.Context(), cid, &upstream.CustomerUpdate{FirstName: &name}); err != nil {
			t.Fatalf("update customer %d: %v", cid, err)
		}
	}
	only := map[string]any{"f": map[string]any{"customerIds": []string{customer}}}
	subs = subscribe(plain, `subscription($f: CustomerEventFilter) { customerEvents(filter: $f) {
		id type receivedAt customer { id firstName lastName emails { value } phones { value } } } }`, only, true)
	mark = len(up.Log.Requests())
	rename("Bodyonly")
	for i, s := range subs {
		what := []string{"websocket", "sse"}[i] + ", customer body only"
		r := nextAnswer(t, what, s)
		if !strings.Contains(string(r.Data), `"firstName":"Bodyonly"`) || !strings.Contains(string(r.Data), `"UPDATED"`) {
			t.Errorf("%s: %s, want the customer renamed", what, r.Data)
		}
		checkCost(what, r, 0, 0, limit)
	}
	checkCalls("customer event, body only", mark, customerWrite)
	end(subs)

	subs = subscribe(deep, `subscription($f: CustomerEventFilter) { customerEvents(filter: $f) {
		customer { id firstName customerFields { value } } } }`, only, false)
	mark = len(up.Log.Requests())
	rename("Withfields")
	r = nextAnswer(t, "customer fields", subs[0])
	if !strings.Contains(string(r.Data), `"firstName":"Withfields"`) || !strings.Contains(string(r.Data), `"customerFields":[`) {
		t.Errorf("customer fields: %s, want the customer with its fields", r.Data)
	}
	checkCost("customer fields", r, 1, 1, limit-3)
	checkCalls("customer event with customer fields", mark, customerWrite, "GET /api/customers/"+customer)
	end(subs)

	// What the callers' budgets say now: nothing spent by the events the
	// body answered, the three calls of the others.
	for name, want := range map[string]int{"plain": limit, "deep": limit - 3} {
		r, err := env.Post(t.Context(), map[string]any{"query": `{ rateLimit { remaining limit } }`}, bearer(tokens[name]))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			RateLimit struct{ Remaining, Limit int }
		}
		r.MustData(t, &out)
		if out.RateLimit.Remaining != want || out.RateLimit.Limit != limit {
			t.Errorf("%s's budget after the events: %+v, want %d of %d remaining", name, out.RateLimit, want, limit)
		}
	}
}

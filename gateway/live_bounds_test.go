package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/ratelimit"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// The bounds on subscriptions, seen by clients: a caller's budget ends its
// subscriptions, a caller holds a bounded number of them, and a subscriber
// that does not keep up is dropped while the others go on. Every wait is for
// a count (events heard, subscriptions served), never for time to pass.

// wsClient is a graphql-transport-ws connection driven message by message,
// for tests that need what SubscribeWS hides: several subscriptions on one
// connection, or a client that stops reading.
type wsClient struct {
	t    *testing.T
	ctx  context.Context
	conn *websocket.Conn
}

// dialWS opens a graphql-transport-ws connection to the gateway at baseURL
// with header's credentials in connection_init, and waits for the ack.
func dialWS(t *testing.T, baseURL string, header http.Header) *wsClient {
	t.Helper()
	ctx := t.Context()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	conn.SetReadLimit(16 << 20)
	c := &wsClient{t: t, ctx: ctx, conn: conn}
	payload := map[string]string{}
	for k := range header {
		payload[k] = header.Get(k)
	}
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": payload})
	c.send(string(init))
	if _, typ, _ := c.read(); typ != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", typ)
	}
	return c
}

func (c *wsClient) send(msg string) {
	c.t.Helper()
	if err := c.conn.Write(c.ctx, websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatal(err)
	}
}

// subscribe starts subscription id with query.
func (c *wsClient) subscribe(id, query string) {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
	c.send(string(b))
}

// read returns the next message that is not a ping or pong, answering
// pings; a minute without one fails the test.
func (c *wsClient) read() (id, typ string, payload json.RawMessage) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			c.t.Fatalf("websocket: %v", err)
		}
		var m struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatal(err)
		}
		switch m.Type {
		case "ping":
			c.send(`{"type":"pong"}`)
		case "pong":
		default:
			return m.ID, m.Type, m.Payload
		}
	}
}

// customerBody is the body of a customer.updated delivery for customer 1
// of the sample data, named name.
func customerBody(name string) []byte {
	b, _ := json.Marshal(map[string]any{"id": 1, "firstName": name, "lastName": "Budget", "photoType": "unknown"})
	return b
}

// TestSubscriptionBudgetEnds: each event is charged to the caller's budget
// what it cost; the event that finds the budget spent still comes, with a
// RATE_LIMITED error (extensions.retryAfter), and then the stream completes
// and the gateway lets go of the subscription, over WebSocket and SSE. A
// subscriber of the same small budget whose events cost nothing goes on
// hearing every event. The budget (3 calls, one back every 333 hours) and
// the events (each reads customer 1 afresh: the event drops its cached
// profile) make the count exact: events 1 to 3 are paid, event 4 ends it.
func TestSubscriptionBudgetEnds(t *testing.T) {
	path, tokens := authtest.TokensFile(t,
		authtest.TokenCaller{Name: "ws", Scopes: []auth.Scope{auth.ScopeRead}},
		authtest.TokenCaller{Name: "sse", Scopes: []auth.Scope{auth.ScopeRead}},
		authtest.TokenCaller{Name: "free", Scopes: []auth.Scope{auth.ScopeRead}},
	)
	budget := ratelimit.Rate{Units: 3, Period: 1000 * time.Hour}
	// A current install: the costly event reads the customer's customer
	// fields, which an install without the CRM module cannot answer (an
	// error on the field, no call, nothing spent).
	current := gatewaytest.Current
	env := gatewaytest.Start(t, gatewaytest.Options{Install: &current, Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
		c.RateLimit, c.MaxCost = budget, budget.Units
		c.WebhookSecret = emulator.DefaultWebhookSecret()
	}})
	const costly = `subscription { customerEvents(filter: {customerIds: ["1"]}) { customer { id firstName customerFields { value } } } }`
	free, err := gatewaytest.SubscribeWS(t.Context(), env.URL, bearer(tokens["free"]), `subscription { customerEvents { customer { id firstName } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer free.Close()
	gatewaytest.WaitSubscriptions(t, env.URL, 1)

	sent := 0
	event := func() string {
		t.Helper()
		sent++
		name := fmt.Sprintf("Event%d", sent)
		if st := deliver(t, env.URL, "customer.updated", customerBody(name), ""); st != http.StatusNoContent {
			t.Fatalf("delivery of %s: status %d", name, st)
		}
		return name
	}
	// fromFreeScout: customer 1 as FreeScout has it (read for its fields,
	// so not the name the delivery carried), with its fields.
	fromFreeScout := func(r *gatewaytest.Response) bool {
		return strings.Contains(string(r.Data), `"id":"1","firstName":"Emma","customerFields":[{`)
	}
	heardByFree := func(name string) {
		t.Helper()
		if r := nextAnswer(t, "the free subscriber", free); !strings.Contains(string(r.Data), `"`+name+`"`) {
			t.Errorf("the free subscriber heard %s, want %s", r.Data, name)
		}
	}

	for _, transport := range []string{"ws", "sse"} {
		subscribe := gatewaytest.SubscribeWS
		if transport == "sse" {
			subscribe = gatewaytest.SubscribeSSE
		}
		s, err := subscribe(t.Context(), env.URL, bearer(tokens[transport]), costly, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		gatewaytest.WaitSubscriptions(t, env.URL, 2)
		calls := env.Upstream.Count("GET /api/customers/{id}")
		for paid := 1; paid <= budget.Units; paid++ {
			name := event()
			r := nextAnswer(t, transport, s)
			if !fromFreeScout(r) {
				t.Errorf("%s event %d: %s, want customer 1 with its fields", transport, paid, r.Data)
			}
			if c := costOf(t, transport, r); c.Actual != 1 || c.Remaining != budget.Units-paid || c.Limit != budget.Units {
				t.Errorf("%s event %d: extensions.cost %+v, want actual 1, remaining %d of %d", transport, paid, c, budget.Units-paid, budget.Units)
			}
			heardByFree(name)
		}

		// The budget is spent: the next event comes with RATE_LIMITED,
		// then the stream completes.
		name := event()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		r, err := s.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("%s: no event once the budget was spent: %v", transport, err)
		}
		if len(r.Errors) != 1 || r.Errors[0].Code() != "RATE_LIMITED" || !strings.Contains(r.Errors[0].Message, "subscription ended") {
			t.Fatalf("%s: the event that found the budget spent: %s %+v, want one RATE_LIMITED error saying the subscription ended", transport, r.Data, r.Errors)
		}
		if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra <= 0 {
			t.Errorf("%s: RATE_LIMITED without a retryAfter: %+v", transport, r.Errors[0].Extensions)
		}
		if !fromFreeScout(r) {
			t.Errorf("%s: the last event's data %s, want customer 1 with its fields", transport, r.Data)
		}
		if c := costOf(t, transport, r); c.Actual != 1 || c.Remaining != 0 {
			t.Errorf("%s: the last event's cost %+v, want actual 1, remaining 0", transport, c)
		}
		ctx, cancel = context.WithTimeout(t.Context(), time.Minute)
		if r, err := s.Next(ctx); !errors.Is(err, io.EOF) {
			t.Errorf("%s after RATE_LIMITED: %+v, %v; want the stream completed", transport, r, err)
		}
		cancel()
		heardByFree(name)
		waitFor(t, time.Minute, "the ended subscription to be let go", func() bool {
			n, err := gatewaytest.Subscriptions(t.Context(), env.URL)
			return err == nil && n == 1
		})
		if got := env.Upstream.Count("GET /api/customers/{id}") - calls; got != budget.Units+1 {
			t.Errorf("%s: %d reads of the customer, want %d (one per event)", transport, got, budget.Units+1)
		}
	}
	// The free subscriber, whose events cost nothing, is still there.
	heardByFree(event())
}

// TestSubscriptionsPerCaller: a caller holds at most 200 subscriptions on a
// replica, whatever its connections (four of 50 here); the next one is
// refused with RATE_LIMITED and completes, another caller is not affected,
// and once one of the 200 ends there is room again.
func TestSubscriptionsPerCaller(t *testing.T) {
	path, tokens := authtest.TokensFile(t,
		authtest.TokenCaller{Name: "busy", Scopes: []auth.Scope{auth.ScopeRead}},
		authtest.TokenCaller{Name: "other", Scopes: []auth.Scope{auth.ScopeRead}},
	)
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
	}})
	const perCaller, perConnection = 200, 50
	const query = `subscription { customerEvents { id } }`
	busy := bearer(tokens["busy"])
	var conns []*wsClient
	for c := range perCaller / perConnection {
		conn := dialWS(t, env.URL, busy)
		for i := range perConnection {
			conn.subscribe(fmt.Sprint(c*perConnection+i), query)
		}
		conns = append(conns, conn)
	}
	gatewaytest.WaitSubscriptions(t, env.URL, perCaller)

	refused := func(what, id, typ string, payload json.RawMessage) {
		t.Helper()
		if typ != "next" || !strings.Contains(string(payload), "RATE_LIMITED") || !strings.Contains(string(payload), "the caller has as many subscriptions") {
			t.Fatalf("%s: %s %s %s; want next with RATE_LIMITED for the caller's bound", what, id, typ, payload)
		}
	}
	fifth := dialWS(t, env.URL, busy)
	fifth.subscribe("extra", query)
	id, typ, payload := fifth.read()
	refused("subscription 201 on a fifth connection", id, typ, payload)
	if id, typ, _ := fifth.read(); id != "extra" || typ != "complete" {
		t.Errorf("after the refusal: %s %s, want complete", id, typ)
	}
	sse, err := gatewaytest.SubscribeSSE(t.Context(), env.URL, busy, query, nil)
	if err != nil {
		t.Fatalf("sse subscription 201: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if r, err := sse.Next(ctx); err != nil || len(r.Errors) == 0 || r.Errors[0].Code() != "RATE_LIMITED" {
		t.Errorf("sse subscription 201: %+v, %v; want RATE_LIMITED", r, err)
	}
	if r, err := sse.Next(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("sse subscription 201 after the refusal: %+v, %v; want the stream completed", r, err)
	}
	if n, err := gatewaytest.Subscriptions(ctx, env.URL); err != nil || n != perCaller {
		t.Errorf("the gateway serves %d subscriptions (%v), want %d: the refused ones hold nothing", n, err, perCaller)
	}

	other, err := gatewaytest.SubscribeWS(t.Context(), env.URL, bearer(tokens["other"]), query, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	gatewaytest.WaitSubscriptions(t, env.URL, perCaller+1)

	conns[2].send(`{"id":"117","type":"complete"}`)
	waitFor(t, time.Minute, "subscription 117 to end", func() bool {
		n, err := gatewaytest.Subscriptions(ctx, env.URL)
		return err == nil && n == perCaller
	})
	fifth.subscribe("again", query)
	gatewaytest.WaitSubscriptions(t, env.URL, perCaller+1)
}

// TestSlowSubscriberDropped: a WebSocket client that stops reading while
// events keep coming is dropped (its buffer is bounded) while a client that
// reads hears every event. The slow client first hears, in order and without
// a gap, every event from the first up to where it was dropped, then one
// SUBSCRIPTION_ENDED error, then the stream completes.
//
// Nothing here waits for time: events are large (32 KiB subjects), so the
// slow client's socket buffers (a few MiB) fill within a few hundred of
// them; then its 64-event buffer fills, and the event after that drops it. The test sends
// one event at a time, waits for the reading client to hear it (so the hub
// has offered it to both), and stops once /metrics shows one subscription
// fewer. The slow client sends a pong after each event: the gateway clears
// its ping deadline (40 s without a pong) at each pong while it still reads
// them, and once its writes to the slow client block it sends no more pings;
// only a stall of 40 s right at that moment could close the connection in
// place of the drop.
func TestSlowSubscriberDropped(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) {
		c.WebhookSecret = emulator.DefaultWebhookSecret()
	}})
	const query = `subscription { conversationEvents { id conversation { id subject } } }`
	const maxEvents = 2000 // far more than the socket buffers and the hub's 64 hold
	padding := strings.Repeat("x", 32<<10)
	subject := func(i int) string { return fmt.Sprintf("slow %05d ", i) }

	reader, err := gatewaytest.SubscribeWS(t.Context(), env.URL, nil, query, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	slow := dialWS(t, env.URL, nil)
	slow.subscribe("slow", query)
	slow.send(`{"type":"pong"}`)
	gatewaytest.WaitSubscriptions(t, env.URL, 2)

	sent := 0
	for dropped := false; !dropped; {
		if sent == maxEvents {
			t.Fatalf("the slow client was not dropped after %d events", sent)
		}
		if st := deliver(t, env.URL, "convo.status", statusBody(subject(sent)+padding), ""); st != http.StatusNoContent {
			t.Fatalf("delivery %d: status %d", sent, st)
		}
		if got := nextEvent(t, "the reading client", reader).ConversationEvents.Conversation.Subject; !strings.HasPrefix(got, subject(sent)) {
			t.Fatalf("the reading client heard %.20q as event %d", got, sent)
		}
		sent++
		slow.send(`{"type":"pong"}`)
		n, err := gatewaytest.Subscriptions(t.Context(), env.URL)
		if err != nil {
			t.Fatal(err)
		}
		dropped = n == 1
	}
	t.Logf("the slow client was dropped within %d events", sent)

	// The reading client goes on hearing events.
	if st := deliver(t, env.URL, "convo.status", statusBody("after the drop"), ""); st != http.StatusNoContent {
		t.Fatalf("delivery after the drop: status %d", st)
	}
	if got := nextEvent(t, "the reading client", reader).ConversationEvents.Conversation.Subject; got != "after the drop" {
		t.Errorf("the reading client heard %.20q after the drop", got)
	}

	// The slow client reads at last: a prefix of the events, the end.
	heard := 0
	for {
		id, typ, payload := slow.read()
		if id != "slow" || typ != "next" {
			t.Fatalf("slow client, after %d events: %s %s %.200s; want next", heard, id, typ, payload)
		}
		var r gatewaytest.Response
		if err := json.Unmarshal(payload, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) > 0 {
			if len(r.Errors) != 1 || r.Errors[0].Code() != "SUBSCRIPTION_ENDED" {
				t.Fatalf("slow client, after %d events: errors %+v, want SUBSCRIPTION_ENDED", heard, r.Errors)
			}
			break
		}
		var ev liveEvent
		if err := json.Unmarshal(r.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if got := ev.ConversationEvents.Conversation.Subject; !strings.HasPrefix(got, subject(heard)) {
			t.Fatalf("slow client: event %d is %.20q, want %q...", heard, got, subject(heard))
		}
		heard++
	}
	if id, typ, _ := slow.read(); id != "slow" || typ != "complete" {
		t.Errorf("slow client after SUBSCRIPTION_ENDED: %s %s, want complete", id, typ)
	}
	if heard < 64 || heard >= sent {
		t.Errorf("the slow client heard %d events before it was dropped; want its buffer's 64 at least, and fewer than the %d sent", heard, sent)
	}
	t.Logf("the slow client heard %d of %d events, then SUBSCRIPTION_ENDED", heard, sent)
}

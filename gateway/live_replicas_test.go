package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// replicaSettings are the settings of gateway processes on one Redis that
// FreeScout (the emulator at up) delivers to.
func replicaSettings(up *gatewaytest.Upstream, redisURL, prefix string) []string {
	return []string{
		"FREESCOUT_URL=" + up.URL, "FREESCOUT_API_KEY=" + gatewaytest.APIKey,
		"REDIS_URL=" + redisURL, "REDIS_PREFIX=" + prefix,
		"WEBHOOK_SECRET=" + emulator.DefaultWebhookSecret(), "LOG_LEVEL=warn",
	}
}

// deliver posts a webhook delivery to the gateway at baseURL as FreeScout
// does, signed with signature (the emulator's secret when ""), and returns
// the status.
func deliver(t *testing.T, baseURL, event string, body []byte, signature string) int {
	t.Helper()
	if signature == "" {
		signature = emulator.SignWebhook(body, emulator.DefaultWebhookSecret())
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+"/webhooks/freescout", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/hal+json")
	req.Header.Set("X-FreeScout-Event", event)
	req.Header.Set("X-FreeScout-Signature", signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver %s: %v", event, err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// statusBody is the body of a convo.status delivery for conversation 1 of
// the sample data, marked by its subject.
func statusBody(subject string) []byte {
	b, _ := json.Marshal(map[string]any{"id": 1, "number": 1, "subject": subject, "status": "active", "state": "published", "mailboxId": 1, "type": "email"})
	return b
}

// TestReplicasDeliverEvents: two gateway processes on one Redis. A
// delivery to one reaches WebSocket and SSE subscribers on the other; a
// forged one is refused 401 and reaches no one; a redelivery reaches each
// subscriber once; customer.updated makes the other replica read that
// customer afresh. Absence is shown by causality: a subscriber's next event
// after the one that must not come is the marker sent after it.
func TestReplicasDeliverEvents(t *testing.T) {
	redisURL, client := sharedRedis(t)
	prefix := keyPrefix(t, client)
	up := gatewaytest.StartUpstream(t, 0)
	settings := replicaSettings(up, redisURL, prefix)
	a := gatewaytest.StartProcessT(t, settings...)
	b := gatewaytest.StartProcessT(t, settings...)
	up.DeliverTo(t, a.URL)
	envA := &gatewaytest.Env{Upstream: up, URL: a.URL}

	ws, err := gatewaytest.SubscribeWS(t.Context(), b.URL, nil, subConversations, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	sse, err := gatewaytest.SubscribeSSE(t.Context(), b.URL, nil, subConversations, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	customers, err := gatewaytest.SubscribeWS(t.Context(), b.URL, nil, `subscription { customerEvents(filter: {customerIds: ["1"]}) { type customer { id firstName } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer customers.Close()
	gatewaytest.WaitSubscriptions(t, b.URL, 3)
	subs := map[string]*gatewaytest.Subscription{"websocket": ws, "sse": sse}

	// A conversation created through A: FreeScout delivers convo.created to A.
	id := createLiveConversation(t, envA, "1", "live: across replicas")
	for name, s := range subs {
		if ev := nextEvent(t, name, s).ConversationEvents; ev.Type != "CREATED" || ev.Conversation.ID != id || ev.Conversation.Mailbox.Name == "" {
			t.Errorf("%s on B: %+v, want conversation %s created", name, ev, id)
		}
	}
	if err := up.WaitDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Forged, then a redelivery, then the marker.
	if st := deliver(t, a.URL, "convo.status", statusBody("forged"), "bm90IHRoZSBzaWduYXR1cmU="); st != http.StatusUnauthorized {
		t.Errorf("forged delivery: status %d, want 401", st)
	}
	if st := deliver(t, a.URL, "convo.status", statusBody("forged, unsigned"), "-"); st != http.StatusUnauthorized {
		t.Errorf("delivery with a bad signature header: status %d, want 401", st)
	}
	twice := statusBody("delivered twice")
	for i := range 2 {
		if st := deliver(t, a.URL, "convo.status", twice, ""); st/100 != 2 {
			t.Errorf("delivery %d of the same event: status %d, want 2xx", i+1, st)
		}
	}
	if st := deliver(t, a.URL, "convo.status", statusBody("marker"), ""); st/100 != 2 {
		t.Errorf("marker delivery: status %d", st)
	}
	for name, s := range subs {
		for _, want := range []string{"delivered twice", "marker"} {
			if ev := nextEvent(t, name, s).ConversationEvents; ev.Type != "STATUS" || ev.Conversation.Subject != want {
				t.Errorf("%s on B heard %q (%s), want %q", name, ev.Conversation.Subject, ev.Type, want)
			}
		}
	}

	// customer.updated: B reads the customer afresh after the event, though
	// it was cached.
	envB := &gatewaytest.Env{Upstream: up, URL: b.URL}
	const q = `{ customer(id: "1") { firstName } }`
	envB.Do(t, q, nil)
	upstreamCalls := func() int { return up.Count("GET /api/customers/{id}") }
	cached := upstreamCalls()
	if r := envB.Do(t, q, nil); len(r.Errors) > 0 || upstreamCalls() != cached {
		t.Fatalf("the profile is not cached on B: %+v, %d calls", r.Errors, upstreamCalls()-cached)
	}
	renamed := fmt.Sprintf("Renamed%d", time.Now().UnixNano()%1000)
	r := envA.Do(t, `mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { firstName } } }`, map[string]any{"in": map[string]any{"id": "1", "firstName": renamed}})
	if len(r.Errors) > 0 {
		t.Fatalf("updateCustomer through A: %+v", r.Errors)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if ev, err := customers.Next(ctx); err != nil || !bytes.Contains(ev.Data, []byte(renamed)) {
		t.Fatalf("customer event on B: %+v, %v", ev, err)
	}
	before := upstreamCalls()
	if r := envB.Do(t, q, nil); !bytes.Contains(r.Data, []byte(renamed)) || upstreamCalls() != before+1 {
		t.Errorf("B after customer.updated: %s, %d FreeScout reads of the customer; want the new name, read once", r.Data, upstreamCalls()-before)
	}
}

// TestEventsSurviveARedisPause: with Redis stopped (SIGSTOP) for 3 s while
// FreeScout delivers an event, the receiver cannot put it on the bus and
// answers 503, FreeScout retries, and once Redis is back the subscriber on
// the other replica hears the event exactly once.
func TestEventsSurviveARedisPause(t *testing.T) {
	redis := startRedisProcess(t)
	up := gatewaytest.StartEmulator(t, emulator.Options{WebhookRetryDelays: []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second}})
	settings := replicaSettings(up, redis.url(), "scoutgraph:pause:")
	a := gatewaytest.StartProcessT(t, settings...)
	b := gatewaytest.StartProcessT(t, settings...)
	up.DeliverTo(t, a.URL)
	sub, err := gatewaytest.SubscribeWS(t.Context(), b.URL, nil, subConversations, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	gatewaytest.WaitSubscriptions(t, b.URL, 1)

	if err := redis.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = redis.cmd.Process.Signal(syscall.SIGCONT)
		}
	}
	defer resume()
	paused := time.Now()
	client, err := upstream.New(up.URL, gatewaytest.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	status, byUser := "pending", 1
	if err := client.Conversations.Update(t.Context(), 1, &upstream.ConversationUpdate{Status: &status, ByUser: &byUser}); err != nil {
		t.Fatal(err)
	}
	// The first attempt fails while Redis is stopped.
	waitFor(t, time.Minute, "a failed delivery attempt", func() bool {
		for _, d := range up.Deliveries() {
			if d.URL == a.URL+"/webhooks/freescout" && d.Error != "" {
				return true
			}
		}
		return false
	})
	time.Sleep(time.Until(paused.Add(3 * time.Second)))
	resume()

	if ev := nextEvent(t, "subscriber on B", sub).ConversationEvents; ev.Type != "STATUS" || ev.Conversation.ID != "1" {
		t.Fatalf("heard %+v, want conversation 1's status change", ev)
	}
	// The retry that succeeded has been answered (the sample data's own
	// webhook, to a documentation host, goes on failing: not waited for).
	waitFor(t, time.Minute, "the retry to be answered", func() bool {
		for _, d := range up.Deliveries() {
			if d.URL == a.URL+"/webhooks/freescout" && d.Error == "" {
				return true
			}
		}
		return false
	})
	marker := statusBody("marker after the pause")
	if st := deliver(t, a.URL, "convo.status", marker, ""); st/100 != 2 {
		t.Fatalf("marker delivery: status %d", st)
	}
	if ev := nextEvent(t, "subscriber on B", sub).ConversationEvents; ev.Conversation.Subject != "marker after the pause" {
		t.Errorf("after the event came %q, want the marker: the event came twice", ev.Conversation.Subject)
	}
	var attempts []string
	for _, d := range up.Deliveries() {
		attempts = append(attempts, fmt.Sprintf("%s #%d: %d %s", d.Event, d.Attempt, d.Status, d.Error))
	}
	t.Logf("delivery attempts: %q", attempts)
}

package gateway_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// TestEventsRefreshTheConversationCache: with the conversation cache on, a
// warm inbox makes no FreeScout call; a change made in FreeScout itself (not
// through the gateway) reaches the gateway as a webhook, and by the time a
// subscriber hears the event the cache has dropped the page (the event is
// published after its invalidation), so the next inbox asks FreeScout once
// and shows the change.
func TestEventsRefreshTheConversationCache(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{Live: true, Configure: func(c *gateway.Config) {
		c.ConversationCacheTTL = time.Hour
	}})
	const inbox = `{ conversations(first: 50, filter: {statuses: [ACTIVE, PENDING, CLOSED]}) { nodes { id status } } }`
	type page struct {
		Conversations struct {
			Nodes []struct{ ID, Status string }
		}
	}
	ask := func() (page, int) {
		t.Helper()
		env.Upstream.Log.Reset()
		r := env.Do(t, inbox, nil)
		var p page
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &p) != nil || len(p.Conversations.Nodes) == 0 {
			t.Fatalf("inbox: %s %+v", r.Data, r.Errors)
		}
		lists := 0
		for _, req := range env.Upstream.Log.Requests() {
			if req.Method == "GET" && req.Path == "/api/conversations" {
				lists++
			}
		}
		return p, lists
	}
	// A current install answers the inbox in one list call; an old one,
	// which ignores the status filter, in as many as the gateway needs to
	// filter it itself. Whatever the install: the same again after the
	// event, none while the cache holds.
	first, cold := ask()
	if cold == 0 {
		t.Fatal("cold inbox: no list call")
	}
	if _, lists := ask(); lists != 0 {
		t.Fatalf("warm inbox: %d list calls, want 0 (the conversation cache)", lists)
	}

	sub, err := gatewaytest.SubscribeWS(t.Context(), env.URL, nil, subConversations, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	gatewaytest.WaitSubscriptions(t, env.URL, 1)

	target := first.Conversations.Nodes[0]
	next := "CLOSED"
	if target.Status == "CLOSED" {
		next = "ACTIVE"
	}
	freescout, err := upstream.New(env.Upstream.URL, gatewaytest.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	status, byUser := map[string]string{"CLOSED": "closed", "ACTIVE": "active"}[next], 1
	var id int
	if err := json.Unmarshal([]byte(target.ID), &id); err != nil {
		t.Fatal(err)
	}
	if err := freescout.Conversations.Update(ctx, id, &upstream.ConversationUpdate{ByUser: &byUser, Status: &status}); err != nil {
		t.Fatalf("change in FreeScout: %v", err)
	}
	if ev := nextEvent(t, "the change's event", sub).ConversationEvents; ev.Conversation.ID != target.ID {
		t.Fatalf("heard about conversation %s, want %s", ev.Conversation.ID, target.ID)
	}

	after, lists := ask()
	if lists != cold {
		t.Fatalf("inbox after the event: %d list calls, want %d as cold (the cache dropped by the event)", lists, cold)
	}
	found := false
	for _, n := range after.Conversations.Nodes {
		if n.ID == target.ID {
			found = true
			if n.Status != next {
				t.Errorf("conversation %s is %s after the event, want %s", n.ID, n.Status, next)
			}
		}
	}
	if !found {
		t.Errorf("conversation %s is not in the inbox after the event", target.ID)
	}
	if _, lists = ask(); lists != 0 {
		t.Errorf("warm inbox after the event: %d list calls, want 0", lists)
	}
}

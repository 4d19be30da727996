package session_test

import (
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/session"
	"github.com/scoutgraph/scoutgraph/upstream"
)

const (
	routeConversation = "GET /api/conversations/{id}"
	routeFolders      = "GET /api/mailboxes/{id}/folders"
)

// inbox reads what an inbox screen reads: a page of conversations, one
// conversation with its threads, and a mailbox's folders.
func inbox(t *testing.T, e *env, id int) (list []upstream.Conversation, conv *upstream.Conversation) {
	t.Helper()
	s := e.session(t, nil)
	page, err := s.Conversations(t.Context(), upstream.ConversationListOptions{}, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	if conv, err = s.Conversation(t.Context(), id, []string{upstream.EmbedThreads}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Folders(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	return page.Items, conv
}

// upstreamCalls is how many inbox calls FreeScout got.
func upstreamCalls(e *env) int {
	return e.emu.Count(routeConversations) + e.emu.Count(routeConversation) + e.emu.Count(routeFolders)
}

// TestConversationCache: with the conversation cache on, a warm inbox
// costs FreeScout nothing; an event (ForgetConversations), the gateway's
// own write and a customer event each make the next inbox read FreeScout
// afresh, and see the change.
func TestConversationCache(t *testing.T) {
	e := newEnv(t, session.Options{ConversationTTL: time.Minute})
	id := conversationIn(t, e, 1)
	e.emu.ResetCounts()
	inbox(t, e, id)
	cold := upstreamCalls(e)
	if cold == 0 {
		t.Fatal("the cold inbox made no FreeScout calls")
	}
	inbox(t, e, id)
	if n := upstreamCalls(e) - cold; n != 0 {
		t.Errorf("the warm inbox made %d FreeScout calls, want 0", n)
	}

	// A change made behind the gateway's back, then its event.
	subject := "changed outside the gateway"
	if err := e.client.Conversations.Update(t.Context(), id, &upstream.ConversationUpdate{Subject: &subject}); err != nil {
		t.Fatal(err)
	}
	if _, conv := inbox(t, e, id); conv.Subject == subject {
		t.Fatal("the cache is not in use: the change shows before its event")
	}
	e.factory.ForgetConversations(t.Context())
	before := upstreamCalls(e)
	if _, conv := inbox(t, e, id); conv.Subject != subject {
		t.Errorf("after the event the subject is %q, want %q", conv.Subject, subject)
	}
	if upstreamCalls(e) == before {
		t.Error("after the event the inbox made no FreeScout calls")
	}

	// The gateway's own write.
	subject = "changed through the gateway"
	if _, err := e.session(t, nil).UpdateConversation(t.Context(), id, &upstream.ConversationUpdate{Subject: &subject}, nil); err != nil {
		t.Fatal(err)
	}
	if _, conv := inbox(t, e, id); conv.Subject != subject {
		t.Errorf("after the gateway's write the subject is %q, want %q", conv.Subject, subject)
	}

	// A customer event drops the profile and the conversations that embed it.
	conv, err := e.client.Conversations.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.session(t, nil).Customer(t.Context(), conv.Customer.ID); err != nil {
		t.Fatal(err)
	}
	name := "Renamed"
	if err := e.client.Customers.Update(t.Context(), conv.Customer.ID, &upstream.CustomerUpdate{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.session(t, nil).Customer(t.Context(), conv.Customer.ID); c.FirstName == name {
		t.Fatal("the profile is not cached: the change shows before its event")
	}
	e.factory.ForgetCustomer(t.Context(), conv.Customer.ID)
	if c, _ := e.session(t, nil).Customer(t.Context(), conv.Customer.ID); c.FirstName != name {
		t.Errorf("after the customer event the profile's first name is %q, want %q", c.FirstName, name)
	}
	if _, conv := inbox(t, e, id); conv.Customer.FirstName != name {
		t.Errorf("after the customer event the conversation's customer is %q, want %q", conv.Customer.FirstName, name)
	}
}

// TestConversationCacheOff: by default conversations are never cached.
func TestConversationCacheOff(t *testing.T) {
	e := newEnv(t, session.Options{})
	id := conversationIn(t, e, 1)
	e.emu.ResetCounts()
	inbox(t, e, id)
	cold := upstreamCalls(e)
	inbox(t, e, id)
	if n := upstreamCalls(e) - cold; n != cold {
		t.Errorf("the second inbox made %d FreeScout calls, want %d as the first", n, cold)
	}
}

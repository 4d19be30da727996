package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/session"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

const apiKey = "session-test-key"

// Routes as the emulator counts them.
const (
	routeFields        = "GET /api/mailboxes/{id}/custom_fields"
	routeCustomer      = "GET /api/customers/{id}"
	routeConversations = "GET /api/conversations"
	routeUsers         = "GET /api/users"
)

// env is an emulator over real HTTP, a memory cache, and a session factory.
type env struct {
	emu     *emulator.Emulator
	mem     *cache.Memory
	factory *session.Factory
	client  *upstream.Client // straight to the emulator, for expectations
}

func newEnv(t *testing.T, opts session.Options) *env {
	t.Helper()
	emu := emulator.New(emulator.Options{APIKey: apiKey})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client, err := upstream.New(srv.URL, apiKey)
	if err != nil {
		t.Fatal(err)
	}
	mem := cache.NewMemory()
	opts.Client, opts.Store = client, cache.NewStore(mem, cache.StoreOptions{})
	return &env{emu: emu, mem: mem, factory: session.NewFactory(opts), client: client}
}

// session returns a fresh session for c (anonymous when nil).
func (e *env) session(t *testing.T, c *auth.Caller) *session.Session {
	t.Helper()
	if c == nil {
		c = auth.Anonymous()
	}
	return e.factory.New(auth.WithCaller(t.Context(), c))
}

func ids[T any](items []T, id func(T) int) []int {
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// TestDefinitionsSharedAndSorted: definitions are read once for every
// session (the shared cache) and come sorted as FreeScout shows them.
func TestDefinitionsSharedAndSorted(t *testing.T) {
	e := newEnv(t, session.Options{})
	var first []upstream.CustomField
	for i := range 3 {
		defs, err := e.session(t, nil).CustomFields(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = defs
		} else if !slices.EqualFunc(defs, first, func(a, b upstream.CustomField) bool { return a.ID == b.ID }) {
			t.Errorf("session %d got other definitions", i)
		}
	}
	if n := e.emu.Count(routeFields); n != 1 {
		t.Errorf("FreeScout was asked %d times, want once", n)
	}
	if !slices.IsSortedFunc(first, func(a, b upstream.CustomField) int {
		if a.SortOrder != b.SortOrder {
			return a.SortOrder - b.SortOrder
		}
		return a.ID - b.ID
	}) || len(first) == 0 {
		t.Errorf("definitions not sorted by sortOrder, then id: %v", ids(first, func(f upstream.CustomField) int { return f.ID }))
	}
}

// dropdown is the first dropdown field of mailbox 1.
func dropdown(t *testing.T, e *env) upstream.CustomField {
	t.Helper()
	defs, _, err := e.client.Mailboxes.ListCustomFields(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range defs {
		if f.Type == upstream.FieldDropdown {
			return f
		}
	}
	t.Fatal("mailbox 1 has no dropdown")
	return upstream.CustomField{}
}

// TestResolveCustomFields: a label added in FreeScout after the definitions
// were cached is found by one refetch; an unknown label on definitions this
// very call fetched is not refetched.
func TestResolveCustomFields(t *testing.T) {
	e := newEnv(t, session.Options{})
	f := dropdown(t, e)
	e.emu.ResetCounts()
	label := func(s string) []customfields.Input { return []customfields.Input{{Name: f.Name, Value: &s}} }

	// Cold: an unknown label, one fetch, no second one.
	_, problems, err := e.session(t, nil).ResolveCustomFields(t.Context(), 1, label("Nope"))
	if err != nil || len(problems) != 1 || problems[0].Code != errcode.UnknownOption {
		t.Fatalf("problems %+v, err %v; want one UNKNOWN_OPTION", problems, err)
	}
	if n := e.emu.Count(routeFields); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	// An admin adds the label; the cached definitions do not have it.
	if err := e.emu.AddDropdownOption(f.ID, 99, "Brand New"); err != nil {
		t.Fatal(err)
	}
	writes, problems, err := e.session(t, nil).ResolveCustomFields(t.Context(), 1, label("brand new"))
	if err != nil || len(problems) > 0 {
		t.Fatalf("problems %+v, err %v", problems, err)
	}
	if len(writes) != 1 || writes[0].ID != f.ID || writes[0].Value != 99 {
		t.Errorf("writes %+v, want option 99 of field %d", writes, f.ID)
	}
	if n := e.emu.Count(routeFields); n != 2 {
		t.Errorf("%d fetches, want 2 (one refetch)", n)
	}
	// A mailbox FreeScout does not have.
	_, _, err = e.session(t, nil).ResolveCustomFields(t.Context(), 999, label("x"))
	if errcode.Of(err) != errcode.NotFound {
		t.Errorf("unknown mailbox: err %v, want NOT_FOUND", err)
	}
}

// TestDamagedCacheEntryIsReplaced: a cached value this version cannot read
// is dropped and loaded afresh.
func TestDamagedCacheEntryIsReplaced(t *testing.T) {
	e := newEnv(t, session.Options{})
	if err := e.mem.Set(t.Context(), session.CustomFieldsKey(1), []byte("{not json"), 60e9); err != nil {
		t.Fatal(err)
	}
	defs, err := e.session(t, nil).CustomFields(t.Context(), 1)
	if err != nil || len(defs) == 0 {
		t.Fatalf("defs %d, err %v", len(defs), err)
	}
	if n := e.emu.Count(routeFields); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// TestNamespacesKeepCallersApart: what a caller fetched with its own key is
// not served to a session with another key, and the other way round.
func TestNamespacesKeepCallersApart(t *testing.T) {
	e := newEnv(t, session.Options{})
	own := auth.WithFreeScoutKey(apiKey) // the emulator knows one key; the namespace is what counts
	for _, c := range []*auth.Caller{nil, own, nil, own} {
		if _, err := e.session(t, c).Customer(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.emu.Count(routeCustomer); n != 2 {
		t.Errorf("%d customer fetches, want 2 (one per namespace)", n)
	}
}

// TestRestrictedCaller: a caller who sees mailbox 1 only gets lists narrowed
// to it and NOT_FOUND for the rest, before anything is written.
func TestRestrictedCaller(t *testing.T) {
	e := newEnv(t, session.Options{})
	c := &auth.Caller{ID: "token:one", Scopes: auth.AllScopes, MailboxIDs: []int{1}}
	s := e.session(t, c)
	ctx := t.Context()

	all := upstream.ConversationListOptions{Statuses: []string{"active", "pending", "closed", "spam"}}
	page, err := s.Conversations(ctx, all, 0, 100)
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("items %d, err %v", len(page.Items), err)
	}
	for _, conv := range page.Items {
		if conv.MailboxID != 1 {
			t.Fatalf("conversation %d of mailbox %d listed", conv.ID, conv.MailboxID)
		}
	}
	other := all
	other.MailboxIDs = []int{2}
	if page, err := s.Conversations(ctx, other, 0, 10); err != nil || len(page.Items) != 0 {
		t.Errorf("mailbox 2's list: %d items, err %v; want none", len(page.Items), err)
	}
	foreign := conversationIn(t, e, 2)
	e.emu.ResetCounts()
	if _, err := s.Conversation(ctx, foreign, nil); errcode.Of(err) != errcode.NotFound {
		t.Errorf("conversation %d of mailbox 2: err %v, want NOT_FOUND", foreign, err)
	}
	boxes, err := s.Mailboxes(ctx)
	if err != nil || len(boxes) != 1 || boxes[0].ID != 1 {
		t.Errorf("mailboxes %v, err %v; want mailbox 1 only", ids(boxes, func(m upstream.Mailbox) int { return m.ID }), err)
	}
	if _, err := s.CustomFields(ctx, 2); errcode.Of(err) != errcode.NotFound {
		t.Errorf("definitions of mailbox 2: err %v", err)
	}
	before := e.emu.Total()
	_, err = s.UpdateConversationTags(ctx, foreign, []string{"x"}, nil)
	if ce := errcode.As(err); ce == nil || ce.Code != errcode.NotFound || !slices.Equal(ce.Field, []string{"conversationId"}) {
		t.Errorf("tags of a foreign conversation: err %v, want NOT_FOUND at conversationId", err)
	}
	_, _, err = s.CreateConversation(ctx, &upstream.NewConversation{MailboxID: 2}, nil, "")
	if ce := errcode.As(err); ce == nil || ce.Code != errcode.NotFound || !slices.Equal(ce.Field, []string{"mailboxId"}) {
		t.Errorf("create in mailbox 2: err %v, want NOT_FOUND at mailboxId", err)
	}
	if e.emu.Count("PUT /api/conversations/{id}/tags") != 0 || e.emu.Count("POST /api/conversations") != 0 {
		t.Errorf("a write reached FreeScout (%d calls since)", e.emu.Total()-before)
	}
}

// conversationIn returns a conversation of mailbox.
func conversationIn(t *testing.T, e *env, mailbox int) int {
	t.Helper()
	items, _, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{MailboxIDs: []int{mailbox}})
	if err != nil || len(items) == 0 {
		t.Fatalf("conversations of mailbox %d: %d, %v", mailbox, len(items), err)
	}
	return items[0].ID
}

// TestMaxCalls: a session's calls over its bound fail with
// QUERY_TOO_COMPLEX and reach nobody.
func TestMaxCalls(t *testing.T) {
	e := newEnv(t, session.Options{MaxCalls: 2})
	s := e.session(t, nil)
	for _, id := range []int{1, 2} {
		if _, err := s.Customer(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Customer(t.Context(), 3); errcode.Of(err) != errcode.QueryTooComplex {
		t.Fatalf("third call: err %v, want QUERY_TOO_COMPLEX", err)
	}
	if n := e.emu.Count(routeCustomer); n != 2 || s.Calls() != 2 {
		t.Errorf("FreeScout saw %d calls, the session counted %d; want 2 and 2", n, s.Calls())
	}
	// Another session has a budget of its own.
	if _, err := e.session(t, nil).Customer(t.Context(), 3); err != nil {
		t.Errorf("a fresh session: %v", err)
	}
}

// TestIdenticalListCallsAreMadeOnce: the same list asked twice in one
// operation is one call; after Forget (a write), it is asked again.
func TestIdenticalListCallsAreMadeOnce(t *testing.T) {
	e := newEnv(t, session.Options{})
	s := e.session(t, nil)
	opts := upstream.ConversationListOptions{Statuses: []string{"active"}}
	for range 3 {
		if _, err := s.Conversations(t.Context(), opts, 0, 20); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.emu.Count(routeConversations); n != 1 {
		t.Errorf("%d list calls, want 1", n)
	}
	s.Forget()
	if _, err := s.Conversations(t.Context(), opts, 0, 20); err != nil {
		t.Fatal(err)
	}
	if n := e.emu.Count(routeConversations); n != 2 {
		t.Errorf("%d list calls after Forget, want 2", n)
	}
}

// TestWritesDropWhatTheyMakeStale: a customer written through the gateway
// is read afresh by the next operation, not from the cache.
func TestWritesDropWhatTheyMakeStale(t *testing.T) {
	e := newEnv(t, session.Options{})
	if _, err := e.session(t, nil).Customer(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	notes := "written by the session test"
	c, err := e.session(t, nil).UpdateCustomer(t.Context(), 1, &upstream.CustomerUpdate{Notes: &notes})
	if err != nil || c.Notes != notes {
		t.Fatalf("read back %+v, err %v", c, err)
	}
	got, err := e.session(t, nil).Customer(t.Context(), 1)
	if err != nil || got.Notes != notes {
		t.Errorf("next operation read notes %q, err %v; want the written ones", got.Notes, err)
	}
}

// TestReadBackFailureIsMarkedLanded: a write that landed but could not be
// read back (its answer held no customer to use instead) says so
// (errcode.Landed), and a create still gives the new id.
func TestReadBackFailureIsMarkedLanded(t *testing.T) {
	e := newEnv(t, session.Options{})
	e.emu.InjectFault("POST /api/customers", emulator.Fault{Land: true, Relay: true, Body: "{}"})
	e.emu.InjectFault("GET /api/customers/{id}", emulator.Fault{Status: 503})
	id, c, err := e.session(t, nil).CreateCustomer(t.Context(), &upstream.NewCustomer{FirstName: "Landed", Emails: []upstream.EntryInput{{Value: "landed@example.org"}}}, "")
	if !errors.Is(err, errcode.Landed) || id == 0 || c != nil {
		t.Errorf("id %d, customer %v, err %v; want the new id and an error marked Landed", id, c, err)
	}
}

// TestNoCallerIsABug: the request pipeline must put a caller in every
// operation's context; a session without one panics.
func TestNoCallerIsABug(t *testing.T) {
	e := newEnv(t, session.Options{})
	defer func() {
		if recover() == nil {
			t.Error("New without a caller did not panic")
		}
	}()
	e.factory.New(context.Background())
}

// newConversation is a create that the emulator accepts.
func newConversation(subject string) *upstream.NewConversation {
	return &upstream.NewConversation{
		Type: "email", MailboxID: 1, Subject: subject,
		Customer: upstream.CustomerRef{Email: "once@example.org"},
		Threads:  []upstream.NewThread{{Type: "customer", Text: "hello", Customer: &upstream.CustomerRef{Email: "once@example.org"}}},
	}
}

// conversationsWith counts the conversations of mailbox 1 with subject.
func conversationsWith(t *testing.T, e *env, subject string) int {
	t.Helper()
	items, _, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{
		ListOptions: upstream.ListOptions{PageSize: 100}, MailboxIDs: []int{1}, Subject: subject,
		Statuses: []string{"active", "pending", "closed", "spam"},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range items {
		if c.Subject == subject {
			n++
		}
	}
	return n
}

// TestIdempotencyKeys: a repeat with the same key writes nothing and gets
// the first outcome; the same key with another input is a CONFLICT.
func TestIdempotencyKeys(t *testing.T) {
	e := newEnv(t, session.Options{})
	id1, _, err := e.session(t, nil).CreateConversation(t.Context(), newConversation("Key once"), nil, "k-1")
	if err != nil || id1 == 0 {
		t.Fatalf("first create: %d, %v", id1, err)
	}
	id2, c, err := e.session(t, nil).CreateConversation(t.Context(), newConversation("Key once"), nil, "k-1")
	if err != nil || id2 != id1 || c == nil || c.ID != id1 {
		t.Fatalf("repeat: id %d (first %d), err %v", id2, id1, err)
	}
	if n := e.emu.Count("POST /api/conversations"); n != 1 || conversationsWith(t, e, "Key once") != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	_, _, err = e.session(t, nil).CreateConversation(t.Context(), newConversation("Another subject"), nil, "k-1")
	var ie *errcode.InputError
	if !errors.As(err, &ie) || ie.Code != errcode.Conflict {
		t.Errorf("reused key: err %v, want a CONFLICT input error", err)
	}
	// Another caller's key of the same name is its own.
	other := &auth.Caller{ID: "token:other", Scopes: auth.AllScopes}
	if id, _, err := e.session(t, other).CreateConversation(t.Context(), newConversation("Key once"), nil, "k-1"); err != nil || id == id1 {
		t.Errorf("another caller's k-1: id %d (first %d), err %v; want a create of its own", id, id1, err)
	}
}

// TestLostAnswersAreFoundOut: a create whose answer is lost after it landed
// (a 502 from a proxy, a timeout) is found in FreeScout and answered with its
// id; one that did not land fails, and its key may be used again.
func TestLostAnswersAreFoundOut(t *testing.T) {
	for _, f := range []emulator.Fault{{Land: true, Status: 502}, {Land: true, Hang: true}} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			e := newEnv(t, session.Options{})
			e.emu.InjectFault("POST /api/conversations", emulator.Fault{Land: true, Status: f.Status, Hang: f.Hang, Times: 1})
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if f.Hang {
				// The write's own deadline runs out; the search for it
				// has one of its own.
				var cancelWrite context.CancelFunc
				ctx, cancelWrite = context.WithTimeout(ctx, time.Second)
				defer cancelWrite()
			}
			id, _, err := e.session(t, nil).CreateConversation(ctx, newConversation("Lost answer"), nil, "k-lost")
			if id == 0 {
				t.Fatalf("id 0, err %v; want the landed conversation's id", err)
			}
			if n := conversationsWith(t, e, "Lost answer"); n != 1 {
				t.Errorf("%d conversations, want 1", n)
			}
			// The client retries with its key: the same id, nothing written.
			again, _, err := e.session(t, nil).CreateConversation(t.Context(), newConversation("Lost answer"), nil, "k-lost")
			if err != nil || again != id || e.emu.Count("POST /api/conversations") != 1 {
				t.Errorf("retry: id %d (want %d), err %v, creates sent %d", again, id, err, e.emu.Count("POST /api/conversations"))
			}
		})
	}
	t.Run("did not land", func(t *testing.T) {
		e := newEnv(t, session.Options{})
		e.emu.InjectFault("POST /api/conversations", emulator.Fault{Status: 502, Times: 1})
		if _, _, err := e.session(t, nil).CreateConversation(t.Context(), newConversation("Never landed"), nil, "k-no"); !errors.Is(err, upstream.ErrUnavailable) {
			t.Fatalf("err %v, want unavailable", err)
		}
		if id, _, err := e.session(t, nil).CreateConversation(t.Context(), newConversation("Never landed"), nil, "k-no"); err != nil || id == 0 {
			t.Fatalf("retry with the same key: %d, %v; want it written", id, err)
		}
		if n := conversationsWith(t, e, "Never landed"); n != 1 {
			t.Errorf("%d conversations, want 1", n)
		}
	})
}

package session_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/session"
	"github.com/scoutgraph/scoutgraph/telemetry"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// cacheCalls records what ObserveCache is told.
type cacheCalls struct {
	mu    sync.Mutex
	calls []session.CacheCall
}

func (c *cacheCalls) observe(_ context.Context, call session.CacheCall) {
	c.mu.Lock()
	c.calls = append(c.calls, call)
	c.mu.Unlock()
}

// take returns the calls recorded since the last take.
func (c *cacheCalls) take() []session.CacheCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

// TestObserveCacheSeesEveryCacheCall: ObserveCache hears a lookup's miss
// and the store of what was loaded, a later lookup's hit, the invalidation
// a write makes (in the caller's namespace and the gateway's own), the
// conversation cache's generation and the idempotency records.
func TestObserveCacheSeesEveryCacheCall(t *testing.T) {
	var seen cacheCalls
	e := newEnv(t, session.Options{ObserveCache: seen.observe, ConversationTTL: 60e9})
	lookup := func(kind string, hit bool) session.CacheCall {
		return session.CacheCall{Op: session.CacheLookup, Kind: kind, Keys: 1, Hit: hit}
	}
	set := session.CacheCall{Op: session.CacheSet, Kind: "customer", Keys: 1}
	notes := "observed by the session test"
	for _, tt := range []struct {
		name   string
		caller *auth.Caller // anonymous when nil
		do     func(ctx context.Context, s *session.Session) error
		want   []session.CacheCall
	}{
		{"first read", nil, func(ctx context.Context, s *session.Session) error {
			_, err := s.Customer(ctx, 1)
			return err
		}, []session.CacheCall{lookup("customer", false), set}},
		{"second read", nil, func(ctx context.Context, s *session.Session) error {
			_, err := s.Customer(ctx, 1)
			return err
		}, []session.CacheCall{lookup("customer", true)}},
		{"write", nil, func(ctx context.Context, s *session.Session) error {
			_, err := s.UpdateCustomer(ctx, 1, &upstream.CustomerUpdate{Notes: &notes})
			return err
		}, []session.CacheCall{
			{Op: session.CacheInvalidate, Kind: "customer", Keys: 1},
			// The write starts a new generation of the conversation cache.
			{Op: session.CacheSet, Kind: "conversation_generation", Keys: 1},
		}},
		{"write with the caller's own key", auth.WithFreeScoutKey(apiKey), func(ctx context.Context, s *session.Session) error {
			_, err := s.UpdateCustomer(ctx, 1, &upstream.CustomerUpdate{Notes: &notes})
			return err
		}, []session.CacheCall{
			{Op: session.CacheInvalidate, Kind: "customer", Keys: 2},
			{Op: session.CacheSet, Kind: "conversation_generation", Keys: 1},
		}},
	} {
		if err := tt.do(t.Context(), e.session(t, tt.caller)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := seen.take(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ObserveCache heard %+v, want %+v", tt.name, got, tt.want)
		}
	}

	// The conversation cache: the generation is read (and made, the first
	// time), then the conversation is looked up and stored.
	if _, err := e.session(t, nil).Conversation(t.Context(), 1, nil); err != nil {
		t.Fatal(err)
	}
	got := seen.take()
	if !slices.Contains(got, lookup("conversation_generation", true)) ||
		!slices.Contains(got, lookup("conversation", false)) ||
		!slices.Contains(got, session.CacheCall{Op: session.CacheSet, Kind: "conversation", Keys: 1}) {
		t.Errorf("a conversation read through the conversation cache: ObserveCache heard %+v", got)
	}

	// An idempotency key: claimed (added), then recorded (set); a repeat
	// finds the claim there and reads the record.
	for i := range 2 {
		if _, _, err := e.session(t, nil).CreateCustomer(t.Context(), &upstream.NewCustomer{FirstName: "Observed"}, "observe-key-1"); err != nil {
			t.Fatal(err)
		}
		got := seen.take()
		want := []session.CacheCall{{Op: session.CacheAdd, Kind: "idempotency", Keys: 1}, {Op: session.CacheSet, Kind: "idempotency", Keys: 1}}
		if i == 1 {
			want = []session.CacheCall{{Op: session.CacheAdd, Kind: "idempotency", Keys: 1, Hit: true}, lookup("idempotency", true)}
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("create %d with an idempotency key: ObserveCache heard %+v, want %+v among them", i+1, got, w)
			}
		}
	}
}

// TestBatchesHaveSpans: with the telemetry's BatchSpans as the factory's
// BatchHook, each loader batch is a span under the operation's: a
// customer's profile is a batch of one whose FreeScout call is its child,
// and the first windows of two sibling mailboxes, gathered, are one batch
// of two.
func TestBatchesHaveSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tel := telemetry.New(tp)
	e := newEnv(t, session.Options{Batches: tel.BatchSpans(), Hooks: []upstream.Hook{tel.UpstreamHook()}})
	ctx, op := tp.Tracer("test").Start(auth.WithCaller(t.Context(), auth.Anonymous()), "query Test")
	s := e.factory.New(ctx)
	if _, err := s.Customer(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, id := range []int{1, 2} {
		wg.Go(func() {
			if _, err := s.MailboxConversations(ctx, id, []int{1, 2}, upstream.ConversationListOptions{}, 0, 3, false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	op.End()

	spans := rec.Ended()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, sp := range spans {
		byName[sp.Name()] = append(byName[sp.Name()], sp)
	}
	size := func(sp sdktrace.ReadOnlySpan) int64 {
		set := attribute.NewSet(sp.Attributes()...)
		v, _ := set.Value(telemetry.AttrBatchSize)
		return v.AsInt64()
	}
	for _, tt := range []struct {
		name string
		size int64
		call string // the FreeScout call under it
	}{{"loader.customers", 1, "GET /api/customers/{id}"}, {"loader.mailbox_pages", 2, "GET /api/conversations"}} {
		got := byName[tt.name]
		if len(got) != 1 {
			t.Errorf("%d spans %s, want 1", len(got), tt.name)
			continue
		}
		b := got[0]
		if b.Parent().SpanID() != op.SpanContext().SpanID() || b.SpanContext().TraceID() != op.SpanContext().TraceID() {
			t.Errorf("%s is not a child of the operation's span", tt.name)
		}
		if size(b) != tt.size {
			t.Errorf("%s: size %d, want %d", tt.name, size(b), tt.size)
		}
		var calls []string
		for _, sp := range spans {
			if sp.Parent().SpanID() == b.SpanContext().SpanID() {
				calls = append(calls, sp.Name())
			}
		}
		if !slices.Equal(calls, []string{tt.call}) {
			t.Errorf("%s: children %v, want [%s]", tt.name, calls, tt.call)
		}
	}
}

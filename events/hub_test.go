package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// byName returns a match func for events with one of names.
func byName(names ...string) func(Event) bool {
	return func(ev Event) bool {
		for _, n := range names {
			if ev.Name == n {
				return true
			}
		}
		return false
	}
}

// mustSubscribe subscribes or fails the test.
func mustSubscribe(t testing.TB, h *Hub, ctx context.Context, owner string, match func(Event) bool) *Subscription {
	t.Helper()
	s, err := h.Subscribe(ctx, owner, match)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", owner, err)
	}
	return s
}

// receive takes the next event of s, failing the test if it does not come
// or the subscription ends.
func receive(t testing.TB, s *Subscription) Event {
	t.Helper()
	select {
	case ev, ok := <-s.Events():
		if !ok {
			t.Fatalf("subscription ended: %v", s.Err())
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for an event")
		return Event{}
	}
}

// drain takes every event of s until its channel closes and returns them.
func drain(t testing.TB, s *Subscription) []Event {
	t.Helper()
	var evs []Event
	timeout := time.After(waitTimeout)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatal("timed out waiting for the subscription to end")
		}
	}
}

// TestHubFilters: each subscription receives the events its match accepts,
// in order, and nothing else.
func TestHubFilters(t *testing.T) {
	h := NewHub(HubOptions{})
	defer h.Close()
	ctx := t.Context()
	all := mustSubscribe(t, h, ctx, "a", nil)
	convos := mustSubscribe(t, h, ctx, "a", byName(ConvoCreated, ConvoStatus))
	customers := mustSubscribe(t, h, ctx, "b", byName(CustomerCreated))
	none := mustSubscribe(t, h, ctx, "c", func(Event) bool { return false })

	seq := []string{ConvoCreated, CustomerCreated, ConvoStatus, ConvoNoteCreated, CustomerCreated}
	for i, name := range seq {
		h.Publish(Event{ID: strconv.Itoa(i), Name: name})
	}
	h.Close()
	for _, tc := range []struct {
		name string
		sub  *Subscription
		want []string
	}{
		{"all", all, []string{"0", "1", "2", "3", "4"}},
		{"conversations", convos, []string{"0", "2"}},
		{"customers", customers, []string{"1", "4"}},
		{"none", none, nil},
	} {
		var ids []string
		for _, ev := range drain(t, tc.sub) {
			ids = append(ids, ev.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("%s received %v, want %v", tc.name, ids, tc.want)
		}
		if !errors.Is(tc.sub.Err(), ErrHubClosed) {
			t.Errorf("%s: Err() = %v, want ErrHubClosed", tc.name, tc.sub.Err())
		}
	}
}

// TestHubPerOwnerLimit: an owner gets at most MaxPerOwner live
// subscriptions; others are not affected, and one that ends frees a place.
func TestHubPerOwnerLimit(t *testing.T) {
	h := NewHub(HubOptions{MaxPerOwner: 2})
	defer h.Close()
	first, cancelFirst := context.WithCancel(t.Context())
	s1 := mustSubscribe(t, h, first, "alice", nil)
	mustSubscribe(t, h, t.Context(), "alice", nil)
	if _, err := h.Subscribe(t.Context(), "alice", nil); !errors.Is(err, ErrTooManySubscriptions) {
		t.Fatalf("third subscription of alice: %v, want ErrTooManySubscriptions", err)
	}
	mustSubscribe(t, h, t.Context(), "bob", nil)
	if n := h.Len(); n != 3 {
		t.Errorf("Len() = %d, want 3", n)
	}

	cancelFirst()
	drain(t, s1)
	if !errors.Is(s1.Err(), context.Canceled) {
		t.Errorf("Err() after ctx ended = %v, want context.Canceled", s1.Err())
	}
	mustSubscribe(t, h, t.Context(), "alice", nil)
	if n := h.Len(); n != 3 {
		t.Errorf("Len() = %d, want 3", n)
	}
}

// TestHubSlowSubscriber: a subscriber that does not read is dropped with
// ErrTooSlow once its buffer is full, after it has received what the buffer
// held; a subscriber that reads receives every event.
func TestHubSlowSubscriber(t *testing.T) {
	const buffer, total = 8, 100
	h := NewHub(HubOptions{Buffer: buffer})
	defer h.Close()
	slow := mustSubscribe(t, h, t.Context(), "slow", nil)
	fast := mustSubscribe(t, h, t.Context(), "fast", nil)
	for i := range total {
		h.Publish(Event{ID: strconv.Itoa(i), Name: ConvoCreated})
		if ev := receive(t, fast); ev.ID != strconv.Itoa(i) {
			t.Fatalf("fast received %s, want %d", ev.ID, i)
		}
	}
	got := drain(t, slow)
	if len(got) != buffer {
		t.Errorf("slow received %d events before being dropped, want %d", len(got), buffer)
	}
	for i, ev := range got {
		if ev.ID != strconv.Itoa(i) {
			t.Errorf("slow event %d is %s", i, ev.ID)
		}
	}
	if !errors.Is(slow.Err(), ErrTooSlow) {
		t.Errorf("slow Err() = %v, want ErrTooSlow", slow.Err())
	}
	if fast.Err() != nil {
		t.Errorf("fast Err() = %v, want nil", fast.Err())
	}
	if n := h.Len(); n != 1 {
		t.Errorf("Len() = %d, want 1", n)
	}
}

// TestHubClose: Close ends every subscription, and Subscribe fails after.
func TestHubClose(t *testing.T) {
	h := NewHub(HubOptions{})
	var subs []*Subscription
	for i := range 10 {
		subs = append(subs, mustSubscribe(t, h, t.Context(), "owner"+strconv.Itoa(i%3), nil))
	}
	h.Publish(Event{ID: "1", Name: ConvoCreated})
	h.Close()
	for i, s := range subs {
		if evs := drain(t, s); len(evs) != 1 {
			t.Errorf("subscription %d received %d events, want 1", i, len(evs))
		}
		if !errors.Is(s.Err(), ErrHubClosed) {
			t.Errorf("subscription %d: Err() = %v, want ErrHubClosed", i, s.Err())
		}
	}
	if n := h.Len(); n != 0 {
		t.Errorf("Len() after Close = %d", n)
	}
	if _, err := h.Subscribe(t.Context(), "late", nil); !errors.Is(err, ErrHubClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrHubClosed", err)
	}
	h.Publish(Event{ID: "2"}) // a no-op, not a panic
	h.Close()
}

// TestHubSubscribeEndedCtx: a ctx that has ended is refused, and one that
// ends right after Subscribe ends the subscription.
func TestHubSubscribeEndedCtx(t *testing.T) {
	h := NewHub(HubOptions{})
	defer h.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := h.Subscribe(ctx, "a", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe with an ended ctx: %v", err)
	}
	causeCtx, cancelCause := context.WithCancelCause(t.Context())
	s := mustSubscribe(t, h, causeCtx, "a", nil)
	stop := errors.New("client went away")
	cancelCause(stop)
	drain(t, s)
	if !errors.Is(s.Err(), stop) {
		t.Errorf("Err() = %v, want the ctx's cause", s.Err())
	}
	if n := h.Len(); n != 0 {
		t.Errorf("Len() = %d, want 0", n)
	}
}

// TestHubConcurrent runs publishers, subscribers that come and go, slow
// subscribers and Close at once, under -race: every subscription ends with
// a reason, and each received its events in order.
func TestHubConcurrent(t *testing.T) {
	h := NewHub(HubOptions{Buffer: 4, MaxPerOwner: 1000})
	const publishers, perPublisher, subscribers = 4, 500, 50
	var wg sync.WaitGroup
	stopSubs := make(chan struct{})
	for i := range subscribers {
		wg.Go(func() {
			for round := 0; ; round++ {
				select {
				case <-stopSubs:
					return
				default:
				}
				ctx, cancel := context.WithCancel(context.Background())
				owner := "owner" + strconv.Itoa(i%5)
				s, err := h.Subscribe(ctx, owner, func(ev Event) bool { return ev.Name == ConvoCreated || i%2 == 0 })
				if err != nil {
					cancel()
					if !errors.Is(err, ErrHubClosed) {
						t.Errorf("Subscribe: %v", err)
					}
					return
				}
				last := make(map[string]int)
				for n := 0; ; n++ {
					ev, ok := <-s.Events()
					if !ok {
						break
					}
					// Events of one publisher arrive in its order.
					pub, seq := splitID(ev.ID)
					if prev, seen := last[pub]; seen && seq <= prev {
						t.Errorf("event %s after %s-%d", ev.ID, pub, prev)
					}
					last[pub] = seq
					if i%3 == 0 && n == 10 {
						cancel()
					}
				}
				cancel()
				if s.Err() == nil {
					t.Error("a closed subscription without a reason")
				}
			}
		})
	}
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Go(func() {
			for i := range perPublisher {
				name := ConvoCreated
				if i%2 == 1 {
					name = CustomerUpdated
				}
				h.Publish(Event{ID: fmt.Sprintf("p%d-%d", p, i), Name: name})
				if i%50 == 0 {
					_ = h.Len()
				}
			}
		})
	}
	pubs.Wait()
	close(stopSubs)
	h.Close()
	wg.Wait()
	if n := h.Len(); n != 0 {
		t.Errorf("Len() after Close = %d", n)
	}
}

// splitID splits "p<publisher>-<seq>".
func splitID(id string) (string, int) {
	for i := range len(id) {
		if id[i] == '-' {
			n, _ := strconv.Atoi(id[i+1:])
			return id[:i], n
		}
	}
	return id, 0
}

// BenchmarkHubFanOut publishes events to 1,000 subscribers, each read by a
// goroutine of its own, and reports the deliveries per second and the
// allocations per published event. "all" subscribers take every event;
// "filtered" ones each take one event in a hundred, as subscriptions to one
// mailbox do.
func BenchmarkHubFanOut(b *testing.B) {
	const subscribers, batch = 1000, 256
	for _, bc := range []struct {
		name  string
		every int
	}{{"all", 1}, {"filtered", 100}} {
		b.Run(bc.name, func(b *testing.B) {
			h := NewHub(HubOptions{Buffer: batch, MaxPerOwner: subscribers})
			defer h.Close()
			var received sync.WaitGroup
			var delivered atomic.Int64
			var readers sync.WaitGroup
			for i := range subscribers {
				key := byte(i % bc.every)
				s, err := h.Subscribe(context.Background(), "bench", func(ev Event) bool {
					return ev.ID[0]%byte(bc.every) == key
				})
				if err != nil {
					b.Fatal(err)
				}
				readers.Go(func() {
					for range s.Events() {
						delivered.Add(1)
						received.Done()
					}
				})
			}
			// Event ids whose first byte spreads them over the filters.
			ids := make([]string, 128)
			for i := range ids {
				ids[i] = string(rune(i)) + "-0"
			}
			perEvent := subscribers / bc.every
			body := []byte(`{"id":1}`)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i += batch {
				n := min(batch, b.N-i)
				received.Add(n * perEvent)
				for j := range n {
					h.Publish(Event{ID: ids[(i+j)%len(ids)], Name: ConvoCreated, Body: body})
				}
				received.Wait()
			}
			elapsed := time.Since(start)
			b.StopTimer()
			if n := h.Len(); n != subscribers {
				b.Fatalf("%d subscribers were dropped as too slow", subscribers-n)
			}
			b.ReportMetric(float64(delivered.Load())/elapsed.Seconds(), "deliveries/s")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			h.Close()
			readers.Wait()
		})
	}
}

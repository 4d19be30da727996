package events

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// manualClock is a clock that stands still until the test moves it.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Now reads the clock.
func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// advance moves the clock on by d.
func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestMemory: every Run handles every event once and in order; a
// redelivery within the window is not published again; after the window it
// is. The window passes on the bus's own clock, which the test moves: no
// assertion depends on how fast the machine runs.
func TestMemory(t *testing.T) {
	clock := newManualClock()
	const window = time.Hour
	bus := NewMemory(MemoryOptions{DedupeWindow: window, Now: clock.Now})
	t.Cleanup(func() { _ = bus.Close() })
	got1, got2 := newCollector(), newCollector()
	startRun(t, bus, got1)
	startRun(t, bus, got2)
	warmUp(t, bus, got1, got2)

	var want []string
	for i := range 50 {
		body := fmt.Sprintf(`{"id":%d,"subject":"é 🎫"}`, i)
		if !publish(t, bus, ConvoStatus, body) {
			t.Fatalf("event %d: published = false", i)
		}
		want = append(want, ConvoStatus+":"+body)
	}
	if publish(t, bus, ConvoStatus, `{"id":3,"subject":"é 🎫"}`) {
		t.Fatal("redelivery: published = true, want false")
	}
	const end = `{"end":true}`
	publish(t, bus, CustomerCreated, end)
	want = append(want, CustomerCreated+":"+end)
	for i, c := range []*collector{got1, got2} {
		got := after(c.waitBody(t, end))
		if g := names(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
			t.Errorf("Run %d handled %v, want %v", i, g, want)
		}
		for j := 1; j < len(got); j++ {
			if !streamIDLess(got[j-1].ID, got[j].ID) {
				t.Errorf("Run %d: ids out of order: %s then %s", i, got[j-1].ID, got[j].ID)
			}
		}
	}

	// A moment before the window ends the event is still a duplicate; once
	// it has ended, the event is new again and reaches every Run.
	clock.advance(window - time.Nanosecond)
	if publish(t, bus, CustomerCreated, end) {
		t.Fatal("a redelivery a moment before the window ended: published = true, want false")
	}
	clock.advance(time.Nanosecond)
	if !publish(t, bus, CustomerCreated, end) {
		t.Fatal("a redelivery after the window: published = false, want true")
	}
	for _, c := range []*collector{got1, got2} {
		c.waitFor(t, "the event published again", func(evs []Event) bool { return countBody(evs, end) == 2 })
	}
}

// TestMemoryConcurrent publishes from many goroutines at once: each Run
// handles every event exactly once, and both in the same order.
func TestMemoryConcurrent(t *testing.T) {
	bus := NewMemory(MemoryOptions{})
	t.Cleanup(func() { _ = bus.Close() })
	got1, got2 := newCollector(), newCollector()
	startRun(t, bus, got1)
	startRun(t, bus, got2)
	warmUp(t, bus, got1, got2)

	const publishers, each = 8, 200
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				if _, err := bus.Publish(context.Background(), ConvoCreated, fmt.Appendf(nil, `{"p":%d,"i":%d}`, p, i), time.Now()); err != nil {
					t.Errorf("Publish: %v", err)
				}
			}
		})
	}
	wg.Wait()
	const end = `{"end":true}`
	publish(t, bus, ConvoCreated, end)
	ev1 := after(got1.waitBody(t, end))
	ev2 := after(got2.waitBody(t, end))
	if len(ev1) != publishers*each+1 {
		t.Fatalf("handled %d events, want %d", len(ev1), publishers*each+1)
	}
	if strings.Join(names(ev1), " ") != strings.Join(names(ev2), " ") {
		t.Error("the two Runs handled the events in different orders")
	}
	seen := make(map[string]bool)
	for _, ev := range ev1 {
		if seen[string(ev.Body)] {
			t.Errorf("%s handled twice", ev.Body)
		}
		seen[string(ev.Body)] = true
	}
}

// TestMemoryClose: Close ends the Runs with ErrClosed; later calls fail
// with ErrClosed; a Run whose ctx ended returns nil.
func TestMemoryClose(t *testing.T) {
	bus := NewMemory(MemoryOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	ended := make(chan error, 1)
	go func() { ended <- bus.Run(ctx, func(Event) {}) }()
	cancel()
	if err := awaitErr(t, ended, "Run to end with its ctx"); err != nil {
		t.Errorf("Run after its ctx ended: %v, want nil", err)
	}

	checkCloseEndsRun(t, bus)
}

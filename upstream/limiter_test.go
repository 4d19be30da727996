package upstream

import (
	"context"
	"testing"
	"time"
)

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (l *limiter) waiting(key any) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.flows[key]; f != nil {
		return len(f.waiters)
	}
	return 0
}

// TestLimiterSharesSlotsFairly: a flow holding every slot with more calls
// queued does not keep a newcomer waiting behind its queue: the next slot
// freed goes to the flow that holds the fewest.
func TestLimiterSharesSlotsFairly(t *testing.T) {
	l := newLimiter(2)
	ctx := t.Context()
	const big, small = "big", "small"
	for range 2 {
		if err := l.acquire(ctx, big); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan string, 10)
	for range 5 {
		go func() {
			if l.acquire(ctx, big) == nil {
				got <- big
			}
		}()
	}
	waitFor(t, "the big flow's queue", func() bool { return l.waiting(big) == 5 })
	go func() {
		if l.acquire(ctx, small) == nil {
			got <- small
		}
	}()
	waitFor(t, "the small flow's call", func() bool { return l.waiting(small) == 1 })

	l.release(big)
	if first := <-got; first != small {
		t.Fatalf("the freed slot went to %s, want %s", first, small)
	}
	// The rest of the big flow's queue drains as slots free up.
	l.release(small)
	l.release(big)
	for range 2 {
		if g := <-got; g != big {
			t.Fatalf("got %s", g)
		}
	}
}

// TestLimiterGivingUp: a waiter whose context ends leaves the queue, and a
// slot granted to it as it gave up is passed on.
func TestLimiterGivingUp(t *testing.T) {
	l := newLimiter(1)
	if err := l.acquire(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.acquire(ctx, "b") }()
	waitFor(t, "b to queue", func() bool { return l.waiting("b") == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("acquire succeeded after its context ended")
	}
	l.release("a")
	if err := l.acquire(t.Context(), "c"); err != nil {
		t.Fatalf("the freed slot is lost: %v", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.free != 0 || len(l.flows) != 1 {
		t.Errorf("free %d, flows %d; want 0 and 1 (c's)", l.free, len(l.flows))
	}
}

package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

// testClock is a clock the test moves by hand, from its own goroutine.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time          { return c.t }
func (c *testClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// memoryReplicas returns one Memory limiter twice: a process has one budget
// per caller.
func memoryReplicas(t *testing.T, r Rate) (Limiter, Limiter) {
	t.Helper()
	m, err := NewMemory(r, MemoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m, m
}

func TestMemoryContract(t *testing.T)          { testContract(t, memoryReplicas) }
func TestMemoryConcurrentTakes(t *testing.T)   { testConcurrentTakes(t, memoryReplicas) }
func TestMemoryConcurrentRefunds(t *testing.T) { testConcurrentRefunds(t, memoryReplicas) }

func newTestMemory(t *testing.T, r Rate) (*Memory, *testClock) {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	m, err := NewMemory(r, MemoryOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m, clock
}

func TestMemoryRefillAndRetryAfter(t *testing.T) {
	ctx := t.Context()
	m, clock := newTestMemory(t, Rate{Units: 3000, Period: time.Minute}) // 50 units a second
	res, err := m.Take(ctx, "k", 3000)
	if err != nil || !res.Allowed || res.Remaining != 0 || !res.ResetAt.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("Take(3000) = %+v, %v; want allowed, 0 remaining, full in a minute", res, err)
	}
	res, err = m.Take(ctx, "k", 250)
	if err != nil || res.Allowed || res.RetryAfter != 5*time.Second || res.RetryAfterSeconds() != 5 || res.Remaining != 0 {
		t.Fatalf("Take(250) on an empty budget = %+v, %v; want refused, RetryAfter 5s", res, err)
	}
	clock.Advance(4 * time.Second)
	res, err = m.Take(ctx, "k", 250)
	if err != nil || res.Allowed || res.RetryAfter != time.Second || res.Remaining != 200 {
		t.Fatalf("Take(250) 4s later = %+v, %v; want refused, 200 remaining, RetryAfter 1s", res, err)
	}
	clock.Advance(time.Second)
	res, err = m.Take(ctx, "k", 250)
	if err != nil || !res.Allowed || res.Remaining != 0 || !res.ResetAt.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("Take(250) at RetryAfter = %+v, %v; want allowed", res, err)
	}
	clock.Advance(30*time.Second + 10*time.Millisecond) // 1500.5 units back
	res, err = m.Peek(ctx, "k")
	if err != nil || res.Remaining != 1500 || !res.ResetAt.Equal(clock.Now().Add(30*time.Second-10*time.Millisecond)) {
		t.Fatalf("Peek 30.01s later = %+v, %v; want 1500 remaining, full in 29.99s", res, err)
	}
}

func TestMemoryPartialRefund(t *testing.T) {
	ctx := t.Context()
	m, clock := newTestMemory(t, Rate{Units: 3000, Period: time.Minute})
	if _, err := m.Take(ctx, "k", 250); err != nil {
		t.Fatal(err)
	}
	clock.Advance(100 * time.Millisecond) // 5 units back
	res, err := m.Refund(ctx, "k", 240)   // estimated 250, actual 10
	if err != nil || res.Remaining != 2995 || !res.ResetAt.Equal(clock.Now().Add(100*time.Millisecond)) {
		t.Fatalf("Refund(240) = %+v, %v; want 2995 remaining, full in 100ms", res, err)
	}
	if m.size() != 1 {
		t.Errorf("%d budgets held, want 1", m.size())
	}
	res, err = m.Refund(ctx, "k", 240) // more than is missing
	if err != nil || res.Remaining != 3000 || !res.ResetAt.Equal(clock.Now()) {
		t.Fatalf("second Refund(240) = %+v, %v; want full", res, err)
	}
	if m.size() != 0 {
		t.Errorf("%d budgets held after a refund filled the only one, want 0", m.size())
	}
	res, err = m.Take(ctx, "k", 3000)
	if err != nil || !res.Allowed {
		t.Errorf("Take(3000) after the refunds = %+v, %v; want allowed (no more than full, no less)", res, err)
	}
}

func TestMemoryForgetsFullBudgets(t *testing.T) {
	ctx := t.Context()
	m, clock := newTestMemory(t, Rate{Units: 10, Period: time.Hour})
	for i := range 100 {
		if _, err := m.Take(ctx, "caller-"+strconv.Itoa(i), 1+i%10); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Peek(ctx, "never-seen"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Take(ctx, "free", 0); err != nil {
		t.Fatal(err)
	}
	if got := m.size(); got != 100 {
		t.Fatalf("%d budgets held, want 100 (peeks and free takes add none)", got)
	}
	clock.Advance(time.Hour / 2) // budgets that spent 5 units or fewer are full again
	if _, err := m.Take(ctx, "late", 1); err != nil {
		t.Fatal(err)
	}
	if got := m.size(); got != 51 {
		t.Errorf("%d budgets held half an hour on, want 51 (50 still refilling, and late)", got)
	}
	clock.Advance(time.Hour)
	if _, err := m.Take(ctx, "later", 1); err != nil {
		t.Fatal(err)
	}
	if got := m.size(); got != 1 {
		t.Errorf("%d budgets held an hour on, want 1", got)
	}
	res, err := m.Peek(ctx, "caller-9")
	if err != nil || res.Remaining != 10 {
		t.Errorf("a forgotten caller = %+v, %v; want a full budget", res, err)
	}
}

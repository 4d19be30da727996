package cache

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable time source.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestMemoryExpiryBoundary(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	m := newMemory(clock.Now)
	mustSet(t, m, "k", []byte("v"), 10*time.Second)

	clock.Advance(10*time.Second - time.Nanosecond)
	wantValue(t, m, "k", []byte("v"))

	clock.Advance(time.Nanosecond) // exactly the ttl: no longer served
	wantMiss(t, m, "k")
	if n := m.size(); n != 0 {
		t.Fatalf("%d entries after a Get found the only one expired, want 0", n)
	}
}

func TestMemoryOverwriteRenewsTTL(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	m := newMemory(clock.Now)
	mustSet(t, m, "k", []byte("old"), time.Second)
	mustSet(t, m, "k", []byte("new"), time.Hour)
	clock.Advance(2 * time.Second)
	wantValue(t, m, "k", []byte("new"))
}

func TestMemorySweepsExpiredEntriesOnSet(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	m := newMemory(clock.Now)
	mustSet(t, m, "short", []byte("1"), time.Second)
	mustSet(t, m, "long", []byte("2"), time.Hour)

	clock.Advance(2 * time.Second)
	mustSet(t, m, "a", []byte("3"), time.Hour)
	if n := m.size(); n != 3 {
		t.Fatalf("%d entries before the sweep interval passed, want 3 (no sweep yet)", n)
	}

	clock.Advance(memorySweepInterval)
	mustSet(t, m, "b", []byte("4"), time.Hour)
	if n := m.size(); n != 3 {
		t.Fatalf("%d entries after the sweep, want 3 (long, a, b)", n)
	}
	wantValue(t, m, "long", []byte("2"))
}

func TestMemoryConcurrentUse(t *testing.T) {
	m := NewMemory()
	t.Cleanup(func() { _ = m.Close() })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			key := []string{"a", "b"}[i%2]
			for range 200 {
				if err := m.Set(t.Context(), key, []byte("v"), time.Minute); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := m.Get(t.Context(), key); err != nil {
					t.Error(err)
					return
				}
				if err := m.Delete(t.Context(), key); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

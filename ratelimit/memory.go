package ratelimit

import (
	"context"
	"maps"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxSweepInterval is how often, at most, a Memory limiter looks for callers
// whose budget is full again, to forget them.
const maxSweepInterval = time.Minute

// MemoryOptions configures NewMemory. The zero value is ready to use.
type MemoryOptions struct {
	// Now is the clock, default time.Now.
	Now func() time.Time
}

// Memory is a Limiter in process memory, for a gateway without Redis: each
// replica keeps budgets of its own. A budget is a golang.org/x/time/rate
// token bucket of Rate.Units tokens refilling at Units per Period.
//
// A caller whose budget is full again is indistinguishable from one never
// seen, so Memory forgets it: a refund that fills the budget drops it at
// once, and a sweep, run by Take at most once a minute (or once a Period,
// when shorter), drops every budget that has refilled. Memory therefore
// holds only the callers that spent units within the last Period, and starts
// no goroutine.
//
// A refund adds tokens with rate.Limiter.AllowN at a negative count, which
// x/time/rate applies as a deposit (capping at the burst on its next read).
// Reservation.Cancel cannot serve: it gives nothing back once the
// reservation's time has passed, which it has by the time an operation ran.
type Memory struct {
	rate          Rate
	limit         rate.Limit
	now           func() time.Time
	sweepInterval time.Duration

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns a Memory limiter of r, which must have come from
// ParseRate (or hold as much: Units ≥ 1, Period > 0).
func NewMemory(r Rate, opts MemoryOptions) (*Memory, error) {
	if err := r.valid(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Memory{
		rate:          r,
		limit:         rate.Limit(float64(r.Units) / r.Period.Seconds()),
		now:           opts.Now,
		sweepInterval: min(r.Period, maxSweepInterval),
		buckets:       make(map[string]*rate.Limiter),
		lastSweep:     opts.Now(),
	}, nil
}

// Take charges n units to key's budget when it holds them.
func (m *Memory) Take(_ context.Context, key string, n int) (Result, error) {
	return m.apply(key, n, true)
}

// Refund gives n units back to key's budget, up to full.
func (m *Memory) Refund(_ context.Context, key string, n int) (Result, error) {
	return m.apply(key, n, false)
}

// Peek reports key's budget: a refund of nothing.
func (m *Memory) Peek(_ context.Context, key string) (Result, error) {
	return m.apply(key, 0, false)
}

// apply takes n units from key's budget, or refunds them.
func (m *Memory) apply(key string, n int, take bool) (Result, error) {
	if err := checkCost(m.rate, n, take); err != nil {
		return Result{}, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if take {
		return m.takeLocked(now, key, n), nil
	}
	return m.refundLocked(now, key, n), nil
}

// takeLocked charges n units to key's budget at now. m.mu must be held.
func (m *Memory) takeLocked(now time.Time, key string, n int) Result {
	if now.Sub(m.lastSweep) >= m.sweepInterval {
		m.sweepLocked(now)
	}
	b := m.buckets[key]
	if b == nil {
		if n == 0 {
			return m.rate.result(now, true, 0, 0)
		}
		b = rate.NewLimiter(m.limit, m.rate.Units)
		m.buckets[key] = b
	}
	if b.AllowN(now, n) {
		return m.resultLocked(now, b, true, 0)
	}
	missing := float64(n) - b.TokensAt(now)
	return m.resultLocked(now, b, false, m.durationOf(missing))
}

// refundLocked gives n units back to key's budget at now, forgetting the
// budget when it is full. m.mu must be held.
func (m *Memory) refundLocked(now time.Time, key string, n int) Result {
	b := m.buckets[key]
	if b == nil {
		return m.rate.result(now, true, 0, 0)
	}
	if n > 0 {
		b.AllowN(now, -n)
	}
	res := m.resultLocked(now, b, true, 0)
	if b.TokensAt(now) >= float64(m.rate.Units) {
		delete(m.buckets, key)
	}
	return res
}

// resultLocked returns the Result of bucket b at now. m.mu must be held.
func (m *Memory) resultLocked(now time.Time, b *rate.Limiter, allowed bool, retryAfter time.Duration) Result {
	missing := float64(m.rate.Units) - b.TokensAt(now)
	return m.rate.result(now, allowed, m.durationOf(missing), retryAfter)
}

// durationOf returns the time the budget takes to refill units.
func (m *Memory) durationOf(units float64) time.Duration {
	return time.Duration(units / float64(m.limit) * float64(time.Second))
}

// sweepLocked forgets every budget that is full again. m.mu must be held.
func (m *Memory) sweepLocked(now time.Time) {
	full := float64(m.rate.Units)
	maps.DeleteFunc(m.buckets, func(_ string, b *rate.Limiter) bool { return b.TokensAt(now) >= full })
	m.lastSweep = now
}

// size returns the number of budgets held (for tests).
func (m *Memory) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}

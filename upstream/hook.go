package upstream

import (
	"context"
	"sync"
)

// Attempt describes one HTTP exchange with FreeScout about to be made.
type Attempt struct {
	Method  string
	Route   string // the endpoint's template, e.g. "GET /api/conversations/{id}"
	Attempt int    // 1 for the first try
}

// Hook runs around every HTTP exchange with FreeScout: every attempt of every
// request, reads and writes, retries included. It is the one place that sees
// each upstream call together with the context of the operation that caused
// it: the place for tracing spans, metrics and an operation's budget of
// upstream calls.
type Hook interface {
	// Before is called before the attempt. It may return a context carrying
	// something for After (a span), or an error to refuse the attempt: the
	// request then fails with that error and nothing is sent.
	Before(ctx context.Context, a Attempt) (context.Context, error)
	// After is called with Before's context once the attempt has ended
	// (including attempts that got no answer, and attempts a later hook
	// refused), for every hook whose Before let the attempt through.
	After(ctx context.Context, c Call)
}

// ObserverFunc is a Hook that only observes finished calls.
type ObserverFunc func(ctx context.Context, c Call)

// Before lets every attempt through.
func (f ObserverFunc) Before(ctx context.Context, _ Attempt) (context.Context, error) {
	return ctx, nil
}

// After calls f.
func (f ObserverFunc) After(ctx context.Context, c Call) { f(ctx, c) }

// limiter bounds the requests in flight to FreeScout from every client
// derived from one New, and shares the slots fairly between flows (one flow
// per GraphQL operation, see WithFlow): when a slot frees up and several
// flows wait, it goes to the waiting flow holding the fewest slots, so that
// one operation with a thousand calls to make cannot keep a one-call
// operation waiting behind all of them.
type limiter struct {
	mu    sync.Mutex
	free  int
	flows map[any]*flow
	seq   uint64 // orders waiters across flows, oldest first
}

// flow is one flow's share of a limiter.
type flow struct {
	inFlight int
	waiters  []*waiter
}

type waiter struct {
	ready chan struct{}
	seq   uint64
	done  bool // granted (under limiter.mu)
}

func newLimiter(n int) *limiter {
	return &limiter{free: n, flows: map[any]*flow{}}
}

// acquire waits for a slot for flow key, or until ctx is done.
func (l *limiter) acquire(ctx context.Context, key any) error {
	l.mu.Lock()
	f := l.flows[key]
	if f == nil {
		f = &flow{}
		l.flows[key] = f
	}
	if l.free > 0 {
		l.free--
		f.inFlight++
		l.mu.Unlock()
		return nil
	}
	l.seq++
	w := &waiter{ready: make(chan struct{}), seq: l.seq}
	f.waiters = append(f.waiters, w)
	l.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		if w.done {
			// Granted while giving up: hand the slot on.
			l.releaseLocked(key)
			return ctx.Err()
		}
		for i, x := range f.waiters {
			if x == w {
				f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
				break
			}
		}
		l.forgetLocked(key, f)
		return ctx.Err()
	}
}

// release gives back flow key's slot.
func (l *limiter) release(key any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(key)
}

func (l *limiter) releaseLocked(key any) {
	if f := l.flows[key]; f != nil {
		f.inFlight--
		l.forgetLocked(key, f)
	}
	// The slot goes to the waiting flow that holds the fewest; among equals,
	// to the one waiting longest.
	var best *flow
	for _, f := range l.flows {
		if len(f.waiters) == 0 {
			continue
		}
		if best == nil || f.inFlight < best.inFlight || f.inFlight == best.inFlight && f.waiters[0].seq < best.waiters[0].seq {
			best = f
		}
	}
	if best == nil {
		l.free++
		return
	}
	w := best.waiters[0]
	best.waiters = best.waiters[1:]
	best.inFlight++
	w.done = true
	close(w.ready)
}

// forgetLocked drops the state of a flow that holds and awaits nothing.
func (l *limiter) forgetLocked(key any, f *flow) {
	if f.inFlight == 0 && len(f.waiters) == 0 {
		delete(l.flows, key)
	}
}

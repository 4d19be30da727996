package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// contractRate is the rate of the scenarios both implementations run: one
// unit comes back every 6 minutes, so the Redis limiter, which keeps the
// Redis server's time, sees no refill during a test (a unit would take 6
// minutes; the assertions allow for up to one).
var contractRate = Rate{Units: 10, Period: time.Hour}

// replicas returns two limiters drawing from the same budgets (for Memory,
// one limiter twice), and the clock their ResetAt is computed from.
type replicas func(t *testing.T, r Rate) (a, b Limiter)

// call is one Limiter call of a scenario and the Result it must give.
type call struct {
	name          string
	do            func(ctx context.Context) (Result, error)
	allowed       bool
	remaining     int
	untilFull     time.Duration // ResetAt − now, within a minute
	retryAfterMin time.Duration // a refusal's RetryAfter lies in (retryAfterMin, retryAfterMin + 6 min]
}

func testContract(t *testing.T, open replicas) {
	ctx := t.Context()
	a, b := open(t, contractRate)
	const key = "caller-1"
	unit := 6 * time.Minute
	calls := []call{
		{name: "peek a fresh budget", do: func(ctx context.Context) (Result, error) { return a.Peek(ctx, key) },
			allowed: true, remaining: 10},
		{name: "take 6 on a", do: func(ctx context.Context) (Result, error) { return a.Take(ctx, key, 6) },
			allowed: true, remaining: 4, untilFull: 6 * unit},
		{name: "take 4 on b", do: func(ctx context.Context) (Result, error) { return b.Take(ctx, key, 4) },
			allowed: true, remaining: 0, untilFull: 10 * unit},
		{name: "take 1 on a: refused", do: func(ctx context.Context) (Result, error) { return a.Take(ctx, key, 1) },
			allowed: false, remaining: 0, untilFull: 10 * unit, retryAfterMin: 0},
		{name: "take 0 on a", do: func(ctx context.Context) (Result, error) { return a.Take(ctx, key, 0) },
			allowed: true, remaining: 0, untilFull: 10 * unit},
		{name: "refund 3 on b", do: func(ctx context.Context) (Result, error) { return b.Refund(ctx, key, 3) },
			allowed: true, remaining: 3, untilFull: 7 * unit},
		{name: "take 5 on a: refused", do: func(ctx context.Context) (Result, error) { return a.Take(ctx, key, 5) },
			allowed: false, remaining: 3, untilFull: 7 * unit, retryAfterMin: unit},
		{name: "the refusal charged nothing", do: func(ctx context.Context) (Result, error) { return b.Peek(ctx, key) },
			allowed: true, remaining: 3, untilFull: 7 * unit},
		{name: "take 3 on a", do: func(ctx context.Context) (Result, error) { return a.Take(ctx, key, 3) },
			allowed: true, remaining: 0, untilFull: 10 * unit},
		{name: "refund 0 on b", do: func(ctx context.Context) (Result, error) { return b.Refund(ctx, key, 0) },
			allowed: true, remaining: 0, untilFull: 10 * unit},
		{name: "refund 2 on b", do: func(ctx context.Context) (Result, error) { return b.Refund(ctx, key, 2) },
			allowed: true, remaining: 2, untilFull: 8 * unit},
		{name: "refund 8 on a: full", do: func(ctx context.Context) (Result, error) { return a.Refund(ctx, key, 8) },
			allowed: true, remaining: 10},
		{name: "full on b", do: func(ctx context.Context) (Result, error) { return b.Peek(ctx, key) },
			allowed: true, remaining: 10},
		{name: "take 7 on b", do: func(ctx context.Context) (Result, error) { return b.Take(ctx, key, 7) },
			allowed: true, remaining: 3, untilFull: 7 * unit},
		{name: "refund 100 on a: no more than full", do: func(ctx context.Context) (Result, error) { return a.Refund(ctx, key, 100) },
			allowed: true, remaining: 10},
		{name: "take 10 on a: the whole budget", do: func(ctx context.Context) (Result, error) { return a.Take(ctx, key, 10) },
			allowed: true, remaining: 0, untilFull: 10 * unit},
		{name: "another caller is apart", do: func(ctx context.Context) (Result, error) { return b.Take(ctx, "caller-2", 1) },
			allowed: true, remaining: 9, untilFull: unit},
		{name: "and the first stays spent", do: func(ctx context.Context) (Result, error) { return b.Peek(ctx, key) },
			allowed: true, remaining: 0, untilFull: 10 * unit},
	}
	for _, c := range calls {
		before := time.Now()
		res, err := c.do(ctx)
		after := time.Now()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Allowed != c.allowed || res.Limit != 10 || res.Remaining != c.remaining {
			t.Errorf("%s: allowed %v, limit %d, remaining %d; want %v, 10, %d", c.name, res.Allowed, res.Limit, res.Remaining, c.allowed, c.remaining)
		}
		if res.ResetAt.Before(before.Add(c.untilFull-time.Minute)) || res.ResetAt.After(after.Add(c.untilFull)) {
			t.Errorf("%s: ResetAt in %s, want about %s", c.name, res.ResetAt.Sub(before), c.untilFull)
		}
		switch {
		case c.allowed && res.RetryAfter != 0:
			t.Errorf("%s: allowed with RetryAfter %s", c.name, res.RetryAfter)
		case !c.allowed && (res.RetryAfter <= c.retryAfterMin || res.RetryAfter > c.retryAfterMin+unit):
			t.Errorf("%s: RetryAfter %s, want in (%s, %s]", c.name, res.RetryAfter, c.retryAfterMin, c.retryAfterMin+unit)
		}
	}

	if _, err := a.Take(ctx, key, 11); !errors.Is(err, ErrCostExceedsLimit) {
		t.Errorf("Take(11 of 10) = %v, want ErrCostExceedsLimit", err)
	}
	if _, err := a.Take(ctx, key, -1); err == nil {
		t.Error("Take(-1): no error")
	}
	if _, err := a.Refund(ctx, key, -1); err == nil {
		t.Error("Refund(-1): no error")
	}
}

// inParallel runs work on the given number of goroutines, alternately
// drawing on a and b, and fails the test with the first error.
func inParallel(t *testing.T, a, b Limiter, workers int, work func(l Limiter, w int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		l := a
		if w%2 == 1 {
			l = b
		}
		wg.Go(func() {
			if err := work(l, w); err != nil {
				errs <- fmt.Errorf("worker %d: %w", w, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// testConcurrentTakes spends one budget from many goroutines on both
// replicas: exactly the budget is allowed.
func testConcurrentTakes(t *testing.T, open replicas) {
	const units = 100
	a, b := open(t, Rate{Units: units, Period: time.Hour})
	var allowed atomic.Int64
	inParallel(t, a, b, 8, func(l Limiter, _ int) error {
		for range 40 {
			res, err := l.Take(t.Context(), "shared", 1)
			if err != nil {
				return err
			}
			if res.Allowed {
				allowed.Add(1)
			}
		}
		return nil
	})
	if got := allowed.Load(); got != units {
		t.Errorf("%d takes of 1 allowed from a budget of %d", got, units)
	}
	if res, err := a.Peek(t.Context(), "shared"); err != nil || res.Remaining != 0 {
		t.Errorf("Peek after = %+v, %v; want nothing remaining", res, err)
	}
}

// testConcurrentRefunds takes and refunds from many goroutines: every unit
// comes back, and the budget ends full.
func testConcurrentRefunds(t *testing.T, open replicas) {
	const units = 20
	a, b := open(t, Rate{Units: units, Period: time.Hour})
	inParallel(t, a, b, 8, func(l Limiter, w int) error {
		for i := range 25 {
			n := 1 + (w+i)%3
			res, err := l.Take(t.Context(), "busy", n)
			if err == nil && res.Allowed {
				_, err = l.Refund(t.Context(), "busy", n)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if res, err := b.Peek(t.Context(), "busy"); err != nil || res.Remaining != units {
		t.Errorf("Peek after = %+v, %v; want the whole budget", res, err)
	}
}

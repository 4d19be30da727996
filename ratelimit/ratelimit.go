// Package ratelimit holds the cost budget of each caller (RATE_LIMIT): a
// number of units, FreeScout calls, per period, that refills continuously.
//
// The gateway charges an operation's estimated cost before it runs (Take),
// refusing it when the caller's budget lacks that much, and gives back what
// the operation did not use once it has run (Refund, estimated − actual). The
// budget never goes below empty nor above full: a Take that does not fit
// charges nothing, and a Refund that would overfill stops at full.
//
// Two Limiter implementations exist: Redis, one budget per caller shared by
// every replica (GCRA, go-redis/redis_rate), and Memory, per process
// (golang.org/x/time/rate token buckets). Both implement the same semantics;
// the Redis one keeps time by the Redis server's clock, the Memory one by its
// own (injectable) clock.
//
// Keys name callers. They are stored as they are given, so they must not be
// secrets: pass a caller name, or a hash of a credential.
package ratelimit

import (
	"context"
	"errors"
	"math"
	"time"
)

// ErrCostExceedsLimit is returned by Take for a cost larger than the whole
// budget: an operation that could never run, however long the caller waits.
// The gateway prevents it by requiring MAX_COST ≤ the budget at start-up.
var ErrCostExceedsLimit = errors.New("ratelimit: cost exceeds the whole budget")

// Limiter keeps a cost budget per caller key. Implementations: *Redis, *Memory.
// Every method is safe for concurrent use.
type Limiter interface {
	// Take charges n units (the operation's estimated cost) to key's budget
	// if it holds that many, and reports Allowed. When it does not, nothing
	// is charged: Allowed is false and RetryAfter says when n units will be
	// there. n == 0 is always allowed and charges nothing; n < 0 is an error;
	// n > the Rate's Units is ErrCostExceedsLimit.
	Take(ctx context.Context, key string, n int) (Result, error)
	// Refund gives n units back to key's budget (estimated − actual, once
	// the operation has run), never filling it beyond full, and reports the
	// budget's state after. n == 0 only reports it; n < 0 is an error.
	Refund(ctx context.Context, key string, n int) (Result, error)
	// Peek reports key's budget without changing it; Allowed is true.
	Peek(ctx context.Context, key string) (Result, error)
}

// Result is the state of a caller's budget after a Limiter call, for the
// response (extensions.cost, the rateLimit field, Retry-After).
type Result struct {
	// Allowed reports whether Take charged the units (always true for Refund
	// and Peek).
	Allowed bool
	// Limit is the whole budget, the Rate's Units.
	Limit int
	// Remaining is how many whole units the budget holds now, after the
	// charge or refund: 0 ≤ Remaining ≤ Limit.
	Remaining int
	// RetryAfter is, for a refused Take, how long until the budget holds the
	// units asked for (at least a nanosecond); 0 otherwise.
	RetryAfter time.Duration
	// ResetAt is when the budget is full again if nothing more is charged;
	// now, when it is full.
	ResetAt time.Time
}

// RetryAfterSeconds returns RetryAfter in whole seconds, rounded up, for the
// Retry-After header and extensions.retryAfter: at least 1 for a refusal, 0
// when the Take was allowed.
func (r Result) RetryAfterSeconds() int {
	if r.RetryAfter <= 0 {
		return 0
	}
	return int(math.Ceil(r.RetryAfter.Seconds()))
}

// checkCost validates the n of a Take or Refund.
func checkCost(rate Rate, n int, take bool) error {
	switch {
	case n < 0:
		return errors.New("ratelimit: negative cost")
	case take && n > rate.Units:
		return ErrCostExceedsLimit
	}
	return nil
}

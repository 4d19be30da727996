package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Defaults for RedisOptions.
const (
	defaultRedisPrefix    = "scoutgraph:v1:ratelimit:"
	defaultRedisOpTimeout = 150 * time.Millisecond
)

// RedisOptions configures NewRedis. The zero value is ready to use.
type RedisOptions struct {
	// Prefix is put before every caller key, default
	// "scoutgraph:v1:ratelimit:". redis_rate puts its own "rate:" before
	// that: a budget lives under "rate:" + Prefix + key.
	Prefix string
	// OpTimeout bounds each Redis call (with the caller's earlier deadline),
	// default 150ms. go-redis applies it to socket I/O only when the client
	// has ContextTimeoutEnabled.
	OpTimeout time.Duration
	// Now is the clock ResetAt is computed from, default time.Now. Budgets
	// themselves are kept by the Redis server's clock.
	Now func() time.Time
}

// Redis is a Limiter in Redis, shared by every replica: each caller key has
// one budget whatever replica charges it. It is built on go-redis/redis_rate
// (GCRA in a Lua script, one key per caller holding the time at which the
// budget is full again, expiring then).
//
// Take is redis_rate's AllowN, which refuses without charging. Refund is
// AllowN with a negative count, which moves the full-again time back, and
// redis_rate's "full again" clamp (the time is never earlier than now) keeps
// a refund from overfilling the budget. One case needs more: when the refund
// would fill the budget, the script computes a full-again time in the past
// and, not storing it, leaves the old one; Refund then deletes the key
// (redis_rate's Reset), which is the full state. The delete is a second round
// trip: a charge another replica makes to the same caller between the two is
// forgiven. That race only happens on a refund that fills the budget, and it
// only ever gives the caller back one concurrent operation's cost.
//
// Errors are Redis's (or the context's); the gateway decides whether an
// operation runs when its caller's budget cannot be read.
type Redis struct {
	limiter   *redis_rate.Limiter
	limit     redis_rate.Limit
	rate      Rate
	prefix    string
	opTimeout time.Duration
	now       func() time.Time
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a Redis limiter of r over client (a *redis.Client, or a
// *redis.ClusterClient: every call touches one key). r must have come from
// ParseRate (or hold as much: Units ≥ 1, Period > 0).
func NewRedis(client redis.UniversalClient, r Rate, opts RedisOptions) (*Redis, error) {
	if err := r.valid(); err != nil {
		return nil, err
	}
	if opts.Prefix == "" {
		opts.Prefix = defaultRedisPrefix
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = defaultRedisOpTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Redis{
		limiter:   redis_rate.NewLimiter(client),
		limit:     redis_rate.Limit{Rate: r.Units, Burst: r.Units, Period: r.Period},
		rate:      r,
		prefix:    opts.Prefix,
		opTimeout: opts.OpTimeout,
		now:       opts.Now,
	}, nil
}

// Take charges n units to key's budget when it holds them.
func (l *Redis) Take(ctx context.Context, key string, n int) (Result, error) {
	if err := checkCost(l.rate, n, true); err != nil {
		return Result{}, err
	}
	res, err := l.allowN(ctx, key, n)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: take %d: %w", n, err)
	}
	// AllowN reports how many units it charged: n, or 0 when it refused.
	// n == 0 is always allowed.
	allowed := n == 0 || res.Allowed > 0
	return l.rate.result(l.now(), allowed, res.ResetAfter, res.RetryAfter), nil
}

// Refund gives n units back to key's budget, up to full.
func (l *Redis) Refund(ctx context.Context, key string, n int) (Result, error) {
	if err := checkCost(l.rate, n, false); err != nil {
		return Result{}, err
	}
	res, err := l.allowN(ctx, key, -n)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: refund %d: %w", n, err)
	}
	if n > 0 && res.ResetAfter <= 0 {
		// The refund fills the budget, and redis_rate did not store that.
		ctx, cancel := context.WithTimeout(ctx, l.opTimeout)
		defer cancel()
		if err := l.limiter.Reset(ctx, l.prefix+key); err != nil {
			return Result{}, fmt.Errorf("ratelimit: refund %d: %w", n, err)
		}
	}
	return l.rate.result(l.now(), true, res.ResetAfter, 0), nil
}

// Peek reports key's budget. It is AllowN of nothing, which charges nothing.
func (l *Redis) Peek(ctx context.Context, key string) (Result, error) {
	res, err := l.allowN(ctx, key, 0)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: peek: %w", err)
	}
	return l.rate.result(l.now(), true, res.ResetAfter, 0), nil
}

// allowN runs redis_rate's AllowN within the operation timeout.
func (l *Redis) allowN(ctx context.Context, key string, n int) (*redis_rate.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, l.opTimeout)
	defer cancel()
	return l.limiter.AllowN(ctx, l.prefix+key, l.limit, n)
}

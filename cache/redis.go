package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for RedisOptions.
const (
	defaultRedisPrefix    = "scoutgraph:v1:"
	defaultRedisOpTimeout = 150 * time.Millisecond
)

// RedisOptions configures NewRedis. The zero value is ready to use.
type RedisOptions struct {
	Prefix    string        // default "scoutgraph:v1:" — versioned key prefix, applied to every key
	OpTimeout time.Duration // per-operation timeout, default 150ms, so a slow Redis never stalls a request
}

// Redis is a Cache in Redis, shared by every gateway replica.
//
// Every key is stored under RedisOptions.Prefix; every value carries a TTL
// set with SET PX/EX, so Redis itself expires it. Each operation is bounded
// by RedisOptions.OpTimeout (or the caller's earlier deadline).
type Redis struct {
	client    redis.UniversalClient
	prefix    string
	opTimeout time.Duration

	closeOnce sync.Once
	closeErr  error
}

var _ Cache = (*Redis)(nil)

// NewRedis returns a Redis cache for rawURL. It connects lazily: an
// unreachable Redis is reported by the first operation (or Ping), not here.
//
// Accepted URL forms (all parsed by go-redis itself; see redis.ParseURL,
// redis.ParseClusterURL and redis.ParseFailoverURL for every query option):
//
//	redis://[[user]:password@]host[:port][/db][?option=value...]
//	    a single node; port defaults to 6379, db to 0.
//	rediss://...
//	    the same over TLS (and likewise for the two forms below).
//	unix://[[user]:password@]/path/to/redis.sock[?db=N]
//	    a single node over a Unix socket.
//	redis://[[user]:password@]host:port?addr=host2:port&addr=host3:port
//	    Redis Cluster: one or more addr parameters select cluster mode; the
//	    host and every addr are seed nodes. Only database 0 exists in a
//	    cluster, so a path other than /0 is an error.
//	redis://[[user]:password@]sentinel1:26379[/db]?master_name=mymaster[&addr=sentinel2:26379...]
//	    Redis Sentinel: a master_name parameter selects sentinel mode; the
//	    host and every addr are sentinels. The userinfo authenticates to the
//	    sentinels; the master's own credentials go in the username and
//	    password query parameters (go-redis's convention).
//
// Other schemes and malformed URLs are rejected with an error that never
// contains the password. Some go-redis defaults are changed to suit a cache
// that must answer within OpTimeout: context deadlines bound socket I/O
// (context_timeout_enabled is always on), a failed dial is not retried
// (cluster and sentinel URLs, whose go-redis parsers accept dialer_retries,
// may ask for retries), and a failed command is retried once, not three
// times (max_retries overrides).
func NewRedis(rawURL string, opts RedisOptions) (*Redis, error) {
	cfg, err := parseRedisURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.Prefix == "" {
		opts.Prefix = defaultRedisPrefix
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = defaultRedisOpTimeout
	}
	return &Redis{
		client:    cfg.newClient(),
		prefix:    opts.Prefix,
		opTimeout: opts.OpTimeout,
	}, nil
}

// Get returns the value stored under key.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	val, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: redis get: %w", err)
	}
	return val, true, nil
}

// Set stores val under key with a Redis-side TTL. ttl must be positive. It
// is truncated to whole milliseconds, so the value does not outlive it; a
// ttl under a millisecond becomes one millisecond, Redis's resolution.
func (r *Redis) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache: redis set: ttl must be positive, got %s", ttl)
	}
	ttl = max(ttl.Truncate(time.Millisecond), time.Millisecond)
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	if err := r.client.Set(ctx, r.prefix+key, val, ttl).Err(); err != nil {
		return fmt.Errorf("cache: redis set: %w", err)
	}
	return nil
}

// Add stores val under key with a TTL unless the key exists (SET NX).
func (r *Redis) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("cache: redis add: ttl must be positive, got %s", ttl)
	}
	ttl = max(ttl.Truncate(time.Millisecond), time.Millisecond)
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	ok, err := r.client.SetNX(ctx, r.prefix+key, val, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("cache: redis add: %w", err)
	}
	return ok, nil
}

// Delete removes the keys. Several keys are deleted in one pipeline of
// single-key DELs, which works on a cluster whatever the keys' hash slots.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	var err error
	if len(keys) == 1 {
		err = r.client.Del(ctx, r.prefix+keys[0]).Err()
	} else {
		_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, r.prefix+k)
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("cache: redis delete: %w", err)
	}
	return nil
}

// Ping checks that Redis answers within the operation timeout.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cache: redis ping: %w", err)
	}
	return nil
}

// Client returns the Redis client, for the other parts of the gateway that
// keep shared state in the same Redis (rate limits, persisted queries, the
// event bus). They must not close it: Close does.
func (r *Redis) Client() redis.UniversalClient { return r.client }

// Close closes the connection pool. Close is idempotent; operations after
// Close fail.
func (r *Redis) Close() error {
	r.closeOnce.Do(func() {
		if err := r.client.Close(); err != nil {
			r.closeErr = fmt.Errorf("cache: redis close: %w", err)
		}
	})
	return r.closeErr
}

// TTL returns the remaining time to live of key (the unprefixed name, as
// given to Set). It is meant for tests and operations. A key that does not
// exist, or that exists without an expiry (which Set never produces), is
// reported as an error.
func (r *Redis) TTL(ctx context.Context, key string) (time.Duration, error) {
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	ttl, err := r.client.PTTL(ctx, r.prefix+key).Result()
	if err != nil {
		return 0, fmt.Errorf("cache: redis ttl: %w", err)
	}
	// PTTL answers -2 for a missing key and -1 for a key without expiry;
	// go-redis passes both through unscaled.
	switch ttl {
	case -2:
		return 0, errors.New("cache: redis ttl: key does not exist")
	case -1:
		return 0, errors.New("cache: redis ttl: key has no expiry")
	}
	return ttl, nil
}

// opContext bounds one operation by the configured timeout.
func (r *Redis) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.opTimeout)
}

package cache

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	// defaultStoreTTL is StoreOptions.TTL's default.
	defaultStoreTTL = 10 * time.Minute
	// loadTimeout bounds a shared load, which runs detached from its callers'
	// cancellation (see GetOrLoad).
	loadTimeout = 30 * time.Second
	// detachedOpTimeout bounds the cache operations a shared load performs
	// on behalf of callers that may already be gone. A Redis cache applies
	// its own, shorter, OpTimeout within it.
	detachedOpTimeout = 2 * time.Second
	// checkTimeout bounds Check's ping.
	checkTimeout = time.Second
)

// StoreOptions configures NewStore. The zero value is ready to use.
type StoreOptions struct {
	TTL        time.Duration   // default 10 * time.Minute
	Logger     *slog.Logger    // nil = discard
	OnFallback func(op string) // called each time a cache error is tolerated (op: "get", "set", "delete"); server wires a Prometheus counter; may be nil
}

// Store wraps a Cache with JSON-free byte loading, singleflight and outage tolerance.
//
// It is what every caller uses: values are opaque bytes (the caller encodes
// them), concurrent misses on one key share a single load, and a failing
// cache degrades to calling the loader instead of failing the request.
// A Store is safe for concurrent use. It does not own the Cache: closing
// the Cache is the caller's job.
type Store struct {
	cache      Cache
	ttl        time.Duration
	log        *slog.Logger
	onFallback func(op string)

	group    singleflight.Group
	degraded atomic.Bool
}

// NewStore returns a Store over c. opts.OnFallback may be called from
// several goroutines at once.
func NewStore(c Cache, opts StoreOptions) *Store {
	if opts.TTL <= 0 {
		opts.TTL = defaultStoreTTL
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.OnFallback == nil {
		opts.OnFallback = func(string) {}
	}
	return &Store{
		cache:      c,
		ttl:        opts.TTL,
		log:        opts.Logger,
		onFallback: opts.OnFallback,
	}
}

// GetOrLoad returns the cached value for key, or calls load once (singleflight per key across
// concurrent callers in this process), stores the result with ttl (0 = StoreOptions.TTL) and returns it.
// A cache error never fails the call: it falls back to load, logs ONCE per outage (log again only after
// the cache has recovered and failed again; log recovery at info), and calls OnFallback.
// Errors from load are returned as is (wrapped) and not cached.
//
// Cancellation: the shared load runs under context.WithoutCancel of the
// context of the caller that started it, so it keeps that context's values
// but not its cancellation or deadline, and is bounded instead by a fixed
// 30-second timeout. Each caller waits with its own ctx: a caller whose
// context ends gets ctx.Err() at once, while the load carries on for the
// callers still waiting and fills the cache for later ones. Because the load
// may see the values of any one of the callers' contexts, key must identify
// everything the loaded value depends on (for example the FreeScout key it
// is fetched with).
//
// The shared load first looks in the cache once more (unless the store is
// degraded): a caller may have missed just before another flight for the
// key stored its value, and that look keeps the load to once per key.
//
// A value returned to several concurrent callers is copied for each, so
// callers may modify what they receive. A panic in load is recovered and
// returned as an error to every waiting caller. A ttl below zero counts as 0.
func (s *Store) GetOrLoad(ctx context.Context, key string, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cache: get or load: %w", err)
	}
	if ttl <= 0 {
		ttl = s.ttl
	}

	val, ok, err := s.cache.Get(ctx, key)
	switch {
	case err != nil && ctx.Err() != nil:
		// The caller gave up; that says nothing about the cache.
		return nil, fmt.Errorf("cache: get or load: %w", ctx.Err())
	case err != nil:
		s.failed(ctx, "get", err)
	default:
		s.recovered(ctx)
		if ok {
			return val, nil
		}
	}

	ch := s.group.DoChan(key, func() (any, error) {
		return s.load(context.WithoutCancel(ctx), key, ttl, load)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		val := res.Val.([]byte)
		if res.Shared {
			val = bytes.Clone(val)
		}
		return val, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("cache: get or load: %w", ctx.Err())
	}
}

// load is the shared part of GetOrLoad, run once per key and flight. ctx is
// already detached from the callers' cancellation.
func (s *Store) load(ctx context.Context, key string, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	// A caller may have missed just before another flight for the same key
	// stored its value and ended; look again so that the load really runs
	// once. Skipped during an outage, where it would only fail again.
	if !s.degraded.Load() {
		opCtx, cancel := context.WithTimeout(ctx, detachedOpTimeout)
		v, ok, err := s.cache.Get(opCtx, key)
		cancel()
		switch {
		case err != nil:
			s.failed(ctx, "get", err)
		case ok:
			return v, nil
		}
	}

	val, err := s.callLoad(ctx, load)
	if err != nil {
		return nil, err
	}

	opCtx, cancel := context.WithTimeout(ctx, detachedOpTimeout)
	defer cancel()
	if err := s.cache.Set(opCtx, key, val, ttl); err != nil {
		s.failed(ctx, "set", err)
	} else {
		s.recovered(ctx)
	}
	return val, nil
}

// callLoad runs load under loadTimeout. A panic in load would otherwise
// crash the process, since singleflight.DoChan runs it on a goroutine of
// its own; it becomes an error carrying the stack instead.
func (s *Store) callLoad(ctx context.Context, load func(ctx context.Context) ([]byte, error)) (val []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			val, err = nil, &loadPanicError{value: p, stack: debug.Stack()}
		}
	}()
	val, err = load(ctx)
	if err != nil {
		return nil, fmt.Errorf("cache: load: %w", err)
	}
	if val == nil {
		val = []byte{} // what the cache will give back for it; and never (nil, nil)
	}
	return val, nil
}

// loadPanicError is a panic recovered from a load function.
type loadPanicError struct {
	value any
	stack []byte
}

// Error returns the panic value and the stack of the panicking goroutine.
func (e *loadPanicError) Error() string {
	return fmt.Sprintf("cache: load panicked: %v\n\n%s", e.value, e.stack)
}

// Unwrap returns the panic value if it is an error.
func (e *loadPanicError) Unwrap() error {
	err, _ := e.value.(error)
	return err
}

// Invalidate deletes the keys from the cache, so that the next GetOrLoad
// loads them afresh. The delete runs detached from ctx's cancellation
// (bounded by a short timeout of its own), so that an invalidation is not
// lost because the request that triggered it ended.
//
// Invalidate also detaches the keys' loads in flight in this process, so
// that later callers do not join a load that began before the invalidation.
// Such a load may still store its value when it ends; the TTL bounds how
// long that value lives. Cache errors are tolerated (logged once per
// outage, counted by OnFallback): a value that could not be deleted
// likewise lives until its TTL.
func (s *Store) Invalidate(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	for _, k := range keys {
		s.group.Forget(k)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), detachedOpTimeout)
	defer cancel()
	if err := s.cache.Delete(ctx, keys...); err != nil {
		s.failed(ctx, "delete", err)
		return
	}
	s.recovered(ctx)
}

// Get, Set and Add are the cache's own operations for values that are not
// loaded from FreeScout (records the gateway keeps itself, such as
// idempotency keys), with the store's outage bookkeeping. Unlike GetOrLoad
// they report cache errors: such a record has no source to fall back to.

// Get returns the value stored under key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := s.cache.Get(ctx, key)
	s.note(ctx, "get", err)
	return v, ok, err
}

// Set stores val under key for ttl.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	err := s.cache.Set(ctx, key, val, ttl)
	s.note(ctx, "set", err)
	return err
}

// Add stores val under key for ttl unless a value is stored there.
func (s *Store) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	ok, err := s.cache.Add(ctx, key, val, ttl)
	s.note(ctx, "add", err)
	return ok, err
}

func (s *Store) note(ctx context.Context, op string, err error) {
	if err != nil {
		s.failed(ctx, op, err)
		return
	}
	s.recovered(ctx)
}

// Check reports the cache's health for /readyz: Ping with a short timeout; nil when healthy.
// Its result also updates Degraded, so that a probe notices an outage, and
// its end, even when no request touches the cache.
func (s *Store) Check(ctx context.Context) error {
	pingCtx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := s.cache.Ping(pingCtx); err != nil {
		if ctx.Err() == nil { // a caller that gave up says nothing about the cache
			s.noteOutage(ctx, "ping", err)
		}
		return fmt.Errorf("cache: check: %w", err)
	}
	s.recovered(ctx)
	return nil
}

// Degraded reports whether the store believes the cache is in an outage:
// true from a failed cache operation until the next successful one.
func (s *Store) Degraded() bool {
	return s.degraded.Load()
}

// failed records a tolerated cache error for op.
func (s *Store) failed(ctx context.Context, op string, err error) {
	s.onFallback(op)
	s.noteOutage(ctx, op, err)
}

// noteOutage marks the cache degraded, logging only when an outage begins,
// with the context of the call that noticed it (a request's, whose log
// fields the line then carries).
func (s *Store) noteOutage(ctx context.Context, op string, err error) {
	if s.degraded.CompareAndSwap(false, true) {
		s.log.WarnContext(ctx, "cache unavailable, serving from the source until it recovers", "op", op, "err", err)
	}
}

// recovered marks the cache healthy, logging only when an outage ends.
func (s *Store) recovered(ctx context.Context) {
	if s.degraded.CompareAndSwap(true, false) {
		s.log.InfoContext(ctx, "cache recovered")
	}
}

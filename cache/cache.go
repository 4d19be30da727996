// Package cache holds the gateway's shared cache of slow-changing FreeScout
// data (mailbox custom-field definitions, the mailbox list, the user
// directory).
//
// Two Cache implementations exist: Memory, a per-process map used when no
// Redis is configured, and Redis, shared by every replica. Callers do not use
// a Cache directly: they go through a Store, which adds per-key singleflight
// loading, a default TTL and outage tolerance, so that a broken cache only
// ever costs an extra upstream call and never fails a request.
package cache

import (
	"context"
	"time"
)

// Cache is a byte-value store with per-entry TTL. Implementations: *Memory, *Redis.
//
// A value is never served once its TTL has passed. Set requires a positive
// TTL: the cache holds copies of upstream data and must not keep them forever.
// Implementations are safe for concurrent use.
type Cache interface {
	// Get returns the value stored under key. A missing or expired key is
	// reported as ok == false with a nil error.
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	// Set stores val under key for ttl, replacing any previous value.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Add stores val under key for ttl only if no value is stored there
	// (or it has expired), atomically, and reports whether it did: the
	// claim of a key by one of many concurrent writers.
	Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	// Delete removes the keys; keys that do not exist are ignored.
	Delete(ctx context.Context, keys ...string) error
	// Ping reports whether the cache is reachable.
	Ping(ctx context.Context) error
	// Close releases the cache's resources. Operations after Close fail.
	Close() error
}

package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// memorySweepInterval is how often, at most, a write sweeps expired entries
// out of a Memory cache.
const memorySweepInterval = time.Minute

// Memory is an in-process Cache, the default when no Redis is configured.
//
// Expiry is checked on every Get, so an expired value is never served.
// Expired entries are also removed lazily: a Get that finds one deletes it,
// and a Set sweeps the whole map when the last sweep is older than a minute.
// Memory starts no goroutine, so there is nothing to leak; Close only drops
// the entries. Values are copied in and out, so callers may modify the
// slices they pass and receive.
//
// Memory has no size bound: it is meant for a small working set of
// slow-changing data whose TTL keeps it fresh.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	entries   map[string]memoryEntry
	lastSweep time.Time
	closed    bool
}

type memoryEntry struct {
	val       []byte
	expiresAt time.Time
}

var _ Cache = (*Memory)(nil)

// NewMemory returns an empty in-memory cache.
func NewMemory() *Memory {
	return newMemory(time.Now)
}

// newMemory returns an empty in-memory cache reading time from now.
func newMemory(now func() time.Time) *Memory {
	return &Memory{
		now:       now,
		entries:   make(map[string]memoryEntry),
		lastSweep: now(),
	}
}

// Get returns a copy of the value stored under key, if it has not expired.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, false, errMemoryClosed()
	}
	e, ok := m.entries[key]
	if !ok {
		return nil, false, nil
	}
	if !m.now().Before(e.expiresAt) {
		delete(m.entries, key)
		return nil, false, nil
	}
	return bytes.Clone(e.val), true, nil
}

// Set stores a copy of val under key for ttl, which must be positive.
func (m *Memory) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache: memory set: ttl must be positive, got %s", ttl)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errMemoryClosed()
	}
	now := m.now()
	if now.Sub(m.lastSweep) >= memorySweepInterval {
		m.sweepLocked(now)
	}
	// Copy into a non-nil slice, so that an empty value reads back empty and
	// non-nil, exactly as it does from Redis.
	v := make([]byte, len(val))
	copy(v, val)
	m.entries[key] = memoryEntry{val: v, expiresAt: now.Add(ttl)}
	return nil
}

// Add stores a copy of val under key for ttl unless a value that has not
// expired is stored there.
func (m *Memory) Add(_ context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("cache: memory add: ttl must be positive, got %s", ttl)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, errMemoryClosed()
	}
	now := m.now()
	if e, ok := m.entries[key]; ok && now.Before(e.expiresAt) {
		return false, nil
	}
	m.entries[key] = memoryEntry{val: bytes.Clone(val), expiresAt: now.Add(ttl)}
	return true, nil
}

// Delete removes the keys; missing keys are ignored.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errMemoryClosed()
	}
	for _, k := range keys {
		delete(m.entries, k)
	}
	return nil
}

// Ping reports an error only after Close.
func (m *Memory) Ping(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errMemoryClosed()
	}
	return nil
}

// Close drops every entry; later operations fail. Close is idempotent.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.entries = nil
	return nil
}

// sweepLocked removes every expired entry. m.mu must be held.
func (m *Memory) sweepLocked(now time.Time) {
	for k, e := range m.entries {
		if !now.Before(e.expiresAt) {
			delete(m.entries, k)
		}
	}
	m.lastSweep = now
}

// size returns the number of entries held, expired or not (for tests).
func (m *Memory) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func errMemoryClosed() error {
	return errors.New("cache: memory cache is closed")
}

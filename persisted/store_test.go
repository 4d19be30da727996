package persisted

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/cache"
)

// recordingCache is a cache.Memory that remembers the key and TTL of its
// last Set.
type recordingCache struct {
	*cache.Memory
	key string
	ttl time.Duration
}

func (c *recordingCache) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	c.key, c.ttl = key, ttl
	return c.Memory.Set(ctx, key, val, ttl)
}

func TestHash(t *testing.T) {
	// The hash Apollo's link sends for "{ name }" (gqlgen's own APQ test).
	const want = "30166fc3298853f22709fce1e4a00e98f1b6a3160eaaaf9cb3b7db6a16073b07"
	if got := Hash("{ name }"); got != want {
		t.Errorf("Hash = %s, want %s", got, want)
	}
}

func TestStorePutGet(t *testing.T) {
	ctx := t.Context()
	s := NewStore(cache.NewMemory(), StoreOptions{})
	if err := s.Put(ctx, helloQuery); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, ok, err := s.Get(ctx, Hash(helloQuery))
	if err != nil || !ok || got != helloQuery {
		t.Errorf("Get(registered) = %q, %v, %v; want %q, true, nil", got, ok, err, helloQuery)
	}
	got, ok, err = s.Get(ctx, Hash(echoQuery))
	if err != nil || ok || got != "" {
		t.Errorf("Get(unknown) = %q, %v, %v; want \"\", false, nil", got, ok, err)
	}
}

func TestStoreKeysAndTTL(t *testing.T) {
	tests := []struct {
		name     string
		opts     StoreOptions
		wantKey  string
		wantTTL  time.Duration
		maxBytes int
	}{
		{"defaults", StoreOptions{}, DefaultPrefix + Hash(helloQuery), DefaultTTL, DefaultMaxQueryBytes},
		{"options", StoreOptions{Prefix: "p:", TTL: time.Minute, MaxQueryBytes: 100}, "p:" + Hash(helloQuery), time.Minute, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &recordingCache{Memory: cache.NewMemory()}
			s := NewStore(c, tt.opts)
			if err := s.Put(t.Context(), helloQuery); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if c.key != tt.wantKey || c.ttl != tt.wantTTL {
				t.Errorf("Set(%q, ttl %s); want Set(%q, ttl %s)", c.key, c.ttl, tt.wantKey, tt.wantTTL)
			}
			atMost := strings.Repeat("x", tt.maxBytes)
			if err := s.Put(t.Context(), atMost); err != nil {
				t.Errorf("Put(%d bytes): %v", len(atMost), err)
			}
			over := atMost + "x"
			if err := s.Put(t.Context(), over); !errors.Is(err, ErrQueryTooLarge) {
				t.Errorf("Put(%d bytes) = %v, want ErrQueryTooLarge", len(over), err)
			}
			if _, ok, _ := s.Get(t.Context(), Hash(over)); ok {
				t.Error("a query over MaxQueryBytes was stored")
			}
		})
	}
}

func TestStoreRefusesForgedValue(t *testing.T) {
	ctx := t.Context()
	c := cache.NewMemory()
	s := NewStore(c, StoreOptions{})
	// A value that does not hash to its key: what a corrupted or forged
	// Redis entry looks like.
	if err := c.Set(ctx, DefaultPrefix+Hash(helloQuery), []byte(bumpQuery), time.Hour); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(ctx, Hash(helloQuery))
	if err == nil || ok || got != "" {
		t.Errorf("Get(forged) = %q, %v, %v; want an error", got, ok, err)
	}
}

func TestStoreCacheError(t *testing.T) {
	c := cache.NewMemory()
	s := NewStore(c, StoreOptions{})
	c.Close()
	if _, ok, err := s.Get(t.Context(), Hash(helloQuery)); err == nil || ok {
		t.Errorf("Get on a closed cache = %v, %v; want an error", ok, err)
	}
	if err := s.Put(t.Context(), helloQuery); err == nil || errors.Is(err, ErrQueryTooLarge) {
		t.Errorf("Put on a closed cache = %v; want the cache's error", err)
	}
}

// TestStoreSharedRedis: two replicas, each with its own Store over its own
// connection to one Redis; a query registered through one is found through
// the other.
func TestStoreSharedRedis(t *testing.T) {
	open := redisReplicas(t)
	c1, c2 := open(), open()
	s1, s2 := NewStore(c1, StoreOptions{}), NewStore(c2, StoreOptions{})
	t.Cleanup(func() { c1.Delete(context.Background(), DefaultPrefix+Hash(echoQuery)) })

	if _, ok, err := s2.Get(t.Context(), Hash(echoQuery)); err != nil || ok {
		t.Fatalf("replica 2 before registration: %v, %v; want a miss", ok, err)
	}
	if err := s1.Put(t.Context(), echoQuery); err != nil {
		t.Fatalf("replica 1 Put: %v", err)
	}
	got, ok, err := s2.Get(t.Context(), Hash(echoQuery))
	if err != nil || !ok || got != echoQuery {
		t.Errorf("replica 2 Get = %q, %v, %v; want %q", got, ok, err, echoQuery)
	}
}

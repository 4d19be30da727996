package cache

import (
	"bytes"
	"testing"
	"time"
)

// cacheImpl builds a fresh, empty Cache for one test; it is closed when the
// test ends.
type cacheImpl struct {
	name string
	new  func(t *testing.T) Cache
}

// cacheImpls returns every Cache implementation; tests over it run against
// each one. The Redis one skips (or fails under CI=true) without a Redis.
func cacheImpls() []cacheImpl {
	return []cacheImpl{
		{name: "memory", new: func(t *testing.T) Cache {
			m := NewMemory()
			t.Cleanup(func() { _ = m.Close() })
			return m
		}},
		{name: "redis", new: func(t *testing.T) Cache {
			r, _ := newTestRedis(t, RedisOptions{})
			return r
		}},
	}
}

// mustGet returns the value under key, failing the test on an error.
func mustGet(t *testing.T, c Cache, key string) ([]byte, bool) {
	t.Helper()
	val, ok, err := c.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return val, ok
}

// mustSet stores val under key, failing the test on an error.
func mustSet(t *testing.T, c Cache, key string, val []byte, ttl time.Duration) {
	t.Helper()
	if err := c.Set(t.Context(), key, val, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// wantValue fails the test unless key holds want.
func wantValue(t *testing.T, c Cache, key string, want []byte) {
	t.Helper()
	got, ok := mustGet(t, c, key)
	if !ok {
		t.Fatalf("Get(%q): miss, want %q", key, want)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

// wantMiss fails the test unless key is absent.
func wantMiss(t *testing.T, c Cache, key string) {
	t.Helper()
	if got, ok := mustGet(t, c, key); ok || got != nil {
		t.Fatalf("Get(%q) = %q, %v; want a miss", key, got, ok)
	}
}

func TestCacheConformance(t *testing.T) {
	const ttl = time.Minute
	tests := []struct {
		name string
		run  func(t *testing.T, c Cache)
	}{
		{"get of a missing key is a miss", func(t *testing.T, c Cache) {
			wantMiss(t, c, "absent")
		}},
		{"set then get", func(t *testing.T, c Cache) {
			mustSet(t, c, "k", []byte("v1"), ttl)
			wantValue(t, c, "k", []byte("v1"))
			wantMiss(t, c, "other")
		}},
		{"set overwrites", func(t *testing.T, c Cache) {
			mustSet(t, c, "k", []byte("first"), ttl)
			mustSet(t, c, "k", []byte("second"), ttl)
			wantValue(t, c, "k", []byte("second"))
		}},
		{"empty value is a hit", func(t *testing.T, c Cache) {
			mustSet(t, c, "k", nil, ttl)
			got, ok := mustGet(t, c, "k")
			if !ok || got == nil || len(got) != 0 {
				t.Fatalf("Get = %#v, %v; want an empty non-nil value and a hit", got, ok)
			}
		}},
		{"binary value round-trips", func(t *testing.T, c Cache) {
			val := []byte{0, 1, 0xfe, 0xff, '\r', '\n', 0}
			mustSet(t, c, "k", val, ttl)
			wantValue(t, c, "k", val)
		}},
		{"values are copies", func(t *testing.T, c Cache) {
			in := []byte("original")
			mustSet(t, c, "k", in, ttl)
			copy(in, "XXXXXXXX")
			out, _ := mustGet(t, c, "k")
			copy(out, "YYYYYYYY")
			wantValue(t, c, "k", []byte("original"))
		}},
		{"delete one key", func(t *testing.T, c Cache) {
			mustSet(t, c, "a", []byte("1"), ttl)
			mustSet(t, c, "b", []byte("2"), ttl)
			if err := c.Delete(t.Context(), "a"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			wantMiss(t, c, "a")
			wantValue(t, c, "b", []byte("2"))
		}},
		{"delete several keys, missing ones included", func(t *testing.T, c Cache) {
			mustSet(t, c, "a", []byte("1"), ttl)
			mustSet(t, c, "b", []byte("2"), ttl)
			mustSet(t, c, "c", []byte("3"), ttl)
			if err := c.Delete(t.Context(), "a", "b", "never-set"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			wantMiss(t, c, "a")
			wantMiss(t, c, "b")
			wantValue(t, c, "c", []byte("3"))
		}},
		{"add stores only where nothing is", func(t *testing.T, c Cache) {
			ok, err := c.Add(t.Context(), "k", []byte("first"), time.Minute)
			if err != nil || !ok {
				t.Fatalf("first Add: %v, %v", ok, err)
			}
			ok, err = c.Add(t.Context(), "k", []byte("second"), time.Minute)
			if err != nil || ok {
				t.Fatalf("second Add: %v, %v; want false", ok, err)
			}
			wantValue(t, c, "k", []byte("first"))
			if _, err := c.Add(t.Context(), "z", []byte("v"), 0); err == nil {
				t.Error("Add with a zero ttl: no error")
			}
		}},
		{"delete of no keys is a no-op", func(t *testing.T, c Cache) {
			if err := c.Delete(t.Context()); err != nil {
				t.Fatalf("Delete(): %v", err)
			}
		}},
		{"value expires after its ttl", func(t *testing.T, c Cache) {
			const short = 50 * time.Millisecond
			start := time.Now()
			mustSet(t, c, "k", []byte("v"), short)
			if _, ok := mustGet(t, c, "k"); !ok && time.Since(start) < short {
				t.Fatal("miss before the ttl passed")
			}
			eventually(t, 20*time.Second, "the value to expire", func() bool {
				_, ok := mustGet(t, c, "k")
				return !ok
			})
			if time.Since(start) < short {
				t.Fatalf("value gone after %s, before its ttl of %s", time.Since(start), short)
			}
			wantMiss(t, c, "k") // and it stays gone
		}},
		{"non-positive ttl is rejected", func(t *testing.T, c Cache) {
			for _, bad := range []time.Duration{0, -time.Second} {
				if err := c.Set(t.Context(), "k", []byte("v"), bad); err == nil {
					t.Errorf("Set with ttl %s: no error", bad)
				}
			}
			wantMiss(t, c, "k")
		}},
		{"ping", func(t *testing.T, c Cache) {
			if err := c.Ping(t.Context()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
		{"operations fail after close", func(t *testing.T, c Cache) {
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if _, _, err := c.Get(t.Context(), "k"); err == nil {
				t.Error("Get after Close: no error")
			}
			if err := c.Set(t.Context(), "k", []byte("v"), ttl); err == nil {
				t.Error("Set after Close: no error")
			}
			if err := c.Delete(t.Context(), "k"); err == nil {
				t.Error("Delete after Close: no error")
			}
			if err := c.Ping(t.Context()); err == nil {
				t.Error("Ping after Close: no error")
			}
			if err := c.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		}},
	}
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					tt.run(t, impl.new(t))
				})
			}
		})
	}
}

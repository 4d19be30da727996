package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Log messages the outage tests count.
const (
	msgOutage    = "cache unavailable, serving from the source until it recovers"
	msgRecovered = "cache recovered"
)

// countingLoad returns a load function returning val and a counter of its calls.
func countingLoad(val string) (func(context.Context) ([]byte, error), *atomic.Int32) {
	var calls atomic.Int32
	return func(context.Context) ([]byte, error) {
		calls.Add(1)
		return []byte(val), nil
	}, &calls
}

// mustGetOrLoad calls GetOrLoad and fails the test unless it returns want.
func mustGetOrLoad(t *testing.T, s *Store, key string, load func(context.Context) ([]byte, error), want string) {
	t.Helper()
	got, err := s.GetOrLoad(t.Context(), key, 0, load)
	if err != nil {
		t.Fatalf("GetOrLoad(%q): %v", key, err)
	}
	if string(got) != want {
		t.Fatalf("GetOrLoad(%q) = %q, want %q", key, got, want)
	}
}

func TestStoreColdKeyLoadsOnce(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			c := impl.new(t)
			s := NewStore(c, StoreOptions{})

			const callers = 50
			var calls atomic.Int32
			release := make(chan struct{})
			load := func(context.Context) ([]byte, error) {
				calls.Add(1)
				<-release
				return []byte("mailboxes"), nil
			}

			var ready, done sync.WaitGroup
			ready.Add(callers)
			errs := make(chan error, callers)
			for range callers {
				done.Go(func() {
					ready.Done()
					got, err := s.GetOrLoad(t.Context(), "mailboxes", 0, load)
					switch {
					case err != nil:
						errs <- err
					case string(got) != "mailboxes":
						errs <- fmt.Errorf("got %q", got)
					}
				})
			}
			ready.Wait()
			close(release)
			done.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n := calls.Load(); n != 1 {
				t.Fatalf("load called %d times for %d concurrent cold callers, want 1", n, callers)
			}

			// From now on the value comes from the cache.
			fail := func(context.Context) ([]byte, error) {
				t.Error("load called for a cached key")
				return nil, errors.New("unexpected load")
			}
			for range 3 {
				mustGetOrLoad(t, s, "mailboxes", fail, "mailboxes")
			}
			wantValue(t, c, "mailboxes", []byte("mailboxes"))
		})
	}
}

func TestStoreLoadErrorsAreNotCached(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			c := impl.new(t)
			s := NewStore(c, StoreOptions{})
			errUpstream := errors.New("freescout unavailable")

			_, err := s.GetOrLoad(t.Context(), "users", 0, func(context.Context) ([]byte, error) {
				return nil, errUpstream
			})
			if !errors.Is(err, errUpstream) {
				t.Fatalf("GetOrLoad error = %v, want it to wrap %v", err, errUpstream)
			}
			wantMiss(t, c, "users")
			if s.Degraded() {
				t.Error("a load error marked the cache degraded")
			}

			load, calls := countingLoad("directory")
			mustGetOrLoad(t, s, "users", load, "directory")
			if calls.Load() != 1 {
				t.Fatalf("load called %d times after a failed load, want 1", calls.Load())
			}
			wantValue(t, c, "users", []byte("directory"))
		})
	}
}

func TestStoreNilLoadResult(t *testing.T) {
	s := NewStore(NewMemory(), StoreOptions{})
	got, err := s.GetOrLoad(t.Context(), "k", 0, func(context.Context) ([]byte, error) { return nil, nil })
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("GetOrLoad = %#v, %v; want an empty non-nil value", got, err)
	}
}

func TestStoreLoadPanicIsAnError(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			c := impl.new(t)
			s := NewStore(c, StoreOptions{})
			_, err := s.GetOrLoad(t.Context(), "k", 0, func(context.Context) ([]byte, error) {
				panic("decoder exploded")
			})
			if err == nil || !strings.Contains(err.Error(), "panicked: decoder exploded") {
				t.Fatalf("GetOrLoad error = %v, want the recovered panic", err)
			}
			wantMiss(t, c, "k")
			load, _ := countingLoad("v")
			mustGetOrLoad(t, s, "k", load, "v")
		})
	}
}

func TestStoreTTLExpiryReloads(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			s := NewStore(impl.new(t), StoreOptions{})
			load, calls := countingLoad("v")
			if _, err := s.GetOrLoad(t.Context(), "k", 50*time.Millisecond, load); err != nil {
				t.Fatal(err)
			}
			eventually(t, 20*time.Second, "the value to expire and be loaded again", func() bool {
				if _, err := s.GetOrLoad(t.Context(), "k", 50*time.Millisecond, load); err != nil {
					t.Fatal(err)
				}
				return calls.Load() == 2
			})
		})
	}
}

func TestStoreTTLReachesRedis(t *testing.T) {
	r, _ := newTestRedis(t, RedisOptions{})
	tests := []struct {
		name       string
		storeTTL   time.Duration
		callTTL    time.Duration
		wantAtMost time.Duration
	}{
		{"store default is 10 minutes", 0, 0, 10 * time.Minute},
		{"store option", 2 * time.Minute, 0, 2 * time.Minute},
		{"per-call ttl wins", 2 * time.Minute, 30 * time.Second, 30 * time.Second},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore(r, StoreOptions{TTL: tt.storeTTL})
			key := fmt.Sprintf("k%d", i)
			load, _ := countingLoad("v")
			if _, err := s.GetOrLoad(t.Context(), key, tt.callTTL, load); err != nil {
				t.Fatal(err)
			}
			got, err := r.TTL(t.Context(), key)
			if err != nil {
				t.Fatalf("TTL: %v", err)
			}
			// A generous lower bound: only the time this test takes passes.
			if got > tt.wantAtMost || got < tt.wantAtMost-10*time.Second {
				t.Errorf("TTL = %s, want just under %s", got, tt.wantAtMost)
			}
		})
	}
}

func TestStoreInvalidate(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			c := impl.new(t)
			s := NewStore(c, StoreOptions{})
			load, calls := countingLoad("v")
			mustGetOrLoad(t, s, "a", load, "v")
			mustGetOrLoad(t, s, "b", load, "v")
			s.Invalidate(t.Context(), "a", "b")
			wantMiss(t, c, "a")
			wantMiss(t, c, "b")
			mustGetOrLoad(t, s, "a", load, "v")
			if n := calls.Load(); n != 3 {
				t.Fatalf("load called %d times, want 3 (two cold keys, one reload)", n)
			}
			s.Invalidate(t.Context()) // no keys: nothing to do
		})
	}
}

// TestStoreFirstCallerCancelled checks that the caller who started a shared
// load may give up without cancelling the load for everyone else.
func TestStoreFirstCallerCancelled(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			c := impl.new(t)
			s := NewStore(c, StoreOptions{})

			var calls atomic.Int32
			started, release := make(chan struct{}), make(chan struct{})
			type loadCtxState struct {
				err         error
				hasDeadline bool
				deadline    time.Time
			}
			state := make(chan loadCtxState, 1)
			load := func(ctx context.Context) ([]byte, error) {
				if calls.Add(1) == 1 {
					close(started)
				}
				<-release
				d, ok := ctx.Deadline()
				state <- loadCtxState{err: ctx.Err(), hasDeadline: ok, deadline: d}
				return []byte("fields"), nil
			}

			first, cancelFirst := context.WithCancel(t.Context())
			firstErr := make(chan error, 1)
			go func() {
				_, err := s.GetOrLoad(first, "fields", 0, load)
				firstErr <- err
			}()
			<-started

			type result struct {
				val []byte
				err error
			}
			second := make(chan result, 1)
			go func() {
				v, err := s.GetOrLoad(t.Context(), "fields", 0, load)
				second <- result{v, err}
			}()

			cancelFirst()
			if err := <-firstErr; !errors.Is(err, context.Canceled) {
				t.Fatalf("first caller: err = %v, want context.Canceled", err)
			}
			close(release)

			st := <-state
			if st.err != nil {
				t.Errorf("the load's context ended with the first caller: %v", st.err)
			}
			if !st.hasDeadline || time.Until(st.deadline) > loadTimeout {
				t.Errorf("the load's context has no deadline within %s (deadline %v, set %v)",
					loadTimeout, st.deadline, st.hasDeadline)
			}
			res := <-second
			if res.err != nil || string(res.val) != "fields" {
				t.Fatalf("second caller: %q, %v; want the loaded value", res.val, res.err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("load called %d times, want 1", n)
			}
			wantValue(t, c, "fields", []byte("fields"))
		})
	}
}

func TestStoreCancelledCaller(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			var fallbacks fallbackCounter
			logs, logger := newLogSink()
			c := impl.new(t)
			s := NewStore(c, StoreOptions{Logger: logger, OnFallback: fallbacks.record})
			ctx, cancel := context.WithCancel(t.Context())
			cancel()

			load, calls := countingLoad("v")
			if _, err := s.GetOrLoad(ctx, "k", 0, load); !errors.Is(err, context.Canceled) {
				t.Errorf("GetOrLoad with a cancelled context: err = %v, want context.Canceled", err)
			}
			// An invalidation is carried out even for a caller that has gone.
			mustSet(t, c, "k", []byte("stale"), time.Minute)
			s.Invalidate(ctx, "k")
			wantMiss(t, c, "k")
			if calls.Load() != 0 {
				t.Error("load called for a caller that had already gone")
			}
			if s.Degraded() || fallbacks.get("get")+fallbacks.get("delete") != 0 || logs.String() != "" {
				t.Errorf("caller cancellation treated as an outage: degraded=%v get=%d delete=%d logs=%q",
					s.Degraded(), fallbacks.get("get"), fallbacks.get("delete"), logs.String())
			}
		})
	}
}

func TestStoreCheckHealthy(t *testing.T) {
	for _, impl := range cacheImpls() {
		t.Run(impl.name, func(t *testing.T) {
			s := NewStore(impl.new(t), StoreOptions{})
			if err := s.Check(t.Context()); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if s.Degraded() {
				t.Error("Degraded with a healthy cache")
			}
		})
	}
}

// TestStoreToleratesUnreachableRedis points the store at a closed port.
func TestStoreToleratesUnreachableRedis(t *testing.T) {
	r, err := NewRedis("redis://127.0.0.1:1/0", RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	var fallbacks fallbackCounter
	logs, logger := newLogSink()
	s := NewStore(r, StoreOptions{Logger: logger, OnFallback: fallbacks.record})

	load, calls := countingLoad("mailboxes")
	for range 3 {
		mustGetOrLoad(t, s, "mailboxes", load, "mailboxes")
	}
	s.Invalidate(t.Context(), "mailboxes")

	if n := calls.Load(); n != 3 {
		t.Errorf("load called %d times, want 3 (nothing can be cached)", n)
	}
	for op, want := range map[string]int{"get": 3, "set": 3, "delete": 1} {
		if got := fallbacks.get(op); got != want {
			t.Errorf("OnFallback(%q) called %d times, want %d", op, got, want)
		}
	}
	if n := logs.count(t, slog.LevelWarn, msgOutage); n != 1 {
		t.Errorf("outage logged %d times, want once; log:\n%s", n, logs)
	}
	if !s.Degraded() {
		t.Error("Degraded is false during the outage")
	}
	if err := s.Check(t.Context()); err == nil {
		t.Error("Check reports a closed port as healthy")
	}
	if n := logs.count(t, slog.LevelWarn, msgOutage); n != 1 {
		t.Errorf("outage logged %d times after Check, want still once", n)
	}
}

// TestStoreSurvivesRedisOutage runs a Redis of its own, stops it mid-test,
// starts it again and stops it once more.
func TestStoreSurvivesRedisOutage(t *testing.T) {
	port := freePort(t)
	srv := startRedisServer(t, port)
	r, err := NewRedis("redis://"+srv.addr()+"/0", RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	var fallbacks fallbackCounter
	logs, logger := newLogSink()
	s := NewStore(r, StoreOptions{Logger: logger, OnFallback: fallbacks.record})

	load, calls := countingLoad("users")
	mustGetOrLoad(t, s, "users", load, "users")
	mustGetOrLoad(t, s, "users", load, "users")
	if calls.Load() != 1 || s.Degraded() {
		t.Fatalf("healthy Redis: load calls %d, degraded %v; want 1 and false", calls.Load(), s.Degraded())
	}

	// Outage 1.
	srv.stop()
	for range 5 {
		mustGetOrLoad(t, s, "users", load, "users")
	}
	if calls.Load() != 6 {
		t.Errorf("load called %d times, want 6 (1 + one per call during the outage)", calls.Load())
	}
	if fallbacks.get("get") < 5 {
		t.Errorf("OnFallback(get) called %d times, want at least 5", fallbacks.get("get"))
	}
	if !s.Degraded() {
		t.Error("Degraded is false during the outage")
	}
	if err := s.Check(t.Context()); err == nil {
		t.Error("Check reports a stopped Redis as healthy")
	}
	if n := logs.count(t, slog.LevelWarn, msgOutage); n != 1 {
		t.Errorf("outage logged %d times, want once; log:\n%s", n, logs)
	}

	// Recovery: a fresh, empty Redis on the same port.
	srv = startRedisServer(t, port)
	eventually(t, 10*time.Second, "Check to see the restarted Redis", func() bool {
		return s.Check(t.Context()) == nil
	})
	if s.Degraded() {
		t.Error("Degraded is still true after recovery")
	}
	if n := logs.count(t, slog.LevelInfo, msgRecovered); n != 1 {
		t.Errorf("recovery logged %d times, want once; log:\n%s", n, logs)
	}
	mustGetOrLoad(t, s, "users", load, "users") // the new Redis is empty: one load
	mustGetOrLoad(t, s, "users", load, "users") // now cached
	if calls.Load() != 7 {
		t.Errorf("load called %d times, want 7", calls.Load())
	}

	// Outage 2 is logged again, once.
	srv.stop()
	for range 3 {
		mustGetOrLoad(t, s, "users", load, "users")
	}
	if n := logs.count(t, slog.LevelWarn, msgOutage); n != 2 {
		t.Errorf("outage logged %d times over two outages, want 2; log:\n%s", n, logs)
	}
	if !s.Degraded() {
		t.Error("Degraded is false during the second outage")
	}
}

func TestStoreCopiesSharedValues(t *testing.T) {
	s := NewStore(NewMemory(), StoreOptions{})
	release := make(chan struct{})
	load := func(context.Context) ([]byte, error) {
		<-release
		return []byte("shared"), nil
	}
	const callers = 4
	var ready, done sync.WaitGroup
	ready.Add(callers)
	vals := make([][]byte, callers)
	for i := range callers {
		done.Go(func() {
			ready.Done()
			v, err := s.GetOrLoad(t.Context(), "k", 0, load)
			if err != nil {
				t.Error(err)
			}
			vals[i] = v
		})
	}
	ready.Wait()
	close(release)
	done.Wait()
	copy(vals[0], "XXXXXX")
	for i, v := range vals[1:] {
		if !bytes.Equal(v, []byte("shared")) {
			t.Errorf("caller %d sees %q after caller 0 modified its value", i+1, v)
		}
	}
}

func BenchmarkStoreGetOrLoadHit(b *testing.B) {
	impls := []struct {
		name string
		new  func(b *testing.B) Cache
	}{
		{"memory", func(*testing.B) Cache { return NewMemory() }},
		{"redis", func(b *testing.B) Cache {
			r, _ := newTestRedis(b, RedisOptions{})
			return r
		}},
	}
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			s := NewStore(impl.new(b), StoreOptions{})
			load := func(context.Context) ([]byte, error) { return []byte("value"), nil }
			if _, err := s.GetOrLoad(b.Context(), "k", 0, load); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.GetOrLoad(b.Context(), "k", 0, load); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

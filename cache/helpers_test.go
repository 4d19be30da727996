package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultTestRedisURL uses a database of its own, so that tests never touch
// the data of a Redis used for anything else; tests still delete only the
// keys under their own prefix.
const defaultTestRedisURL = "redis://127.0.0.1:6379/15"

// redisURLForTest returns the Redis URL tests run against: REDIS_URL, or
// defaultTestRedisURL. When that Redis does not answer, the test is skipped
// with a visible message, or fails under CI=true.
func redisURLForTest(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = defaultTestRedisURL
	}
	cfg, err := parseRedisURL(raw)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	client := cfg.newClient()
	defer client.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		msg := fmt.Sprintf("no Redis reachable at %s (set REDIS_URL or start redis-server): %v", redactedURL(raw), err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	return raw
}

// redactedURL returns raw with any password masked, for test messages.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable REDIS_URL)"
	}
	return u.Redacted()
}

// testPrefix returns a key prefix unique to this test run.
func testPrefix(t testing.TB) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		default:
			return '_'
		}
	}, t.Name())
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "scoutgraph-test:" + name + ":" + hex.EncodeToString(b) + ":"
}

// newTestRedis returns a Redis cache under a unique prefix, plus a raw
// go-redis client on the same server for inspecting keys. Both are closed,
// and every key under the prefix deleted, when the test ends.
func newTestRedis(t testing.TB, opts RedisOptions) (*Redis, redis.UniversalClient) {
	t.Helper()
	raw := redisURLForTest(t)
	if opts.Prefix == "" {
		opts.Prefix = testPrefix(t)
	}
	r, err := NewRedis(raw, opts)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	cfg, err := parseRedisURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	client := cfg.newClient()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := deleteByPrefix(ctx, client, opts.Prefix); err != nil {
			t.Errorf("deleting test keys under %q: %v", opts.Prefix, err)
		}
		_ = client.Close()
		_ = r.Close()
	})
	return r, client
}

// deleteByPrefix deletes every key starting with prefix, which must hold no
// glob characters. It scans every master of a cluster.
func deleteByPrefix(ctx context.Context, client redis.UniversalClient, prefix string) error {
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	switch c := client.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, scan)
	case *redis.Client:
		return scan(ctx, c)
	default:
		return fmt.Errorf("unexpected client type %T", client)
	}
}

// eventually polls cond every few milliseconds until it holds, failing the
// test if it does not within timeout.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-t.Context().Done():
			t.Fatalf("test ended waiting for %s", what)
		case <-tick.C:
		}
	}
}

// logSink collects JSON slog records written from any goroutine.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// newLogSink returns a sink and a logger writing to it at every level.
func newLogSink() (*logSink, *slog.Logger) {
	s := &logSink{}
	return s, slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Write implements io.Writer.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// count returns how many records have the level and message.
func (s *logSink) count(t testing.TB, level slog.Level, msg string) int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for line := range strings.Lines(s.buf.String()) {
		var rec struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Level == level.String() && rec.Msg == msg {
			n++
		}
	}
	return n
}

// String returns everything logged so far.
func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// fallbackCounter counts OnFallback calls by op.
type fallbackCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// record is a StoreOptions.OnFallback.
func (f *fallbackCounter) record(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = make(map[string]int)
	}
	f.n[op]++
}

// get returns the number of calls for op.
func (f *fallbackCounter) get(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n[op]
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisServer is a throwaway redis-server process owned by one test.
type redisServer struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
}

// startRedisServer starts redis-server on port and waits until it answers.
// The test is skipped when redis-server is not on PATH. The process is
// killed when the test ends, if it is still running.
func startRedisServer(t testing.TB, port int) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server is not on PATH; this test starts and stops its own Redis"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", t.TempDir(), "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	s := &redisServer{t: t, port: port, cmd: cmd}
	t.Cleanup(s.stop)

	client := redis.NewClient(&redis.Options{Addr: s.addr()})
	defer client.Close()
	eventually(t, 10*time.Second, "redis-server to answer on "+s.addr(), func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		return client.Ping(ctx).Err() == nil
	})
	return s
}

// addr returns the server's host:port.
func (s *redisServer) addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// stop kills the server and waits for it to exit. It is idempotent.
func (s *redisServer) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// TestMain silences go-redis's own logger, which otherwise prints a line to
// stderr for every failed dial in the outage tests.
func TestMain(m *testing.M) {
	redis.SetLogger(discardRedisLog{})
	os.Exit(m.Run())
}

// discardRedisLog is a go-redis logger that drops everything.
type discardRedisLog struct{}

// Printf implements go-redis's logging interface.
func (discardRedisLog) Printf(context.Context, string, ...any) {}

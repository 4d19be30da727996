package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// waitTimeout bounds every wait in these tests: only a real bug reaches it.
const waitTimeout = 30 * time.Second

// TestMain silences go-redis's own logger, which otherwise prints a line for
// every failed dial in the outage tests.
func TestMain(m *testing.M) {
	redis.SetLogger(discardRedisLog{})
	os.Exit(m.Run())
}

// discardRedisLog is a go-redis logger that drops everything.
type discardRedisLog struct{}

// Printf implements go-redis's logging interface.
func (discardRedisLog) Printf(context.Context, string, ...any) {}

// skipOrFail skips the test with a visible message, or fails it under
// CI=true.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING: " + msg)
}

// sharedRedisOptions returns the options of the Redis the tests share:
// REDIS_URL, or database 15 of the local Redis, so tests never touch
// another database's data. Tests only write keys under their own prefix.
func sharedRedisOptions(t testing.TB) *redis.Options {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = "redis://127.0.0.1:6379/15"
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("REDIS_URL is not a single-node redis URL: %v", err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		skipOrFail(t, fmt.Sprintf("no Redis reachable at %s (set REDIS_URL or start redis-server): %v", opts.Addr, err))
	}
	return opts
}

// newClient returns a client on opts (copied), closed when the test ends.
// Each call is a separate connection pool, as on separate replicas.
func newClient(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	o := *opts
	o.ContextTimeoutEnabled = true
	client := redis.NewClient(&o)
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// testPrefix returns a key prefix unique to this test run, and deletes the
// keys under it when the test ends.
func testPrefix(t testing.TB, opts *redis.Options) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	prefix := "scoutgraph-test:" + name + ":" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		client := redis.NewClient(opts)
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// newRedisBus returns a bus on client, closed when the test ends.
func newRedisBus(t testing.TB, client redis.UniversalClient, opts RedisOptions) *Redis {
	t.Helper()
	bus, err := NewRedis(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

// redisServer is a redis-server process of one test, on a port of its own,
// so that the test may pause, kill and restart it.
type redisServer struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

// startRedisServer starts a private redis-server and waits until it answers.
// It is killed when the test ends.
func startRedisServer(t testing.TB) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		skipOrFail(t, "redis-server is not on PATH; this test runs a Redis of its own")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	s := &redisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.kill)
	return s
}

// start runs the server process and waits until it answers.
func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", s.dir, "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	client := redis.NewClient(s.options())
	defer client.Close()
	eventually(s.t, "redis-server to answer on "+s.addr(), func() bool {
		ctx, cancel := context.WithTimeout(s.t.Context(), time.Second)
		defer cancel()
		return client.Ping(ctx).Err() == nil
	})
}

// addr returns the server's host:port.
func (s *redisServer) addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// options returns client options for the server.
func (s *redisServer) options() *redis.Options {
	return &redis.Options{Addr: s.addr()}
}

// signal sends sig to the server process.
func (s *redisServer) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signalling redis-server: %v", err)
	}
}

// kill kills the server process, resumed first in case it is stopped, and
// waits for it. It is idempotent.
func (s *redisServer) kill() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// info returns one field of the server's INFO.
func (s *redisServer) info(section, field string) string {
	s.t.Helper()
	client := redis.NewClient(s.options())
	defer client.Close()
	ctx, cancel := context.WithTimeout(s.t.Context(), 5*time.Second)
	defer cancel()
	text, err := client.Info(ctx, section).Result()
	if err != nil {
		s.t.Fatalf("redis INFO %s: %v", section, err)
	}
	for line := range strings.SplitSeq(text, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// eventually polls cond until it holds, failing the test after waitTimeout.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// collector is a Run handle that records the events it is given.
type collector struct {
	mu      sync.Mutex
	events  []Event
	changed chan struct{} // closed and replaced at every event
}

// newCollector returns an empty collector.
func newCollector() *collector {
	return &collector{changed: make(chan struct{})}
}

// handle records ev; it is the func given to Run.
func (c *collector) handle(ev Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	close(c.changed)
	c.changed = make(chan struct{})
}

// snapshot returns the events recorded so far and a channel closed at the
// next one.
func (c *collector) snapshot() ([]Event, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...), c.changed
}

// wait waits up to d until cond holds for the recorded events, and returns
// them and whether it held.
func (c *collector) wait(cond func([]Event) bool, d time.Duration) ([]Event, bool) {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		evs, changed := c.snapshot()
		if cond(evs) {
			return evs, true
		}
		select {
		case <-changed:
		case <-timeout.C:
			return evs, false
		}
	}
}

// waitFor waits until cond holds for the recorded events and returns them.
func (c *collector) waitFor(t testing.TB, what string, cond func([]Event) bool) []Event {
	t.Helper()
	evs, ok := c.wait(cond, waitTimeout)
	if !ok {
		t.Fatalf("timed out waiting for %s; got %d events: %v", what, len(evs), names(evs))
	}
	return evs
}

// waitBody waits until an event with body has been recorded and returns
// every event recorded so far.
func (c *collector) waitBody(t testing.TB, body string) []Event {
	t.Helper()
	return c.waitFor(t, "the event "+body, func(evs []Event) bool {
		return countBody(evs, body) > 0
	})
}

// countBody counts the events with body.
func countBody(evs []Event, body string) int {
	n := 0
	for _, ev := range evs {
		if string(ev.Body) == body {
			n++
		}
	}
	return n
}

// names lists events as name:body, for failure messages.
func names(evs []Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Name + ":" + string(ev.Body)
	}
	return out
}

// startRun runs bus.Run with c in the background until the test ends, and
// fails the test if Run returns an error other than ErrClosed.
func startRun(t testing.TB, bus Bus, c *collector) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bus.Run(ctx, c.handle) }()
	t.Cleanup(func() {
		cancel()
		if err := awaitErr(t, done, "Run to return"); err != nil && err != ErrClosed {
			t.Errorf("Run: %v", err)
		}
	})
}

// awaitErr waits for the result on done, failing the test after
// waitTimeout.
func awaitErr(t testing.TB, done <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		return nil
	}
}

// checkCloseEndsRun checks that Close ends a running Run with ErrClosed,
// and then checkClosed.
func checkCloseEndsRun(t testing.TB, bus Bus) {
	t.Helper()
	got := newCollector()
	done := make(chan error, 1)
	go func() { done <- bus.Run(t.Context(), got.handle) }()
	warmUp(t, bus, got)
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	if err := awaitErr(t, done, "Run to end with Close"); err != ErrClosed {
		t.Errorf("Run ended by Close: %v, want ErrClosed", err)
	}
	checkClosed(t, bus)
}

// checkClosed checks that a closed bus refuses Publish and Run with
// ErrClosed, and that Close may be called again.
func checkClosed(t testing.TB, bus Bus) {
	t.Helper()
	if _, err := bus.Publish(t.Context(), ConvoCreated, []byte(`{}`), time.Now()); err != ErrClosed {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
	if err := bus.Run(t.Context(), func(Event) {}); err != ErrClosed {
		t.Errorf("Run after Close: %v, want ErrClosed", err)
	}
	if err := bus.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// warmUp publishes warm-up events on pub until every collector has
// received one, so that the Runs behind them are known to be reading:
// everything after a collector's last warm-up event (see after) is the
// test's.
func warmUp(t testing.TB, pub Publisher, cs ...*collector) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for i := 0; ; i++ {
		body := fmt.Sprintf(`{"warmup":%d}`, i)
		if _, err := pub.Publish(t.Context(), ConvoCreated, []byte(body), time.Now()); err != nil {
			t.Fatalf("publishing a warm-up event: %v", err)
		}
		all := true
		for _, c := range cs {
			// A poll interval, not an assertion: the loop publishes again.
			if _, ok := c.wait(func(evs []Event) bool { return countBody(evs, body) > 0 }, 200*time.Millisecond); !ok {
				all = false
			}
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the Runs to read")
		}
	}
}

// after returns the events that follow the last warm-up event, that is,
// the ones the test itself published.
func after(evs []Event) []Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if strings.HasPrefix(string(evs[i].Body), `{"warmup":`) {
			return evs[i+1:]
		}
	}
	return evs
}

// publish publishes one event and fails the test on an error.
func publish(t testing.TB, pub Publisher, name, body string) bool {
	t.Helper()
	ok, err := pub.Publish(t.Context(), name, []byte(body), time.Now())
	if err != nil {
		t.Fatalf("Publish(%s, %s): %v", name, body, err)
	}
	return ok
}

// logRecorder is a slog.Handler that keeps every record's level and
// message and signals each one.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
	changed chan struct{}
}

// newLogRecorder returns an empty recorder.
func newLogRecorder() *logRecorder {
	return &logRecorder{changed: make(chan struct{})}
}

// Enabled implements slog.Handler: every level.
func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// WithAttrs implements slog.Handler; attributes are not kept.
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }

// WithGroup implements slog.Handler; groups are not kept.
func (l *logRecorder) WithGroup(string) slog.Handler { return l }

// count returns how many records have a message starting with prefix.
func (l *logRecorder) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.countLocked(prefix)
}

// countLocked is count for a caller holding l.mu.
func (l *logRecorder) countLocked(prefix string) int {
	n := 0
	for _, r := range l.records {
		if strings.HasPrefix(r.Message, prefix) {
			n++
		}
	}
	return n
}

// waitFor waits until a record with a message starting with prefix exists.
func (l *logRecorder) waitFor(t testing.TB, prefix string) {
	t.Helper()
	timeout := time.NewTimer(waitTimeout)
	defer timeout.Stop()
	for {
		l.mu.Lock()
		n, changed := l.countLocked(prefix), l.changed
		l.mu.Unlock()
		if n > 0 {
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("timed out waiting for a log record %q; got %v", prefix, l.messages())
		}
	}
}

// text returns every record as text, attributes included.
func (l *logRecorder) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.records {
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.String())
			return true
		})
		b.WriteString("\n")
	}
	return b.String()
}

// messages returns every record's message, for failure reports.
func (l *logRecorder) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.records))
	for i, r := range l.records {
		out[i] = r.Level.String() + " " + r.Message
	}
	return out
}

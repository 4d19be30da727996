package gateway_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// defaultGatewayTestRedisURL is the Redis the gateway tests use when REDIS_URL
// is not set: a database of its own, so that they never touch data kept in
// the default one. Tests still write and delete only under a key prefix of
// their own.
const defaultGatewayTestRedisURL = "redis://127.0.0.1:6379/14"

// onCI reports whether the tests run under CI, where a missing dependency is
// a failure rather than a reason to skip.
func onCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test with a visible message, or fails it under CI=true.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if onCI() {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING: " + msg)
}

// sharedRedis returns the URL of the Redis the tests run against (REDIS_URL,
// or defaultGatewayTestRedisURL) and a client on it for inspecting keys,
// closed when the test ends. REDIS_URL must name a single node
// (redis://, rediss:// or unix://). When that Redis does not answer, the
// test is skipped, or fails under CI=true.
func sharedRedis(t testing.TB) (string, *redis.Client) {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = defaultGatewayTestRedisURL
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("REDIS_URL must be a single-node Redis URL: %v", err)
	}
	// Probe once, without go-redis's retries, so that a missing Redis skips
	// each test at once rather than after seconds of backoff.
	probeOpts := *opts
	probeOpts.MaxRetries, probeOpts.DialerRetries, probeOpts.DialTimeout = -1, 1, time.Second
	probe := redis.NewClient(&probeOpts)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	err = probe.Ping(ctx).Err()
	cancel()
	_ = probe.Close()
	if err != nil {
		skipOrFail(t, fmt.Sprintf("no Redis reachable at %s (set REDIS_URL or start redis-server): %v", opts.Addr, err))
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	return raw, client
}

// keyPrefix returns a Redis key prefix unique to this test and registers the
// deletion of every key under it, through client, when the test ends.
func keyPrefix(t testing.TB, client *redis.Client) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, t.Name())
	prefix := "scoutgraph-test:" + name + ":" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys, err := keysUnder(ctx, client, prefix)
		if err == nil && len(keys) > 0 {
			err = client.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("deleting test keys under %q: %v", prefix, err)
		}
	})
	return prefix
}

// keysUnder lists every key starting with prefix, which holds no glob
// characters.
func keysUnder(ctx context.Context, client *redis.Client, prefix string) ([]string, error) {
	var keys []string
	iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

// cacheBackend is a cache a test gateway can run with.
type cacheBackend struct {
	name  string
	redis bool // shared Redis; else the in-memory cache
}

// cacheBackends are the caches behaviour tests run over.
var cacheBackends = []cacheBackend{{name: "memory"}, {name: "redis", redis: true}}

// backendEnv is what a test needs to start gateways on a cache backend.
type backendEnv struct {
	opts   gatewaytest.Options // RedisURL and CachePrefix set for Redis
	client *redis.Client       // nil for memory
}

// setup returns the gateway options for a new test on b: for Redis a
// fresh key prefix, cleaned up when the test ends. Gateways started with the
// same options share one cache.
func (b cacheBackend) setup(t testing.TB) backendEnv {
	t.Helper()
	if !b.redis {
		return backendEnv{}
	}
	url, client := sharedRedis(t)
	return backendEnv{
		opts:   gatewaytest.Options{RedisURL: url, CachePrefix: keyPrefix(t, client)},
		client: client,
	}
}

// redisProcess is a redis-server subprocess owned by one test.
type redisProcess struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// startRedisProcess starts redis-server on a free port and waits until it
// answers. Without redis-server on PATH the test is skipped (it fails under
// CI=true). The process is killed when the test ends, if still running.
func startRedisProcess(t testing.TB) *redisProcess {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		skipOrFail(t, "redis-server is not on PATH; this test starts and kills a Redis of its own")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", t.TempDir(), "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	p := &redisProcess{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)

	client := redis.NewClient(&redis.Options{Addr: p.addr})
	defer client.Close()
	waitFor(t, 10*time.Second, "redis-server to answer on "+p.addr, func() bool {
		select {
		case <-p.done:
			t.Fatalf("redis-server on port %d exited at start (port taken?)", port)
		default:
		}
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		return client.Ping(ctx).Err() == nil
	})
	return p
}

// url is the Redis URL of the process.
func (p *redisProcess) url() string { return "redis://" + p.addr + "/0" }

// kill kills the process and waits until it has exited. It is idempotent.
func (p *redisProcess) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// waitFor polls cond every few milliseconds until it holds, failing the test
// when it does not within timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
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
			t.Fatalf("test ended while waiting for %s", what)
		case <-tick.C:
		}
	}
}

// getURL fetches url and returns the status and body. It works in cleanups
// too, after the test's context has ended.
func getURL(t testing.TB, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return res.StatusCode, string(b)
}

// metricSum scrapes the gateway's /metrics and returns the sum of every
// sample of the named metric, whatever its labels.
func metricSum(t testing.TB, env *gatewaytest.Env, name string) float64 {
	t.Helper()
	status, body := getURL(t, env.URL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", status)
	}
	sum := 0.0
	for line := range strings.Lines(body) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, name) || len(line) == len(name) || (line[len(name)] != '{' && line[len(name)] != ' ') {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

// fieldUserError is a GraphQL UserError.
type fieldUserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// fieldValueOut is a CustomFieldValue as the tests select it.
type fieldValueOut struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Value *string `json:"value"`
	Text  *string `json:"text"`
}

// payloadConversation is the conversation of a mutation payload.
type payloadConversation struct {
	ID           string          `json:"id"`
	CustomFields []fieldValueOut `json:"customFields"`
}

// byName returns the conversation's value of the named field.
func (c *payloadConversation) byName(name string) (fieldValueOut, bool) {
	for _, f := range c.CustomFields {
		if f.Name == name {
			return f, true
		}
	}
	return fieldValueOut{}, false
}

// quoteOrNull quotes a nullable GraphQL string for messages.
func quoteOrNull(p *string) string {
	if p == nil {
		return "<null>"
	}
	return strconv.Quote(*p)
}

// mustJSON renders v for failure messages.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// TestMain silences go-redis's own logger, which otherwise prints a line to
// stderr for every failed dial once a test has killed its Redis. It is the
// package's only TestMain: add any other setup here.
func TestMain(m *testing.M) {
	redis.SetLogger(discardRedisLog{})
	os.Exit(m.Run())
}

// discardRedisLog is a go-redis logger that drops everything.
type discardRedisLog struct{}

// Printf implements go-redis's logging interface.
func (discardRedisLog) Printf(context.Context, string, ...any) {}

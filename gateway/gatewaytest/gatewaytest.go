// Package gatewaytest starts a real scoutgraph gateway in front of a real
// FreeScout emulator, both over loopback HTTP, for tests and benchmarks.
package gatewaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/events"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// APIKey is the FreeScout API key of test environments.
const APIKey = "test-key-5e1f0c"

// Options shape an Env.
type Options struct {
	RedisURL    string        // shared cache; in-memory when empty
	Latency     time.Duration // emulator latency per request
	Concurrency int           // UPSTREAM_CONCURRENCY (default 64)
	CacheTTL    time.Duration // custom-field definitions TTL (default 10m)
	CachePrefix string        // Redis key prefix (default "scoutgraph:v1:")
	// CacheOpTimeout bounds each Redis operation. Tests default to 2s, not
	// the gateway's 150ms: on a loaded CI machine a slow Redis answer would
	// otherwise fall back to FreeScout and change exact call counts.
	CacheOpTimeout time.Duration
	Logger         *slog.Logger // default: discard
	// Emulator reuses an emulator (e.g. to restart only the gateway);
	// nil starts a new one, of Install.
	Emulator *Upstream
	// Install is the FreeScout install the new emulator emulates; nil is the
	// one the environment names (EnvInstall).
	Install *Install
	// APIKeyOverride, when set, is the key the gateway presents to FreeScout
	// instead of APIKey (the emulator still expects APIKey), e.g. to see how
	// the gateway answers when FreeScout rejects its credentials.
	APIKeyOverride string
	// UpstreamTimeout bounds each request attempt to FreeScout (default 15s).
	UpstreamTimeout time.Duration
	// Configure, when set, changes the gateway's configuration last (auth,
	// limits, CORS, persisted operations...).
	Configure func(*gateway.Config)
	// Live makes the emulator deliver its webhooks to the gateway, as a
	// FreeScout with the gateway's webhook registered does (the gateway
	// gets the emulator's secret).
	Live bool
}

// Upstream is a running emulator with a log of every request it received.
type Upstream struct {
	*emulator.Emulator
	URL     string
	Log     *RequestLog
	Install Install // the install it emulates
}

// Env is a running emulator and gateway.
type Env struct {
	Upstream *Upstream
	Gateway  *gateway.Gateway
	URL      string      // the gateway's base URL
	Header   http.Header // sent with every request of Query (credentials)
}

// StartUpstream starts an emulator with a request log, emulating the
// install the environment names (see EnvInstall).
func StartUpstream(t testing.TB, latency time.Duration) *Upstream {
	t.Helper()
	return StartUpstreamFor(t, latency, MustEnvInstall(t))
}

// StartUpstreamFor starts an emulator of the install in with a request log.
func StartUpstreamFor(t testing.TB, latency time.Duration, in Install) *Upstream {
	t.Helper()
	emu, err := emulator.Open(emulator.Options{APIKey: APIKey, Latency: latency,
		ModuleVersion: in.ModuleVersion, WithoutModules: in.WithoutModules, LaravelErrors: in.LaravelErrors})
	if err != nil {
		t.Fatalf("emulate %s: %v", in, err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	log := &RequestLog{}
	srv := httptest.NewServer(log.wrap(emu))
	t.Cleanup(srv.Close)
	return &Upstream{Emulator: emu, URL: srv.URL, Log: log, Install: in}
}

// StartEmulator starts an emulator with opts (its API key is always APIKey)
// and a request log, whatever install the environment names (for tests of
// the emulator's own options: webhook retries, say). Its webhook deliveries
// stop when the test ends.
func StartEmulator(t testing.TB, opts emulator.Options) *Upstream {
	t.Helper()
	opts.APIKey = APIKey
	emu, err := emulator.Open(opts)
	if err != nil {
		t.Fatalf("start the emulator: %v", err)
	}
	log := &RequestLog{}
	srv := httptest.NewServer(log.wrap(emu))
	t.Cleanup(func() { _ = emu.Close(); srv.Close() })
	return &Upstream{Emulator: emu, URL: srv.URL, Log: log}
}

// Start starts an emulator (unless opts.Emulator is given) and a gateway in
// front of it. Both stop when the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	up := opts.Emulator
	switch {
	case up == nil && opts.Install != nil:
		up = StartUpstreamFor(t, opts.Latency, *opts.Install)
	case up == nil:
		up = StartUpstream(t, opts.Latency)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	key := APIKey
	if opts.APIKeyOverride != "" {
		key = opts.APIKeyOverride
	}
	cfg := gateway.Config{
		FreeScoutURL: up.URL, APIKey: key, RedisURL: opts.RedisURL, Timeout: opts.UpstreamTimeout,
		Concurrency: opts.Concurrency, CacheTTL: opts.CacheTTL, CachePrefix: opts.CachePrefix, CacheOpTimeout: cacheOpTimeout(opts.CacheOpTimeout),
	}
	if opts.Live {
		cfg.WebhookSecret = emulator.DefaultWebhookSecret()
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	gw, err := gateway.New(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("start gateway: %v", err)
	}
	if opts.Emulator == nil {
		// What the gateway asked FreeScout about the install at start is not
		// the test's: its counts and log start empty.
		up.Log.Reset()
		up.ResetCounts()
	}
	srv := httptest.NewServer(gw.Handler())
	// Streams end first: the server's Close waits for every request.
	t.Cleanup(func() { gw.EndStreams(); srv.Close(); _ = gw.Close() })
	env := &Env{Upstream: up, Gateway: gw, URL: srv.URL}
	if opts.Live {
		up.DeliverTo(t, env.URL)
	}
	return env
}

// DeliverTo registers a webhook for every FreeScout event that delivers to
// the gateway at baseURL, and deletes it when the test ends.
func (u *Upstream) DeliverTo(t testing.TB, baseURL string) {
	t.Helper()
	client, err := upstream.New(u.URL, APIKey)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := client.Webhooks.Create(context.Background(), &upstream.NewWebhook{URL: baseURL + "/webhooks/freescout", Events: events.FreeScoutEvents()})
	if err != nil {
		t.Fatalf("register the gateway's webhook: %v", err)
	}
	t.Cleanup(func() { _ = client.Webhooks.Delete(context.Background(), id) })
}

// Response is a GraphQL response.
type Response struct {
	Status     int
	Header     http.Header
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// Error is a GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Do posts a GraphQL request to the gateway and decodes the answer.
func (e *Env) Do(t testing.TB, query string, vars map[string]any) *Response {
	t.Helper()
	r, err := e.Query(context.Background(), query, vars)
	if err != nil {
		t.Fatalf("graphql request: %v", err)
	}
	return r
}

// Query is Do without a testing.TB, for benchmarks and goroutines.
func (e *Env) Query(ctx context.Context, query string, vars map[string]any) (*Response, error) {
	return e.Post(ctx, map[string]any{"query": query, "variables": vars}, e.Header)
}

// Post posts a GraphQL request body (query, variables, extensions...) with
// the extra headers given, and decodes the answer.
func (e *Env) Post(ctx context.Context, body map[string]any, header http.Header) (*Response, error) {
	return Post(ctx, e.URL, body, header)
}

// Post posts a GraphQL request body to the gateway at baseURL. It asks for
// an answer without compression (Accept-Encoding: identity), unless header
// asks otherwise: the benchmark measures the gateway's own work on an
// answer, as the REST comparison's client gets FreeScout's.
func Post(ctx context.Context, baseURL string, body map[string]any, header http.Header) (*Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	out := &Response{Status: res.StatusCode, Header: res.Header}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("status %d, body %.200q: %w", res.StatusCode, raw, err)
	}
	return out, nil
}

// MustData fails the test unless the response has no errors, and decodes
// its data into v.
func (r *Response) MustData(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data: %v\n%s", err, r.Data)
	}
}

// Request is one request the emulator received.
type Request struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Start, End             time.Time
}

// RequestLog records every request an emulator receives. A request is
// recorded once the emulator has answered it, which can be a moment after
// its client has read the answer and gone on; so Requests and Reset first
// wait (up to settleTimeout) until no request is being served, and a log
// read right after the requests it is about holds all of them and nothing
// that was still finishing from before.
type RequestLog struct {
	mu      sync.Mutex
	reqs    []Request
	serving int           // requests being served, not yet recorded
	settled chan struct{} // closed when serving drops to 0; nil while it is 0
	gate    *Lockstep     // holds answers while a lockstep measurement runs
}

// settleTimeout bounds how long Requests and Reset wait for requests being
// served (a request held by a fault can take as long as its client waits).
const settleTimeout = 5 * time.Second

func (l *RequestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		if l.serving == 0 {
			l.settled = make(chan struct{})
		}
		l.serving++
		gate := l.gate
		l.mu.Unlock()
		start := time.Now()
		if gate != nil {
			gate.admit(r)
		}
		next.ServeHTTP(w, r)
		l.mu.Lock()
		l.reqs = append(l.reqs, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Start: start, End: time.Now()})
		if l.serving--; l.serving == 0 {
			close(l.settled)
			l.settled = nil
		}
		l.mu.Unlock()
	})
}

// Handler returns next recording every request it serves in l, for an
// emulator served some other way than StartUpstream (the benchmark command
// runs one without a testing.TB).
func (l *RequestLog) Handler(next http.Handler) http.Handler { return l.wrap(next) }

// settle waits until no request is being served, or settleTimeout has
// passed, and returns with l.mu held.
func (l *RequestLog) settle() {
	deadline := time.Now().Add(settleTimeout)
	l.mu.Lock()
	for l.settled != nil && time.Now().Before(deadline) {
		settled := l.settled
		l.mu.Unlock()
		select {
		case <-settled:
		case <-time.After(time.Until(deadline)):
		}
		l.mu.Lock()
	}
}

// Requests returns a copy of the log, once the requests being served are
// recorded.
func (l *RequestLog) Requests() []Request {
	l.settle()
	defer l.mu.Unlock()
	return append([]Request(nil), l.reqs...)
}

// Reset empties the log, once the requests being served are recorded (so
// that they are not recorded after it, as if they came later).
func (l *RequestLog) Reset() {
	l.settle()
	l.reqs = nil
	l.mu.Unlock()
}

// RoundTrips is the number of sequential rounds among reqs: the longest
// chain of requests each of which started after the previous one ended.
// Requests that overlap in time count as one round.
func RoundTrips(reqs []Request) int {
	reqs = append([]Request(nil), reqs...)
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Start.Before(reqs[j].Start) })
	best := make([]int, len(reqs))
	longest := 0
	for i, r := range reqs {
		best[i] = 1
		for j, p := range reqs[:i] {
			if !p.End.After(r.Start) && best[j]+1 > best[i] {
				best[i] = best[j] + 1
			}
		}
		longest = max(longest, best[i])
	}
	return longest
}

func cacheOpTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 2 * time.Second
	}
	return d
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/graphiql"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// testKey is the FreeScout API key of these tests; it must never be echoed.
const testKey = "sekrit-api-key-7f3a9c"

// envOf returns a getenv over vars.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRunBadConfig: a bad setting fails at start with one line naming it,
// and the API key is never echoed, not even in usage text.
func TestRunBadConfig(t *testing.T) {
	t.Parallel()
	base := map[string]string{"FREESCOUT_URL": "http://127.0.0.1:1", "FREESCOUT_API_KEY": testKey}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name  string
		args  []string
		env   map[string]string
		names string // the setting the error must name
	}{
		{"FREESCOUT_URL missing", nil, with("FREESCOUT_URL", ""), "FREESCOUT_URL"},
		{"FREESCOUT_URL not http", nil, with("FREESCOUT_URL", "ftp://freescout.example"), "FREESCOUT_URL"},
		{"FREESCOUT_URL without host", []string{"--freescout-url", "http://"}, base, "FREESCOUT_URL"},
		{"FREESCOUT_API_KEY missing", nil, with("FREESCOUT_API_KEY", ""), "FREESCOUT_API_KEY"},
		{"UPSTREAM_CONCURRENCY not a number", nil, with("UPSTREAM_CONCURRENCY", "lots"), "UPSTREAM_CONCURRENCY"},
		{"UPSTREAM_CONCURRENCY zero", nil, with("UPSTREAM_CONCURRENCY", "0"), "UPSTREAM_CONCURRENCY"},
		{"--upstream-concurrency negative", []string{"--upstream-concurrency=-3"}, base, "UPSTREAM_CONCURRENCY"},
		{"REDIS_URL not redis", nil, with("REDIS_URL", "http://cache.example:6379"), "REDIS_URL"},
		{"REDIS_URL garbage", []string{"--redis-url", "redis://[::1"}, base, "REDIS_URL"},
		{"LISTEN_ADDR without port", nil, with("LISTEN_ADDR", "localhost"), "LISTEN_ADDR"},
		{"--listen empty", []string{"--listen="}, base, "LISTEN_ADDR"},
		{"CACHE_TTL", nil, with("CACHE_TTL", "forever"), "CACHE_TTL"},
		{"UPSTREAM_TIMEOUT", nil, with("UPSTREAM_TIMEOUT", "-1s"), "UPSTREAM_TIMEOUT"},
		{"LOG_LEVEL", nil, with("LOG_LEVEL", "loud"), "LOG_LEVEL"},
		{"DEMO", nil, with("DEMO", "maybe"), "DEMO"},
		{"unknown flag", []string{"--bogus"}, base, "bogus"},
		{"stray argument", []string{"--listen", "127.0.0.1:0", "extra"}, base, "extra"},
		{"bad setting in demo mode", []string{"--demo", "--upstream-concurrency", "x"}, with("FREESCOUT_URL", ""), "UPSTREAM_CONCURRENCY"},
		{"FREESCOUT_URL carrying the key", nil, with("FREESCOUT_URL", "http://fs.example/?api_key="+testKey), "FREESCOUT_URL"},
		{"FREESCOUT_URL carrying the key, not http", nil, with("FREESCOUT_URL", "htp:/fs.example?api_key="+testKey), "FREESCOUT_URL"},
		{"AUTH unknown", nil, with("AUTH", "magic"), "AUTH"},
		{"AUTH=none beyond loopback", []string{"--listen", "0.0.0.0:8080"}, base, "AUTH"},
		{"AUTH=tokens without a file", nil, with("AUTH", "tokens"), "AUTH_TOKENS_FILE"},
		{"ALLOW_ANONYMOUS", nil, with("ALLOW_ANONYMOUS", "perhaps"), "ALLOW_ANONYMOUS"},
		{"CORS_ORIGINS not an origin", nil, with("CORS_ORIGINS", "https://app.example/path"), "CORS_ORIGINS"},
		{"MAX_DEPTH", nil, with("MAX_DEPTH", "0"), "MAX_DEPTH"},
		{"MAX_COST", nil, with("MAX_COST", "lots"), "MAX_COST"},
		{"RATE_LIMIT", nil, with("RATE_LIMIT", "fast"), "RATE_LIMIT"},
		{"MAX_COST over RATE_LIMIT", nil, with("RATE_LIMIT", "100/min"), "MAX_COST"},
		{"PERSISTED_QUERIES", nil, with("PERSISTED_QUERIES", "sometimes"), "PERSISTED_QUERIES"},
		{"PERSISTED_QUERIES=only without a file", nil, with("PERSISTED_QUERIES", "only"), "PERSISTED_QUERIES_FILE"},
		{"INTROSPECTION", nil, with("INTROSPECTION", "dunno"), "INTROSPECTION"},
		{"REQUEST_TIMEOUT", nil, with("REQUEST_TIMEOUT", "0s"), "REQUEST_TIMEOUT"},
		{"MAX_CONNECTIONS", nil, with("MAX_CONNECTIONS", "-1"), "MAX_CONNECTIONS"},
		{"REDIS_PREFIX", nil, with("REDIS_PREFIX", "a b"), "REDIS_PREFIX"},
		{"PUBLIC_URL not http", nil, with("PUBLIC_URL", "gateway.example"), "PUBLIC_URL"},
		{"PUBLIC_URL with a query", nil, with("PUBLIC_URL", "https://gateway.example/?x=1"), "PUBLIC_URL"},
		{"CONVERSATION_CACHE_TTL", nil, with("CONVERSATION_CACHE_TTL", "a while"), "CONVERSATION_CACHE_TTL"},
		{"CONVERSATION_CACHE_TTL negative", nil, with("CONVERSATION_CACHE_TTL", "-1m"), "CONVERSATION_CACHE_TTL"},
		{"--freescout-module not a version", []string{"--demo", "--freescout-module", "1.0"}, base, "FREESCOUT_MODULE"},
		{"FREESCOUT_MODULE not a version", []string{"--demo"}, with("FREESCOUT_MODULE", "latest"), "FREESCOUT_MODULE"},
		{"--without-modules unknown", []string{"--demo", "--without-modules", "tags,billing"}, base, "WITHOUT_MODULES"},
		{"WITHOUT_MODULES unknown", []string{"--demo"}, with("WITHOUT_MODULES", "crm;tags"), "WITHOUT_MODULES"},
		{"--freescout-module without --demo", []string{"--freescout-module", "1.0.20"}, base, "only with --demo"},
		{"WITHOUT_MODULES without --demo", nil, with("WITHOUT_MODULES", "tags"), "only with --demo"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append([]string{"scoutgraph"}, tc.args...), envOf(tc.env), &stdout, &stderr)
			if err == nil {
				t.Fatal("run succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.names) {
				t.Errorf("error %q does not name %s", msg, tc.names)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is more than one line: %q", msg)
			}
			for _, out := range []string{msg, stdout.String(), stderr.String()} {
				if strings.Contains(out, testKey) {
					t.Errorf("the API key is echoed: %q", out)
				}
			}
		})
	}
}

// TestAnonymousBeyondLoopback: AUTH=none listens beyond loopback only when
// told to, in demo mode or with ALLOW_ANONYMOUS.
func TestAnonymousBeyondLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--demo", "--listen", "0.0.0.0:0"}, nil},
		{[]string{"--listen", "0.0.0.0:0", "--freescout-url", "http://127.0.0.1:1"}, map[string]string{"ALLOW_ANONYMOUS": "true", "FREESCOUT_API_KEY": testKey}},
	} {
		if _, err := parseConfig(tc.args, envOf(tc.env), io.Discard); err != nil {
			t.Errorf("%v: %v", tc.args, err)
		}
	}
}

// TestConnectionLimit: with every connection slot held by idle keep-alive
// clients, a new client is still served: the longest idle one is closed to
// make room, and the server never holds more than the bound.
func TestConnectionLimit(t *testing.T) {
	t.Parallel()
	const bound = 20
	limit := newConnLimit(bound)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	srv.Config.ConnState = limit.track
	srv.Start()
	t.Cleanup(srv.Close)
	open := func() int {
		limit.mu.Lock()
		defer limit.mu.Unlock()
		return len(limit.conns)
	}
	// 200 idle clients, each with a keep-alive connection of its own.
	for i := range 200 {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		res, err := c.Get(srv.URL)
		if err != nil {
			t.Fatalf("idle client %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		defer c.CloseIdleConnections()
		if n := open(); n > bound {
			t.Fatalf("after %d clients the server holds %d connections, bound %d", i+1, n, bound)
		}
	}
	res, err := (&http.Client{Transport: &http.Transport{}}).Get(srv.URL)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("a new client: %v", err)
	}
	res.Body.Close()
}

// TestRunSubcommands covers schema, version and unknown commands.
func TestRunSubcommands(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args    []string
		stdout  *regexp.Regexp
		wantErr string
	}{
		{args: []string{"schema"}, stdout: regexp.MustCompile(`(?s)type Conversation \{.*type Query \{.*type Mutation \{.*scalar DateTime`)},
		{args: []string{"version"}, stdout: regexp.MustCompile(`^scoutgraph \S+\n$`)},
		{args: []string{"--version"}, stdout: regexp.MustCompile(`^scoutgraph \S+\n$`)},
		{args: []string{"help"}, stdout: regexp.MustCompile(`(?s)usage:.*emulator.*webhooks register\|list\|delete.*healthcheck.*schema.*version.*--freescout-url +FREESCOUT_URL.*--webhook-secret +WEBHOOK_SECRET`)},
		{args: []string{"--help"}, stdout: regexp.MustCompile(`(?s)usage:.*healthcheck.*--max-cost +MAX_COST`)},
		{args: []string{"-h"}, stdout: regexp.MustCompile(`usage:`)},
		{args: []string{"healthcheck", "--listen", "127.0.0.1:1"}, wantErr: "healthcheck: http://127.0.0.1:1/healthz"},
		{args: []string{"healthcheck", "--listen", "nonsense"}, wantErr: "want host:port"},
		{args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`},
		{args: []string{"emulator"}, wantErr: "--api-key"},
		{args: []string{"emulator", "--api-key", "k", "--latency", "soon"}, wantErr: "latency"},
		{args: []string{"emulator", "--api-key", "k", "--freescout-module", "v1.x"}, wantErr: "--freescout-module"},
		{args: []string{"emulator", "--api-key", "k", "--without-modules", "tags,billing"}, wantErr: "--without-modules"},
		{args: []string{"emulator", "--api-key", "k", "--webhook-delay", "-1s"}, wantErr: "--webhook-delay"},
		{args: []string{"emulator", "--api-key", "k", "--webhook-delay", "later"}, wantErr: "webhook-delay"},
		{args: []string{"emulator", "--api-key", "k", "stray"}, wantErr: "stray"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append([]string{"scoutgraph"}, tc.args...), envOf(nil), &stdout, &stderr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %v, want one line mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.stdout.MatchString(stdout.String()) {
				t.Errorf("stdout %.300q does not match %s", stdout.String(), tc.stdout)
			}
		})
	}
}

// started runs run in the background and returns the address it announces
// on stdout, a channel with run's result, and its stderr.
func started(t *testing.T, ctx context.Context, args []string, env map[string]string, announce *regexp.Regexp) (string, <-chan error, *lockedBuffer) {
	t.Helper()
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, envOf(env), pw, stderr)
		pw.CloseWithError(errors.New("run returned"))
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("run printed nothing: %v; stderr %s; result %v", lines.Err(), stderr, <-done)
	}
	m := announce.FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("first line %q does not match %s", lines.Text(), announce)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return m[1], done, stderr
}

// waitRun waits for run to return after its context was cancelled.
func waitRun(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after cancel, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
}

var listening = regexp.MustCompile(`listening on http://(\S+?)[ /]`)

func postQuery(t *testing.T, addr, query string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || out["errors"] != nil {
		t.Fatalf("POST /graphql: %d %v", res.StatusCode, out)
	}
	return out
}

// TestRunDemo serves the gateway over the built-in emulator on a free port,
// answers a query, and stops cleanly when its context is cancelled.
func TestRunDemo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, done, stderr := started(t, ctx, []string{"scoutgraph", "--demo", "--listen", "127.0.0.1:0"}, map[string]string{"LISTEN_ADDR": "not an address"}, listening)
	out := postQuery(t, addr, `{ conversation(id: "1") { id number mailbox { name } } mailboxes { totalCount } }`)
	data, _ := out["data"].(map[string]any)
	conv, _ := data["conversation"].(map[string]any)
	if conv["id"] != "1" || conv["number"] != float64(1001) {
		t.Errorf("demo data: %v", out)
	}
	// The demo is live: its emulator delivers webhooks to the gateway.
	sub, err := gatewaytest.SubscribeSSE(ctx, "http://"+addr, nil, `subscription { conversationEvents(filter: {types: [CREATED]}) { conversation { subject } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	gatewaytest.WaitSubscriptions(t, "http://"+addr, 1)
	postQuery(t, addr, `mutation { createConversation(input: {type: EMAIL, mailboxId: "1", subject: "demo is live", customer: {email: "demo@example.org"}, threads: [{type: CUSTOMER, text: "hi", customer: {email: "demo@example.org"}}]}) { conversationId } }`)
	waitCtx, stopWait := context.WithTimeout(ctx, time.Minute)
	if ev, err := sub.Next(waitCtx); err != nil || !strings.Contains(string(ev.Data), "demo is live") {
		t.Errorf("demo subscription: %+v, %v; want the conversation created", ev, err)
	}
	stopWait()
	ws, err := gatewaytest.SubscribeWS(ctx, "http://"+addr, nil, `subscription { customerEvents { id } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	gatewaytest.WaitSubscriptions(t, "http://"+addr, 2)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}
	cancel()
	// Shutting down completes every stream, WebSocket and SSE alike.
	for name, s := range map[string]*gatewaytest.Subscription{"sse": sub, "websocket": ws} {
		waitCtx, stop := context.WithTimeout(t.Context(), time.Minute)
		if ev, err := s.Next(waitCtx); !errors.Is(err, io.EOF) {
			t.Errorf("%s at shutdown: %+v, %v; want the stream completed", name, ev, err)
		}
		stop()
	}
	waitRun(t, done)
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still serving after run returned")
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("no shutdown in the log: %s", stderr)
	}
}

// TestRunAgainstFreeScout serves the gateway in front of a FreeScout given
// by environment, with a flag winning over its variable, and checks the key
// travels only in its header and never reaches the logs.
func TestRunAgainstFreeScout(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []http.Header
	emu := emulator.New(emulator.Options{APIKey: testKey})
	fs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		if strings.Contains(r.URL.RawQuery, "api_key") {
			t.Errorf("api_key in the query of %s", r.URL.Path)
		}
		emu.ServeHTTP(w, r)
	}))
	defer fs.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	env := map[string]string{
		"FREESCOUT_URL": fs.URL, "FREESCOUT_API_KEY": testKey, "LISTEN_ADDR": "127.0.0.1:1",
		"UPSTREAM_CONCURRENCY": "4", "LOG_LEVEL": "debug",
	}
	// what the emulator holds, asked directly (not through fs, so not in seen)
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/users?pageSize=1", nil)
	req.Header.Set("X-FreeScout-API-Key", testKey)
	emu.ServeHTTP(rec, req)
	var users struct {
		Page struct {
			TotalElements int `json:"totalElements"`
		} `json:"page"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &users); err != nil || users.Page.TotalElements == 0 {
		t.Fatalf("emulator users: %v %s", err, rec.Body)
	}
	addr, done, stderr := started(t, ctx, []string{"scoutgraph", "--listen", "127.0.0.1:0"}, env, listening)
	out := postQuery(t, addr, `{ users { totalCount nodes { email } } }`)
	if n := out["data"].(map[string]any)["users"].(map[string]any)["totalCount"]; n != float64(users.Page.TotalElements) {
		t.Errorf("users: %v, want totalCount %d", out, users.Page.TotalElements)
	}
	cancel()
	waitRun(t, done)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("FreeScout was never called")
	}
	for _, h := range seen {
		if h.Get("X-FreeScout-API-Key") != testKey || h.Get("Authorization") != "" {
			t.Errorf("request headers %v", h)
		}
	}
	if strings.Contains(stderr.String(), testKey) {
		t.Error("the logs show the API key")
	}
}

// TestRunEmulatorInstall serves the emulator alone as an old install
// without some modules, from flags and from the environment (flags win),
// signing webhook deliveries with the secret given; a bad FREESCOUT_MODULE
// fails at start.
func TestRunEmulatorInstall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flags", []string{"--freescout-module", "1.0.20", "--without-modules", "tags, timetracking"}, nil},
		{"environment", nil, map[string]string{"FREESCOUT_MODULE": "1.0.20", "WITHOUT_MODULES": "tags,timetracking"}},
		{"flags win", []string{"--freescout-module", "1.0.20"}, map[string]string{"FREESCOUT_MODULE": "1.0.99", "WITHOUT_MODULES": "tags,timetracking"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			args := append([]string{"scoutgraph", "emulator", "--listen", "127.0.0.1:0", "--api-key", "emu-key",
				"--webhook-secret", "s3cret", "--webhook-delay", "0s"}, tc.args...)
			addr, done, _ := started(t, ctx, args, tc.env, listening)
			get := func(path string) (int, string) {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-FreeScout-API-Key", "emu-key")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			if status, body := get("/api/tags"); status != 400 || !strings.Contains(body, "Tags module") {
				t.Errorf("GET /api/tags without the Tags module: %d %s", status, body)
			}
			if status, body := get("/api/users/1"); status != 200 || !regexp.MustCompile(`"createdAt":"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ"`).MatchString(body) {
				t.Errorf("GET /api/users/1 of module 1.0.20: %d %s; want dates with dashes", status, body)
			}
			if status, _ := get("/api/mailboxes/1/custom_fields"); status != 200 {
				t.Errorf("custom fields, a module it has: %d", status)
			}
			if tc.name == "flags" {
				checkSignedDelivery(t, addr, "s3cret")
			}
			cancel()
			waitRun(t, done)
		})
	}
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"scoutgraph", "emulator", "--api-key", "k"}, envOf(map[string]string{"FREESCOUT_MODULE": "one"}), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "FREESCOUT_MODULE") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a bad FREESCOUT_MODULE: %v", err)
	}
}

// checkSignedDelivery registers a webhook with the emulator at addr, makes
// a customer, and checks the delivery is signed with secret.
func checkSignedDelivery(t *testing.T, addr, secret string) {
	t.Helper()
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- r:
			bodies <- b
		default:
		}
	}))
	t.Cleanup(receiver.Close)
	post := func(path, body string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-FreeScout-API-Key", "emu-key")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("POST %s: %d", path, res.StatusCode)
		}
	}
	post("/api/webhooks", `{"url": "`+receiver.URL+`/hook", "events": ["customer.created"]}`)
	post("/api/customers", `{"firstName": "Signed", "email": "signed@example.org"}`)
	select {
	case r := <-got:
		if sig := r.Header.Get("X-FreeScout-Signature"); sig != emulator.SignWebhook(<-bodies, secret) {
			t.Errorf("delivery signed %q, not with --webhook-secret", sig)
		}
	case <-t.Context().Done():
		t.Fatal("no delivery")
	}
}

// TestRunDemoInstall serves the demo as an old install without modules: the
// gateway learns it at start and says so in serverInfo.
func TestRunDemoInstall(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, done, _ := started(t, ctx, []string{"scoutgraph", "--demo", "--listen", "127.0.0.1:0", "--freescout-module", "1.0.20"},
		map[string]string{"WITHOUT_MODULES": "tags,customfields,crm,timetracking"}, listening)
	out := postQuery(t, addr, `{ serverInfo { moduleVersion { text } modules { name presence } } conversation(id: "1") { id } }`)
	info := out["data"].(map[string]any)["serverInfo"].(map[string]any)
	if v := info["moduleVersion"].(map[string]any)["text"]; v != "1.0.20 or older" {
		t.Errorf("module version %v", v)
	}
	for _, m := range info["modules"].([]any) {
		if m.(map[string]any)["presence"] != "MISSING" {
			t.Errorf("module %v", m)
		}
	}
	cancel()
	waitRun(t, done)
}

// TestRunEmulator serves the emulator alone and stops cleanly.
func TestRunEmulator(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, done, _ := started(t, ctx, []string{"scoutgraph", "emulator", "--listen", "127.0.0.1:0", "--api-key", "emu-key"}, nil, listening)
	for _, tc := range []struct {
		key    string
		status int
	}{{"emu-key", 200}, {"wrong", 401}} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/api/mailboxes", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-FreeScout-API-Key", tc.key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("GET /api/mailboxes with key %q: %d, want %d", tc.key, res.StatusCode, tc.status)
		}
	}
	cancel()
	waitRun(t, done)
}

func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, defaultGCPercent)
	}
	tuneGC(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100 set: GC percent %d, want it left at 100", got)
	}
}

// TestWebhooksCommand: register makes one webhook for every event at
// PUBLIC_URL/webhooks/freescout, however often it runs, and replaces one
// that delivers only some events; list shows it; delete removes it; bad
// input gets a one-line error.
func TestWebhooksCommand(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{APIKey: testKey})
	t.Cleanup(func() { _ = emu.Close() })
	fs := httptest.NewServer(emu)
	t.Cleanup(fs.Close)
	env := map[string]string{"FREESCOUT_URL": fs.URL, "FREESCOUT_API_KEY": testKey, "PUBLIC_URL": "https://gateway.example.org/"}
	target := "https://gateway.example.org/webhooks/freescout"
	cmd := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), append([]string{"scoutgraph", "webhooks"}, args...), envOf(env), &stdout, &stderr)
		if strings.Contains(stdout.String()+stderr.String(), testKey) || (err != nil && strings.Contains(err.Error(), testKey)) {
			t.Errorf("webhooks %v echoes the API key", args)
		}
		return stdout.String(), err
	}
	client, err := upstream.New(fs.URL, testKey)
	if err != nil {
		t.Fatal(err)
	}
	ours := func() []upstream.Webhook {
		t.Helper()
		hooks, _, err := client.Webhooks.List(t.Context(), &upstream.ListOptions{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(hooks, func(h upstream.Webhook) bool { return h.URL != target })
	}
	// A webhook of the gateway that misses events is replaced.
	if _, _, err := client.Webhooks.Create(t.Context(), &upstream.NewWebhook{URL: target, Events: []string{"convo.created"}}); err != nil {
		t.Fatal(err)
	}
	out, err := cmd("register")
	if err != nil || !strings.Contains(out, "registered webhook") {
		t.Fatalf("register: %q, %v", out, err)
	}
	first := ours()
	if len(first) != 1 || len(first[0].Events) != 12 {
		t.Fatalf("after register: %+v, want one webhook for the 12 events", first)
	}
	out, err = cmd("register", "--public-url", "https://gateway.example.org")
	if err != nil || !strings.Contains(out, "already") {
		t.Errorf("register again: %q, %v", out, err)
	}
	if again := ours(); len(again) != 1 || again[0].ID != first[0].ID {
		t.Errorf("after registering twice: %+v, want the first webhook alone", again)
	}
	if out, err = cmd("list"); err != nil || !strings.Contains(out, target+" (this gateway)") {
		t.Errorf("list: %q, %v", out, err)
	}
	if out, err = cmd("delete"); err != nil || !strings.Contains(out, "deleted webhook") {
		t.Errorf("delete: %q, %v", out, err)
	}
	if left := ours(); len(left) != 0 {
		t.Errorf("after delete: %+v", left)
	}
	if out, err = cmd("delete"); err != nil || !strings.Contains(out, "no webhook") {
		t.Errorf("delete again: %q, %v", out, err)
	}

	for _, bad := range []struct {
		args  []string
		env   map[string]string
		names string
	}{
		{nil, env, "register, list or delete"},
		{[]string{"renew"}, env, "renew"},
		{[]string{"register"}, map[string]string{"FREESCOUT_URL": fs.URL, "FREESCOUT_API_KEY": testKey}, "PUBLIC_URL"},
		{[]string{"register", "--public-url", "ftp://x"}, env, "PUBLIC_URL"},
		{[]string{"list"}, map[string]string{"FREESCOUT_URL": fs.URL}, "FREESCOUT_API_KEY"},
		{[]string{"list"}, map[string]string{"FREESCOUT_URL": fs.URL, "FREESCOUT_API_KEY": "wrong-key"}, "webhooks"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), append([]string{"scoutgraph", "webhooks"}, bad.args...), envOf(bad.env), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), bad.names) || strings.Contains(err.Error(), "\n") {
			t.Errorf("webhooks %v: %v; want one line naming %s", bad.args, err, bad.names)
		}
	}
}

// TestHealthcheckAndStartLine: the start line says whether GraphiQL is
// built; healthcheck exits 0 against the running gateway, over loopback
// even when it listens on every address.
func TestHealthcheckAndStartLine(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"scoutgraph", "--demo", "--listen", "0.0.0.0:0"}, envOf(nil), pw, io.Discard)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("nothing printed")
	}
	line := lines.Text()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	want := "GraphiQL at /"
	if !graphiql.Built() {
		want = "GraphiQL is not built"
	}
	if !strings.Contains(line, want) {
		t.Errorf("start line %q does not say %q", line, want)
	}
	m := listening.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("start line %q names no address", line)
	}
	var stdout bytes.Buffer
	if err := run(t.Context(), []string{"scoutgraph", "healthcheck"}, envOf(map[string]string{"LISTEN_ADDR": m[1]}), &stdout, io.Discard); err != nil || stdout.String() != "ok\n" {
		t.Errorf("healthcheck: %v, %q", err, stdout.String())
	}
	cancel()
	waitRun(t, done)
}

// TestRejectedKeyIsSaidAtStart: a key FreeScout rejects is reported at
// start in one log line that never holds the key.
func TestRejectedKeyIsSaidAtStart(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{APIKey: "the-right-key"})
	fs := httptest.NewServer(emu)
	t.Cleanup(fs.Close)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, done, stderr := started(t, ctx, []string{"scoutgraph", "--listen", "127.0.0.1:0"}, map[string]string{"FREESCOUT_URL": fs.URL, "FREESCOUT_API_KEY": testKey}, listening)
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stderr.String(), "FreeScout rejects the API key") {
		if time.Now().After(deadline) {
			t.Fatalf("no line about the rejected key in a minute:\n%s", stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	waitRun(t, done)
	if strings.Contains(stderr.String(), testKey) {
		t.Error("the log holds the API key")
	}
	var rejected int
	for line := range strings.SplitSeq(stderr.String(), "\n") {
		if strings.Contains(line, "rejects the API key") {
			rejected++
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["level"] != "ERROR" {
				t.Errorf("the line is not a JSON error record: %s", line)
			}
		}
	}
	if rejected != 1 {
		t.Errorf("%d lines about the rejected key, want 1", rejected)
	}
}

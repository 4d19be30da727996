package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

func TestFaultStatus(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		fault   emulator.Fault
		hit     [][2]string // method, path: get the fault
		miss    [][2]string // unaffected
		status  int
	}{
		{
			name: "route pattern", pattern: "GET /api/conversations/{id}", fault: emulator.Fault{Status: http.StatusServiceUnavailable},
			hit:    [][2]string{{"GET", "/api/conversations/1"}, {"GET", "/api/conversations/77"}},
			miss:   [][2]string{{"GET", "/api/conversations"}, {"GET", "/api/conversations/1/timelogs"}, {"DELETE", "/api/conversations/3"}},
			status: http.StatusServiceUnavailable,
		},
		{
			name: "plain path prefix", pattern: "/api/customers", fault: emulator.Fault{Status: http.StatusGatewayTimeout},
			hit:    [][2]string{{"GET", "/api/customers"}, {"GET", "/api/customers/1"}, {"PUT", "/api/customers/1/customer_fields"}},
			miss:   [][2]string{{"GET", "/api/conversations/1"}, {"GET", "/api/mailboxes"}},
			status: http.StatusGatewayTimeout,
		},
		{
			name: "method and exact path", pattern: "GET /api/conversations", fault: emulator.Fault{},
			hit:    [][2]string{{"GET", "/api/conversations"}},
			miss:   [][2]string{{"POST", "/api/conversations"}, {"GET", "/api/conversations/1"}},
			status: http.StatusInternalServerError,
		},
		{
			name: "subtree", pattern: "GET /api/mailboxes/", fault: emulator.Fault{Status: http.StatusBadGateway},
			hit:    [][2]string{{"GET", "/api/mailboxes/1/folders"}, {"GET", "/api/mailboxes/3/custom_fields"}},
			miss:   [][2]string{{"GET", "/api/users"}},
			status: http.StatusBadGateway,
		},
		{
			name: "status 404 keeps FreeScout's 404 body", pattern: "GET /api/users/{id}", fault: emulator.Fault{Status: http.StatusNotFound},
			hit:    [][2]string{{"GET", "/api/users/1"}},
			miss:   [][2]string{{"GET", "/api/users"}},
			status: http.StatusNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t)
			c.em.InjectFault(tt.pattern, tt.fault)
			for _, h := range tt.hit {
				res := c.do(h[0], h[1], nil)
				if res.status != tt.status {
					t.Errorf("%s %s: status %d, want %d", h[0], h[1], res.status, tt.status)
					continue
				}
				if body := res.json(t); body["message"] == nil || (tt.status != http.StatusNotFound && body["errorCode"] == nil) {
					t.Errorf("%s %s: fault body %v", h[0], h[1], body)
				}
			}
			for _, m := range tt.miss {
				if res := c.do(m[0], m[1], nil); res.status == tt.status {
					t.Errorf("%s %s got the fault", m[0], m[1])
				}
			}
			c.em.ClearFaults()
			if res := c.do(tt.hit[0][0], tt.hit[0][1], nil); res.status == tt.status {
				t.Errorf("fault still applied after ClearFaults")
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	c := newClient(t)
	c.em.InjectFault("GET /api/tags", emulator.Fault{Status: http.StatusInternalServerError, Times: 2})
	var got []int
	for range 4 {
		got = append(got, c.do(http.MethodGet, "/api/tags", nil).status)
	}
	if fmt.Sprint(got) != "[500 500 200 200]" {
		t.Errorf("statuses = %v", got)
	}
	t.Run("the fault injected last wins", func(t *testing.T) {
		c.em.InjectFault("/api", emulator.Fault{Status: http.StatusServiceUnavailable})
		c.em.InjectFault("GET /api/tags", emulator.Fault{Status: http.StatusTeapot, Times: 1})
		if s := c.do(http.MethodGet, "/api/tags", nil).status; s != http.StatusTeapot {
			t.Errorf("status %d, want 418", s)
		}
		if s := c.do(http.MethodGet, "/api/tags", nil).status; s != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503 once the other fault is used up", s)
		}
		c.em.ClearFaults()
	})
}

func TestFaultMalformed(t *testing.T) {
	c := newClient(t)
	c.em.InjectFault("GET /api/conversations", emulator.Fault{Malformed: true, Times: 1})
	res := c.do(http.MethodGet, "/api/conversations", nil)
	if res.status != http.StatusOK || json.Valid(res.body) || res.header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, valid JSON %v, content type %q", res.status, json.Valid(res.body), res.header.Get("Content-Type"))
	}
	if res := c.do(http.MethodGet, "/api/conversations", nil); !json.Valid(res.body) {
		t.Error("malformed after Times ran out")
	}
}

func TestFaultHang(t *testing.T) {
	c := newClient(t)
	c.em.InjectFault("GET /api/conversations/{id}", emulator.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req := c.request(http.MethodGet, "/api/conversations/1", nil).WithContext(ctx)
	res, err := c.srv.Client().Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("hung request answered with %d", res.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	// the hung handler returned (the server's Close at cleanup would block otherwise),
	// and other requests are served meanwhile
	if s := c.do(http.MethodGet, "/api/conversations", nil).status; s != http.StatusOK {
		t.Errorf("other route: %d", s)
	}
}

func TestLatency(t *testing.T) {
	const latency = 60 * time.Millisecond
	c := newClientWith(t, emulator.Options{APIKey: apiKey, Latency: latency})
	start := time.Now()
	c.expect(http.StatusOK, http.MethodGet, "/api/mailboxes", nil)
	if d := time.Since(start); d < latency {
		t.Errorf("request took %v, latency is %v", d, latency)
	}

	t.Run("concurrent requests sleep concurrently", func(t *testing.T) {
		// Causality, not the clock: n requests are held in their latency (an hour) at
		// once, and meanwhile another request is answered; then they are let go. Were
		// the latency served one request at a time, the last request would never be
		// answered while the others wait.
		const n = 20
		arrived := make(chan struct{}, n)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/conversations/1" {
				// The emulator sets its CORS headers once it has taken the latency.
				w = &headerSignal{ResponseWriter: w, signal: arrived}
			}
			c.em.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		c.em.SetLatency(time.Hour)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				req := c.request(http.MethodGet, "/api/conversations/1", nil)
				req.URL.Host = strings.TrimPrefix(srv.URL, "http://")
				res, err := srv.Client().Do(req.WithContext(ctx))
				if err == nil {
					res.Body.Close()
				}
				errs <- err
			})
		}
		for range n {
			<-arrived
		}
		c.em.SetLatency(0) // for requests that start from now on
		if res := c.do(http.MethodGet, "/api/mailboxes", nil); res.status != http.StatusOK {
			t.Errorf("a request while %d others wait their latency: status %d", n, res.status)
		}
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("a request held for an hour ended with %v, want its context's cancellation", err)
			}
		}
		c.em.SetLatency(latency)
	})
	t.Run("latency ends with the request context", func(t *testing.T) {
		c.em.SetLatency(time.Hour)
		defer c.em.SetLatency(0)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := c.srv.Client().Do(c.request(http.MethodGet, "/api/tags", nil).WithContext(ctx))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("SetLatency", func(t *testing.T) {
		c.em.SetLatency(0)
		c.expect(http.StatusOK, http.MethodGet, "/api/tags", nil)
	})
	t.Run("a write whose client gave up during the latency never lands", func(t *testing.T) {
		c.em.SetLatency(time.Hour)
		defer c.em.SetLatency(0)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		req := c.request(http.MethodPut, "/api/conversations/1/tags", map[string]any{"tags": []string{"never-landed"}})
		if _, err := c.srv.Client().Do(req.WithContext(ctx)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		c.em.SetLatency(0)
		body := string(c.expect(http.StatusOK, http.MethodGet, "/api/conversations/1?embed=tags", nil).body)
		if strings.Contains(body, "never-landed") {
			t.Errorf("the write landed: %s", body)
		}
	})
}

// headerSignal is a ResponseWriter that signals on the first call of Header.
type headerSignal struct {
	http.ResponseWriter
	signal chan<- struct{}
	once   sync.Once
}

func (h *headerSignal) Header() http.Header {
	h.once.Do(func() { h.signal <- struct{}{} })
	return h.ResponseWriter.Header()
}

// TestLatencyHoldsTheSameAnswer checks that a GET answered under latency (computed at once,
// held until the latency has passed) is the answer it gets without latency: status, headers
// and body, for successes and for every kind of error.
func TestLatencyHoldsTheSameAnswer(t *testing.T) {
	const latency = 30 * time.Millisecond
	fast := newClientWith(t, emulator.Options{APIKey: apiKey})
	slow := newClientWith(t, emulator.Options{APIKey: apiKey, Latency: latency})
	for _, path := range []string{
		"/api/conversations?embed=threads,tags&pageSize=50", "/api/conversations/1?embed=timelogs",
		"/api/mailboxes/1/custom_fields", "/api/conversations/99999", "/api/nowhere", "/api/users/1/unknown",
	} {
		want := fast.do(http.MethodGet, path, nil)
		start := time.Now()
		got := slow.do(http.MethodGet, path, nil)
		if d := time.Since(start); d < latency {
			t.Errorf("GET %s took %v, latency is %v", path, d, latency)
		}
		if got.status != want.status || string(got.body) != string(want.body) {
			t.Errorf("GET %s under latency: %d %q, without: %d %q", path, got.status, got.body, want.status, want.body)
		}
		for _, h := range []string{"Content-Type", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Allow"} {
			if got.header.Get(h) != want.header.Get(h) {
				t.Errorf("GET %s: %s under latency %q, without %q", path, h, got.header.Get(h), want.header.Get(h))
			}
		}
	}
	unauthorized := slow.request(http.MethodGet, "/api/conversations/3", nil)
	unauthorized.Header.Del("X-FreeScout-API-Key")
	if res := slow.send(unauthorized); res.status != http.StatusUnauthorized {
		t.Errorf("unauthenticated GET under latency: status %d", res.status)
	}
}

func TestCounts(t *testing.T) {
	c := newClient(t)
	c.do(http.MethodGet, "/api/conversations/1", nil)
	c.do(http.MethodGet, "/api/conversations/2?embed=tags", nil)
	c.do(http.MethodGet, "/api/conversations", nil)
	c.do(http.MethodPut, "/api/conversations/1/custom_fields", map[string]any{"customFields": []any{}})
	c.do(http.MethodGet, "/api/mailboxes/1/custom_fields", nil)
	c.do(http.MethodGet, "/api/conversations/9999", nil) // 404 still counts

	unauthorized := c.request(http.MethodGet, "/api/conversations/3", nil)
	unauthorized.Header.Del("X-FreeScout-API-Key")
	if res := c.send(unauthorized); res.status != http.StatusUnauthorized {
		t.Fatalf("status %d", res.status)
	}
	c.em.InjectFault("GET /api/tags", emulator.Fault{Status: http.StatusInternalServerError})
	c.do(http.MethodGet, "/api/tags", nil)
	c.do(http.MethodPatch, "/api/conversations/1", nil)
	c.do(http.MethodGet, "/api/unknown", nil)

	want := map[string]int{
		"GET /api/conversations/{id}":               4,
		"GET /api/conversations":                    1,
		"PUT /api/conversations/{id}/custom_fields": 1,
		"GET /api/mailboxes/{id}/custom_fields":     1,
		"GET /api/tags":                             1,
		"PATCH /api/conversations/{id}":             1,
		"":                                          1,
	}
	for route, n := range want {
		if got := c.em.Count(route); got != n {
			t.Errorf("Count(%q) = %d, want %d", route, got, n)
		}
	}
	counts := c.em.Counts()
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("Counts() = %v\nwant %v", counts, want)
	}
	if c.em.Total() != 10 {
		t.Errorf("Total() = %d, want 10", c.em.Total())
	}
	counts["GET /api/conversations"] = 99
	if c.em.Count("GET /api/conversations") != 1 {
		t.Error("Counts() is not a copy")
	}
	c.em.ResetCounts()
	if c.em.Total() != 0 || len(c.em.Counts()) != 0 || c.em.Count("GET /api/conversations/{id}") != 0 {
		t.Errorf("after ResetCounts: total %d, counts %v", c.em.Total(), c.em.Counts())
	}
}

// TestConcurrentUse runs reads and writes together; with -race it checks the locking.
func TestConcurrentUse(t *testing.T) {
	c := newClient(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				switch (i + j) % 5 {
				case 0:
					c.goDo(http.MethodGet, "/api/conversations?embed=threads,tags,timelogs&"+allStatuses, nil)
				case 1:
					c.goDo(http.MethodPut, fmt.Sprintf("/api/conversations/%d/tags", 1+j), map[string]any{"tags": []string{fmt.Sprint("t", i)}})
				case 2:
					c.goDo(http.MethodPost, fmt.Sprintf("/api/conversations/%d/threads", 1+i), map[string]any{"type": "note", "text": "x", "user": 1})
				case 3:
					c.goDo(http.MethodGet, "/api/mailboxes/1/folders", nil)
				case 4:
					c.goDo(http.MethodPut, fmt.Sprintf("/api/conversations/%d", 30+j), map[string]any{"byUser": 1, "status": "closed"})
				}
			}
		})
	}
	wg.Wait()
	if c.em.Total() != 80 {
		t.Errorf("Total() = %d, want 80", c.em.Total())
	}
}

// BenchmarkConcurrentGets fires 50 concurrent requests per round with 20 ms latency.
func BenchmarkConcurrentGets(b *testing.B) {
	c := newClientWith(b, emulator.Options{APIKey: apiKey, Latency: 20 * time.Millisecond})
	c.srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() {
				c.goDo(http.MethodGet, fmt.Sprintf("/api/conversations/%d?embed=threads,timelogs,tags", 1+i), nil)
			})
		}
		wg.Wait()
	}
}

// BenchmarkLatencyOvershoot measures how much later than the configured 20 ms
// a small GET is answered, over loopback and including the client's own work:
// the emulator's precision as an instrument. It reports the median and the
// 95th percentile of the overshoot in microseconds.
func BenchmarkLatencyOvershoot(b *testing.B) {
	const latency = 20 * time.Millisecond
	c := newClientWith(b, emulator.Options{APIKey: apiKey, Latency: latency})
	c.do(http.MethodGet, "/api/users/1", nil) // open the connection
	var late []time.Duration
	for b.Loop() {
		start := time.Now()
		c.do(http.MethodGet, "/api/users/1", nil)
		late = append(late, time.Since(start)-latency)
	}
	slices.Sort(late)
	b.ReportMetric(float64(late[len(late)/2].Microseconds()), "µs-late-p50")
	b.ReportMetric(float64(late[len(late)*95/100].Microseconds()), "µs-late-p95")
}

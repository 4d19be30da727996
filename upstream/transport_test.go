package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

func TestRetryGET(t *testing.T) {
	const route = "GET /api/conversations/{id}"
	get := func(ctx context.Context, c *upstream.Client) error {
		_, err := c.Conversations.Get(ctx, 1)
		return err
	}
	list := func(ctx context.Context, c *upstream.Client) error {
		_, _, err := c.Tags.List(ctx, nil)
		return err
	}
	tests := []struct {
		name     string
		pattern  string
		route    string
		fault    emulator.Fault
		opts     []upstream.Option
		call     func(context.Context, *upstream.Client) error
		wantErr  error // nil: success
		attempts int
		statuses []int // as the observer reports them
	}{
		{name: "503 twice, then success", pattern: route, route: route, fault: emulator.Fault{Status: 503, Times: 2},
			call: get, attempts: 3, statuses: []int{503, 503, 200}},
		{name: "502 once", pattern: route, route: route, fault: emulator.Fault{Status: 502, Times: 1},
			call: get, attempts: 2, statuses: []int{502, 200}},
		{name: "504 twice on a list", pattern: "GET /api/tags", route: "GET /api/tags", fault: emulator.Fault{Status: 504, Times: 2},
			call: list, attempts: 3, statuses: []int{504, 504, 200}},
		{name: "retries exhausted", pattern: route, route: route, fault: emulator.Fault{Status: 503, Times: 3},
			call: get, wantErr: upstream.ErrUnavailable, attempts: 3, statuses: []int{503, 503, 503}},
		{name: "more retries configured", pattern: route, route: route, fault: emulator.Fault{Status: 503, Times: 4},
			opts: []upstream.Option{upstream.WithRetry(4, time.Millisecond, 2*time.Millisecond)},
			call: get, attempts: 5, statuses: []int{503, 503, 503, 503, 200}},
		{name: "retries off", pattern: route, route: route, fault: emulator.Fault{Status: 503, Times: 1},
			opts: []upstream.Option{upstream.WithRetry(0, 0, 0)},
			call: get, wantErr: upstream.ErrUnavailable, attempts: 1, statuses: []int{503}},
		{name: "500 is not retried", pattern: route, route: route, fault: emulator.Fault{Status: 500, Times: 1},
			call: get, wantErr: upstream.ErrUnavailable, attempts: 1, statuses: []int{500}},
		{name: "404 is not retried", pattern: route, route: route, fault: emulator.Fault{Status: 404, Times: 1},
			call: get, wantErr: upstream.ErrNotFound, attempts: 1, statuses: []int{404}},
		// The timeout must let the third attempt's real answer through on a
		// busy machine; only the hung attempts run into it.
		{name: "an attempt timing out is retried", pattern: route, route: route, fault: emulator.Fault{Hang: true, Times: 2},
			opts: []upstream.Option{upstream.WithTimeout(2 * time.Second)},
			call: get, attempts: 3, statuses: []int{0, 0, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, emulator.Options{}, tt.opts...)
			e.emu.InjectFault(tt.pattern, tt.fault)
			err := tt.call(t.Context(), e.client)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("err = %v, want success", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if n := e.emu.Count(tt.route); n != tt.attempts {
				t.Errorf("emulator counted %d requests, want %d", n, tt.attempts)
			}
			cs := e.calls.all()
			if len(cs) != len(tt.statuses) {
				t.Fatalf("observer saw %d calls, want %d: %+v", len(cs), len(tt.statuses), cs)
			}
			for i, c := range cs {
				if c.Route != tt.route || c.Attempt != i+1 || c.Status != tt.statuses[i] || (c.Status == 0) != (c.Err != nil) {
					t.Errorf("call %d = %+v, want route %s attempt %d status %d", i, c, tt.route, i+1, tt.statuses[i])
				}
			}
		})
	}
}

// TestDeadline checks that a hanging FreeScout gives up at the caller's
// deadline, without retrying past it.
func TestDeadline(t *testing.T) {
	tests := []struct {
		name  string
		fault emulator.Fault
		opts  []upstream.Option
		want  []error
	}{
		{"hang", emulator.Fault{Hang: true}, nil, []error{upstream.ErrUnavailable, context.DeadlineExceeded}},
		// A long backoff ends at the deadline; the last answer is the error.
		{"deadline during backoff", emulator.Fault{Status: 503},
			[]upstream.Option{upstream.WithRetry(5, time.Hour, time.Hour)}, []error{upstream.ErrUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, emulator.Options{}, tt.opts...)
			e.emu.InjectFault("GET /api/customers/{id}", tt.fault)
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			c, err := e.client.Customers.Get(ctx, 1)
			if c != nil {
				t.Errorf("got %+v", c)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want it to match %v", err, w)
				}
			}
			if n := e.emu.Count("GET /api/customers/{id}"); n != 1 {
				t.Errorf("sent %d times, want 1", n)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error leaks the key: %v", err)
			}
		})
	}
}

// TestCancelStopsRetries cancels the caller's context after the second
// attempt of a GET that keeps failing.
func TestCancelStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var attempts atomic.Int32
	e := newEnv(t, emulator.Options{},
		upstream.WithRetry(10, time.Millisecond, 2*time.Millisecond),
		upstream.WithObserver(func(_ context.Context, c upstream.Call) {
			if attempts.Add(1) == 2 {
				cancel()
			}
		}))
	e.emu.InjectFault("GET /api/users", emulator.Fault{Status: 503})
	_, _, err := e.client.Users.List(ctx, nil)
	if !errors.Is(err, upstream.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if n := e.emu.Count("GET /api/users"); n != 2 || attempts.Load() != 2 {
		t.Errorf("sent %d times (observed %d), want 2", n, attempts.Load())
	}

	// A context done before the call sends nothing.
	e.emu.ResetCounts()
	done, stop := context.WithCancel(t.Context())
	stop()
	if _, err := e.client.Users.Get(done, 1); !errors.Is(err, context.Canceled) || !errors.Is(err, upstream.ErrUnavailable) {
		t.Errorf("err = %v, want context.Canceled and ErrUnavailable", err)
	}
	if n := e.emu.Total(); n != 0 {
		t.Errorf("a cancelled call reached the emulator %d times", n)
	}
}

// writeCalls are the 13 writes, each with the route it uses.
var writeCalls = []struct {
	route string
	call  func(ctx context.Context, c *upstream.Client) error
}{
	{"POST /api/conversations", func(ctx context.Context, c *upstream.Client) error {
		_, _, err := c.Conversations.Create(ctx, &upstream.NewConversation{
			Type: "email", MailboxID: 1, Subject: "Once", Customer: upstream.CustomerRef{ID: 1},
			Threads: []upstream.NewThread{{Type: "customer", Text: "Hi"}},
		})
		return err
	}},
	{"PUT /api/conversations/{id}", func(ctx context.Context, c *upstream.Client) error {
		return c.Conversations.Update(ctx, 1, &upstream.ConversationUpdate{Subject: ptr("x")})
	}},
	{"DELETE /api/conversations/{id}", func(ctx context.Context, c *upstream.Client) error { return c.Conversations.Delete(ctx, 1) }},
	{"PUT /api/conversations/{id}/custom_fields", func(ctx context.Context, c *upstream.Client) error {
		// 37: Vendor, a text field of conversation 1's mailbox (the reference's example id)
		return c.Conversations.UpdateCustomFields(ctx, 1, []upstream.CustomFieldWrite{{ID: 37, Value: "x"}})
	}},
	{"PUT /api/conversations/{id}/tags", func(ctx context.Context, c *upstream.Client) error {
		return c.Conversations.UpdateTags(ctx, 1, []string{"x"})
	}},
	{"POST /api/conversations/{id}/threads", func(ctx context.Context, c *upstream.Client) error {
		_, _, err := c.Conversations.CreateThread(ctx, 1, &upstream.NewThread{Type: "note", Text: "x", User: 1})
		return err
	}},
	{"POST /api/customers", func(ctx context.Context, c *upstream.Client) error {
		_, _, err := c.Customers.Create(ctx, &upstream.NewCustomer{FirstName: "x"})
		return err
	}},
	{"PUT /api/customers/{id}", func(ctx context.Context, c *upstream.Client) error {
		return c.Customers.Update(ctx, 1, &upstream.CustomerUpdate{Notes: ptr("x")})
	}},
	{"PUT /api/customers/{id}/customer_fields", func(ctx context.Context, c *upstream.Client) error {
		return c.Customers.UpdateFields(ctx, 1, []upstream.CustomerFieldWrite{{ID: 11, Value: "1"}})
	}},
	{"POST /api/users", func(ctx context.Context, c *upstream.Client) error {
		_, _, err := c.Users.Create(ctx, &upstream.NewUser{FirstName: "x", LastName: "y", Email: "once@example.org"})
		return err
	}},
	{"DELETE /api/users/{id}", func(ctx context.Context, c *upstream.Client) error {
		return c.Users.Delete(ctx, 2, &upstream.UserDelete{ByUserID: 1})
	}},
	{"POST /api/webhooks", func(ctx context.Context, c *upstream.Client) error {
		_, _, err := c.Webhooks.Create(ctx, &upstream.NewWebhook{URL: "https://example.org", Events: []string{"convo.created"}})
		return err
	}},
	{"DELETE /api/webhooks/{id}", func(ctx context.Context, c *upstream.Client) error { return c.Webhooks.Delete(ctx, 1) }},
}

// TestWritesAreSentOnce checks that no write is retried, whatever the failure.
func TestWritesAreSentOnce(t *testing.T) {
	faults := []struct {
		name  string
		fault emulator.Fault
	}{
		{"503", emulator.Fault{Status: 503}},
		{"502", emulator.Fault{Status: 502}},
		{"504", emulator.Fault{Status: 504}},
		{"timeout", emulator.Fault{Hang: true}},
	}
	for _, f := range faults {
		for _, w := range writeCalls {
			t.Run(f.name+"/"+w.route, func(t *testing.T) {
				t.Parallel()
				// Room for the request to reach the emulator on a busy
				// machine before the hang runs into the timeout.
				e := newEnv(t, emulator.Options{}, upstream.WithTimeout(2*time.Second))
				e.emu.InjectFault(w.route, f.fault)
				err := w.call(t.Context(), e.client)
				if !errors.Is(err, upstream.ErrUnavailable) {
					t.Errorf("err = %v, want ErrUnavailable", err)
				}
				if n := e.emu.Count(w.route); n != 1 || e.emu.Total() != 1 {
					t.Errorf("sent %d times (total %d), want exactly once", n, e.emu.Total())
				}
				if cs := e.calls.all(); len(cs) != 1 || cs[0].Route != w.route {
					t.Errorf("observed %+v", cs)
				}
			})
		}
	}
}

// TestConnectionRefused retries a GET on a dead address, never a write.
func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	tests := []struct {
		name     string
		call     func(ctx context.Context, c *upstream.Client) error
		attempts int
	}{
		{"GET", func(ctx context.Context, c *upstream.Client) error { _, err := c.Users.Get(ctx, 1); return err }, 3},
		{"list", func(ctx context.Context, c *upstream.Client) error {
			_, _, err := c.Customers.List(ctx, &upstream.CustomerListOptions{Email: "private@example.org"})
			return err
		}, 3},
		{"POST", writeCalls[0].call, 1},
		{"DELETE", writeCalls[2].call, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := &calls{}
			c := newClient(t, addr, fastRetry(), upstream.WithObserver(obs.observe))
			err := tt.call(t.Context(), c)
			var ue *upstream.Error
			if !errors.Is(err, upstream.ErrUnavailable) || errors.As(err, &ue) {
				t.Fatalf("err = %v, want a transport error matching ErrUnavailable", err)
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "private@example.org") {
				t.Errorf("error leaks the key or the query: %v", err)
			}
			cs := obs.all()
			if len(cs) != tt.attempts {
				t.Fatalf("%d attempts, want %d", len(cs), tt.attempts)
			}
			for i, call := range cs {
				if call.Status != 0 || call.Err == nil || call.Attempt != i+1 {
					t.Errorf("call %d = %+v", i, call)
				}
			}
		})
	}
}

// TestAPIKey checks that the key travels only in the X-FreeScout-API-Key
// header and never shows in a URL or an error.
func TestAPIKey(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	callEveryEndpoint(t, e.client)
	if _, _, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{
		CustomerEmail: "a@example.org", Subject: "x", Tag: "vip", Unassigned: true, Embed: []string{"threads"},
	}); err != nil {
		t.Fatal(err)
	}
	reqs := e.rec.all()
	if len(reqs) != len(everyEndpoint)+1 {
		t.Fatalf("recorded %d requests", len(reqs))
	}
	for _, r := range reqs {
		where := r.Method + " " + r.URL.String()
		if got := r.Header.Values("X-FreeScout-API-Key"); len(got) != 1 || got[0] != testKey {
			t.Errorf("%s: X-FreeScout-API-Key = %q", where, got)
		}
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("%s: Authorization = %q", where, a)
		}
		if strings.Contains(r.URL.String(), testKey) || r.URL.Query().Has("api_key") || r.URL.User != nil {
			t.Errorf("%s: key in the URL", where)
		}
		for name, values := range r.Header {
			if name == "X-Freescout-Api-Key" {
				continue
			}
			for _, v := range values {
				if strings.Contains(v, testKey) {
					t.Errorf("%s: key in header %s", where, name)
				}
			}
		}
		if strings.Contains(string(r.Body), testKey) {
			t.Errorf("%s: key in the body", where)
		}
		if r.Header.Get("Accept") != "application/json" {
			t.Errorf("%s: Accept = %q", where, r.Header.Get("Accept"))
		}
	}

	// Errors of every kind, their observer reports included, never carry the key.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	srvNoID, _ := serveFixture(t, http.StatusCreated, nil)
	srvJunk, _ := serveFixture(t, http.StatusOK, []byte("<html>maintenance</html>"))
	obs := &calls{}
	withObs := upstream.WithObserver(obs.observe)
	hanging := newEnv(t, emulator.Options{}, withObs, upstream.WithTimeout(30*time.Millisecond))
	hanging.emu.InjectFault("/api", emulator.Fault{Hang: true})
	bad, err := upstream.New(e.srv.URL, testKey+"-wrong", withObs, fastRetry())
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]func() error{
		"401": func() error { _, err := bad.Users.Get(t.Context(), 1); return err },
		"404": func() error { _, err := e.client.Users.Get(t.Context(), 404); return err },
		"400 with fields": func() error {
			_, _, err := e.client.Users.Create(t.Context(), &upstream.NewUser{Email: testKey})
			return err
		},
		"refused": func() error {
			_, err := newClient(t, dead.URL, withObs, fastRetry()).Users.Get(t.Context(), 1)
			return err
		},
		"timeout": func() error { _, err := hanging.client.Users.Get(t.Context(), 1); return err },
		"no id": func() error {
			_, _, err := newClient(t, srvNoID.URL, withObs).Webhooks.Create(t.Context(), &upstream.NewWebhook{})
			return err
		},
		"not json": func() error { _, err := newClient(t, srvJunk.URL, withObs).Users.Get(t.Context(), 1); return err },
		"bad url":  func() error { _, err := upstream.New("freescout.example.org/?api_key="+testKey, testKey); return err },
	}
	for name, call := range errs {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
				if strings.Contains(s, testKey) {
					t.Errorf("error leaks the key: %s", s)
				}
			}
		})
	}
	for _, c := range obs.all() {
		if c.Err != nil && strings.Contains(c.Err.Error(), testKey) {
			t.Errorf("observed error leaks the key: %v", c.Err)
		}
	}
}

// inFlight counts the requests a handler is serving at once. The first
// request waits until a second one arrives, so that a limit of two is
// reached for certain rather than by chance.
type inFlight struct {
	next    http.Handler
	mu      sync.Mutex
	now     int
	max     int
	second  chan struct{}
	onceTwo sync.Once
}

func (f *inFlight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.now++
	f.max = max(f.max, f.now)
	n := f.now
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.now--
		f.mu.Unlock()
	}()
	if n >= 2 {
		f.onceTwo.Do(func() { close(f.second) })
	}
	select {
	case <-f.second:
	case <-r.Context().Done():
		return
	}
	f.next.ServeHTTP(w, r)
}

func TestMaxInFlight(t *testing.T) {
	emu := emulator.New(emulator.Options{APIKey: testKey, Latency: 50 * time.Millisecond})
	counter := &inFlight{next: emu, second: make(chan struct{})}
	srv := httptest.NewServer(counter)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, upstream.WithMaxInFlight(2))

	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := c.Conversations.Get(t.Context(), i+1)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	counter.mu.Lock()
	defer counter.mu.Unlock()
	if counter.max != 2 {
		t.Errorf("at most %d requests in flight, want exactly 2", counter.max)
	}
	if got := emu.Count("GET /api/conversations/{id}"); got != n {
		t.Errorf("emulator served %d, want %d", got, n)
	}
}

func TestObserver(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	e.emu.InjectFault("GET /api/mailboxes/{id}/folders", emulator.Fault{Status: 503, Times: 1})
	ctx := t.Context()
	_, _, _ = e.client.Mailboxes.ListFolders(ctx, 2, nil)
	_, _ = e.client.Customers.Get(ctx, 9999)
	_ = e.client.Conversations.UpdateTags(ctx, 5, []string{"a"})
	_, _, _ = e.client.Mailboxes.ListCustomFields(ctx, 3)

	want := []upstream.Call{
		{Route: "GET /api/mailboxes/{id}/folders", Status: 503, Attempt: 1},
		{Route: "GET /api/mailboxes/{id}/folders", Status: 200, Attempt: 2},
		{Route: "GET /api/customers/{id}", Status: 404, Attempt: 1},
		{Route: "PUT /api/conversations/{id}/tags", Status: 204, Attempt: 1},
		{Route: "GET /api/mailboxes/{id}/custom_fields", Status: 200, Attempt: 1},
	}
	got := e.calls.all()
	if len(got) != len(want) {
		t.Fatalf("observed %d calls, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		if g.Route != want[i].Route || g.Status != want[i].Status || g.Attempt != want[i].Attempt || g.Err != nil || g.Duration <= 0 {
			t.Errorf("call %d = %+v, want %+v", i, g, want[i])
		}
		if e.emu.Count(g.Route) == 0 {
			t.Errorf("route %q is not the emulator's name for the endpoint", g.Route)
		}
	}
}

func TestOptions(t *testing.T) {
	t.Run("WithHTTPClient", func(t *testing.T) {
		e := newEnv(t, emulator.Options{})
		var used atomic.Int32
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			used.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})}
		c := newClient(t, e.srv.URL, upstream.WithHTTPClient(hc))
		if _, err := c.Users.Get(t.Context(), 1); err != nil || used.Load() != 1 {
			t.Errorf("err %v, custom client used %d times", err, used.Load())
		}
	})
	t.Run("WithTransport", func(t *testing.T) {
		e := newEnv(t, emulator.Options{})
		var used atomic.Int32
		c := newClient(t, e.srv.URL, upstream.WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			used.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})))
		if _, _, err := c.Tags.List(t.Context(), nil); err != nil || used.Load() != 1 {
			t.Errorf("err %v, transport used %d times", err, used.Load())
		}
	})
	t.Run("base path", func(t *testing.T) {
		srv, rec := serveFixture(t, http.StatusOK, fixture(t, "get_user.json"))
		c := newClient(t, srv.URL+"/helpdesk/")
		if _, err := c.Users.Get(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		if p := rec.last(t).URL.Path; p != "/helpdesk/api/users/1" {
			t.Errorf("path = %s", p)
		}
	})
	t.Run("DefaultTransport", func(t *testing.T) {
		for _, n := range []int{0, 8, 64} {
			tr := upstream.DefaultTransport(n)
			if tr.MaxIdleConnsPerHost != max(n, 16) || tr.MaxIdleConns != 2*max(n, 16) {
				t.Errorf("DefaultTransport(%d): idle per host %d, idle %d", n, tr.MaxIdleConnsPerHost, tr.MaxIdleConns)
			}
		}
	})
	t.Run("New validates", func(t *testing.T) {
		tests := []struct {
			url, key string
			ok       bool
		}{
			{"http://freescout.example.org", "k", true},
			{"https://freescout.example.org/", "k", true},
			{"https://freescout.example.org/sub/path", "k", true},
			{"", "k", false},
			{"freescout.example.org", "k", false},
			{"ftp://freescout.example.org", "k", false},
			{"http://", "k", false},
			{"http://user:pass@freescout.example.org", "k", false},
			{"http://freescout.example.org/?api_key=k", "k", false},
			{"http://freescout.example.org", "", false},
			{"http://bad host/", "k", false},
		}
		for _, tt := range tests {
			c, err := upstream.New(tt.url, tt.key)
			if (err == nil) != tt.ok || (c == nil) == tt.ok {
				t.Errorf("New(%q, %q) = %v, %v; want ok %v", tt.url, tt.key, c, err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "pass") {
				t.Errorf("New(%q): error echoes credentials: %v", tt.url, err)
			}
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

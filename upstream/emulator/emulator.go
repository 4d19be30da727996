package emulator

import (
	"context"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure an Emulator. The zero value is usable: no authentication, no latency.
type Options struct {
	// APIKey is the key a request must present through one of FreeScout's three
	// authentication methods (api_key query parameter, HTTP Basic user name or the
	// X-FreeScout-API-Key header). Empty disables authentication.
	APIKey string
	// Latency is added to every request as a sleep that ends early, without an answer,
	// when the request's context is done. Concurrent requests sleep concurrently.
	Latency time.Duration
}

// Emulator is an in-memory FreeScout API. It is an http.Handler serving the API under /api.
// Create it with New; it is safe for concurrent use.
type Emulator struct {
	apiKey  string
	latency atomic.Int64
	now     func() time.Time
	routes  []pathRoute

	mu sync.RWMutex // guards db
	db *store

	faults faultSet
	counts counter
}

// New returns an Emulator loaded with the deterministic sample data.
func New(opts Options) *Emulator {
	e := &Emulator{
		apiKey: opts.APIKey,
		now:    func() time.Time { return time.Now().UTC().Truncate(time.Second) },
		db:     sampleStore(),
	}
	e.latency.Store(int64(opts.Latency))
	e.routes = e.routeTable()
	return e
}

// SetLatency changes the latency added to requests that start from now on.
func (e *Emulator) SetLatency(d time.Duration) {
	e.latency.Store(int64(d))
}

// ServeHTTP answers one FreeScout API request.
//
// Every request is counted first (see Count), then delayed by the latency, then given an
// injected fault if one matches; only then are unknown paths (404), CORS preflights
// (OPTIONS), wrong methods (405), authentication (401) and the endpoint itself handled.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, id := matchPath(e.routes, r.URL.Path)
	var handle handlerFunc
	key := ""
	if rt != nil {
		handle = rt.handler(r.Method)
		key = r.Method + " " + rt.pattern
	}
	e.counts.add(key)

	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Resource-ID")

	if !sleep(r.Context(), time.Duration(e.latency.Load())) {
		return
	}
	if f, ok := e.faults.take(r.Method, r.URL.Path); ok {
		applyFault(w, r, f)
		return
	}
	switch {
	case rt == nil:
		send(w, notFound(), nil)
	case r.Method == http.MethodOptions:
		allow := rt.allow()
		h.Set("Allow", allow)
		h.Set("Access-Control-Allow-Methods", allow)
		h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-FreeScout-API-Key")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusOK)
	case handle == nil:
		h.Set("Allow", rt.allow())
		send(w, statusReply(http.StatusMethodNotAllowed), nil)
	case !e.authorized(r):
		send(w, statusReply(http.StatusUnauthorized), nil)
	case rt.hasID && id <= 0:
		send(w, notFound(), nil)
	default:
		handle(w, r, id)
	}
}

// sleep waits for d or until ctx is done and reports whether the request should go on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Count returns how many requests the route pattern has served since the last ResetCounts.
//
// Keys are the request method, a space and the path pattern of the endpoint, e.g.
// "GET /api/conversations/{id}" or "PUT /api/conversations/{id}/custom_fields". Requests
// rejected by authentication, answered by a fault, answered 405 or cut short by the
// latency still count, under the method they used (so "OPTIONS /api/conversations" and
// "PATCH /api/conversations/{id}" can appear). Requests for unknown paths count under "".
func (e *Emulator) Count(route string) int {
	return e.counts.get(route)
}

// Counts returns a copy of all request counts, keyed as described at Count.
func (e *Emulator) Counts() map[string]int {
	return e.counts.snapshot()
}

// Total returns the number of requests received since the last ResetCounts.
func (e *Emulator) Total() int {
	return e.counts.sum()
}

// ResetCounts sets all request counts to zero.
func (e *Emulator) ResetCounts() {
	e.counts.reset()
}

// counter counts requests per route key.
type counter struct {
	mu    sync.Mutex
	m     map[string]int
	total int
}

func (c *counter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]int)
	}
	c.m[key]++
	c.total++
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := maps.Clone(c.m)
	if out == nil {
		out = make(map[string]int)
	}
	return out
}

func (c *counter) sum() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
	c.total = 0
}

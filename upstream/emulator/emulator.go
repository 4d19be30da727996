package emulator

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure an Emulator. The zero value is usable: no authentication, no latency,
// the current module version with every optional module, and webhook deliveries sent at
// once with a short retry schedule.
type Options struct {
	// APIKey is the key a request must present through one of FreeScout's three
	// authentication methods (api_key query parameter, HTTP Basic user name or the
	// X-FreeScout-API-Key header). Empty disables authentication.
	APIKey string
	// Latency is how long FreeScout takes to answer, measured from the request's
	// arrival: a GET is answered right away but its answer is held until the latency
	// has passed, so the emulator's own work counts as part of the latency instead of
	// adding to it (a slow real server's response time includes its work too); any
	// other request waits the latency first and only then takes effect, so a write
	// whose client gave up never lands. The wait ends early, without an answer, when
	// the request's context is done. Concurrent requests wait concurrently.
	Latency time.Duration

	// ModuleVersion is the version of the API & Webhooks module to emulate, such as
	// "1.0.20" (see ModuleGates). Empty is CurrentModuleVersion.
	ModuleVersion string
	// WithoutModules names optional FreeScout modules the install lacks: any of "tags",
	// "customfields", "crm" and "timetracking" (see OptionalModules). Their endpoints
	// answer 400, and the data they add to other answers is left out (see the package
	// documentation).
	WithoutModules []string

	// WebhookSecret is the instance-wide "Secret Key" webhook deliveries are signed
	// with. Empty is DefaultWebhookSecret, derived from AppKey as FreeScout derives it.
	WebhookSecret string
	// WebhookDelay is how long after a write its webhook deliveries are sent, emulating
	// FreeScout's queue and the cron job that works it off (about a minute on a real
	// install). Zero sends them at once, still asynchronously.
	WebhookDelay time.Duration
	// WebhookRetryDelays are the waits before each retry of a failed delivery; a
	// delivery is attempted at most 1+len(WebhookRetryDelays) times. Nil is
	// DefaultWebhookRetryDelays, short enough for tests; FreeScoutWebhookRetryDelays
	// is a real install's schedule. An empty, non-nil slice never retries.
	WebhookRetryDelays []time.Duration
	// LaravelErrors answers validation errors as some installs do, Laravel's way:
	// 422 with {"message": "The given data was invalid.", "errors": {"threads.0.user":
	// ["…"]}} instead of 400 with _embedded.errors. Other errors keep their form.
	LaravelErrors bool

	// WebhookClient sends webhook deliveries. Nil is a client with a 30-second timeout
	// that refuses hosts reserved for documentation (example.com, example.org,
	// example.net and the .example, .test and .invalid domains, RFC 2606) without
	// touching the network: the sample webhook and the reference's examples point
	// there, and such an attempt fails as an unreachable receiver would.
	WebhookClient *http.Client
}

// Validate reports the first invalid option: a module version that does not parse (see
// ParseModuleVersion), an unknown module name, or a negative delay.
func (o Options) Validate() error {
	if _, err := newDialect(o.ModuleVersion, o.WithoutModules); err != nil {
		return err
	}
	if o.WebhookDelay < 0 {
		return fmt.Errorf("emulator: negative webhook delay %v", o.WebhookDelay)
	}
	for i, d := range o.WebhookRetryDelays {
		if d < 0 {
			return fmt.Errorf("emulator: webhook retry delay %d is negative (%v)", i+1, d)
		}
	}
	return nil
}

// Emulator is an in-memory FreeScout API. It is an http.Handler serving the API under /api.
// Create it with Open or New; it is safe for concurrent use. Close or Shutdown stops its
// webhook deliveries.
type Emulator struct {
	apiKey  string
	latency atomic.Int64
	now     func() time.Time
	routes  []pathRoute
	dialect *dialect
	laravel bool // Options.LaravelErrors

	mu sync.RWMutex // guards db
	db *store

	hooks  *dispatcher
	faults faultSet
	counts counter
}

// Open returns an Emulator loaded with the deterministic sample data, or the error of
// Options.Validate.
func Open(opts Options) (*Emulator, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	d, err := newDialect(opts.ModuleVersion, opts.WithoutModules)
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		apiKey:  opts.APIKey,
		now:     func() time.Time { return time.Now().UTC().Truncate(time.Second) },
		dialect: d,
		laravel: opts.LaravelErrors,
		db:      sampleStore(d),
	}
	e.latency.Store(int64(opts.Latency))
	e.routes = e.routeTable()
	e.hooks = newDispatcher(opts, e.recordRun, e.hookExists)
	return e, nil
}

// New is Open for options known to be valid, such as those written in a program: it
// panics when Options.Validate reports an error. Use Open for options from user input.
func New(opts Options) *Emulator {
	e, err := Open(opts)
	if err != nil {
		panic(err)
	}
	return e
}

// ModuleVersion returns the emulated module version.
func (e *Emulator) ModuleVersion() string {
	return e.dialect.version.String()
}

// SetLatency changes the latency added to requests that start from now on.
func (e *Emulator) SetLatency(d time.Duration) {
	e.latency.Store(int64(d))
}

// ServeHTTP answers one FreeScout API request.
//
// Every request is counted first (see Count); then an injected fault that matches is
// applied once the latency has passed. Otherwise unknown paths (404), CORS preflights
// (OPTIONS), wrong methods (405), authentication (401) and the endpoint itself are
// handled, and the answer is sent once the latency (see Options.Latency) has passed.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	latency := time.Duration(e.latency.Load())
	due := time.Now().Add(latency)
	rt, id := matchPath(e.routes, r.URL.Path)
	e.counts.add(routeKey(rt, r.Method))

	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Resource-ID")

	if latency > 0 && r.Method != http.MethodGet {
		// Read the body before waiting: only then does the server notice a client
		// that gives up during the wait, and end the request's context.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if f, ok := e.faults.take(r.Method, r.URL.Path); ok {
		if waitUntil(r.Context(), due) {
			if f.Land {
				held := &heldAnswer{header: http.Header{}}
				e.answer(held, r, rt, id) // the answer is lost, or changed on its way
				if f.Relay {
					relay(w, e.restyle(held), f)
					return
				}
			}
			applyFault(w, r, f)
		}
		return
	}
	if (r.Method != http.MethodGet || latency <= 0) && !e.laravel {
		if waitUntil(r.Context(), due) {
			e.answer(w, r, rt, id)
		}
		return
	}
	if r.Method != http.MethodGet && !waitUntil(r.Context(), due) {
		return // a write takes effect only once the latency has passed
	}
	held := &heldAnswer{header: h}
	e.answer(held, r, rt, id)
	if waitUntil(r.Context(), due) {
		e.restyle(held).sendTo(w)
	}
}

// routeKey is the key a request is counted under (see Count).
func routeKey(rt *pathRoute, method string) string {
	if rt == nil {
		return ""
	}
	return method + " " + rt.pattern
}

// answer handles a request that no fault matched.
func (e *Emulator) answer(w http.ResponseWriter, r *http.Request, rt *pathRoute, id int) {
	h := w.Header()
	var handle handlerFunc
	if rt != nil {
		handle = rt.handler(r.Method)
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

// waitUntil waits until t or until ctx is done and reports whether the request should
// go on.
//
// A Go timer alone ends the wait up to a millisecond late: when every goroutine of the
// process is idle, the runtime sleeps in epoll_wait, whose timeout is in whole
// milliseconds, so the emulator's latency would be half a millisecond longer than
// configured on average. So the timer is set to end a little before t, and the rest is
// slept in the kernel (see sleepPrecisely), which wakes the thread to within tens of
// microseconds. A goroutine in that sleep holds its P (the runtime's monitor takes it
// back only after up to 10 ms), so at most GOMAXPROCS-1 waits sleep in the kernel at
// once: others finish on the timer, and a P is always left to serve the process. (Two
// alternatives were tried: a timerfd read through the poller is no more precise than
// the timer, since the wakeup then takes a second thread; spinning on runtime.Gosched
// keeps the scheduler from polling the network and stalled other requests.)
func waitUntil(ctx context.Context, t time.Time) bool {
	if d := time.Until(t) - timerSlack; d > 0 && !waitOnTimer(ctx, time.Now().Add(d)) {
		return false
	}
	select {
	case kernelSleepers <- struct{}{}:
		sleepPrecisely(time.Until(t))
		<-kernelSleepers
	default:
		if !waitOnTimer(ctx, t) {
			return false
		}
	}
	return ctx.Err() == nil
}

// timerSlack is how late a Go timer may fire when the process is idle (see
// waitUntil), with room to spare.
const timerSlack = 2 * time.Millisecond

// kernelSleepers holds a token for each wait sleeping in the kernel (see waitUntil).
var kernelSleepers = make(chan struct{}, max(runtime.GOMAXPROCS(0)-1, 0))

// waitOnTimer waits on a Go timer until t or until ctx is done and reports whether
// the request should go on.
func waitOnTimer(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// heldAnswer is an http.ResponseWriter that keeps an answer until sendTo passes
// it on. Its header is the real writer's, so headers set before the answer
// (CORS) and by it end up in one place.
type heldAnswer struct {
	header http.Header
	status int
	body   []byte
}

func (a *heldAnswer) Header() http.Header { return a.header }

func (a *heldAnswer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *heldAnswer) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	a.body = append(a.body, b...)
	return len(b), nil
}

// sendTo writes the held answer to w, whose header is already a.header.
func (a *heldAnswer) sendTo(w http.ResponseWriter) {
	w.WriteHeader(cmp.Or(a.status, http.StatusOK))
	_, _ = w.Write(a.body)
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

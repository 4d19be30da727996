package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// heldEnv is a gateway in front of an emulator that holds every request to
// one path: such a request is never answered; the handler reports when it
// arrives and, when its context is done (the gateway gave up on it and
// closed the connection), the context's error. So a test sees the gateway
// abandon a FreeScout call by causality, with no clock. The request log
// (Upstream.Log) records every request, the held ones once they are done.
type heldEnv struct {
	*gatewaytest.Env
	arrived   chan struct{} // one value per held request, as it arrives
	abandoned chan error    // its context's error, once its context is done
}

// startHeld starts an emulator of the environment's install, held at
// method and path once the gateway has started, and a gateway in front of
// it configured by opts. Held requests still waiting when the test ends are
// let go (unanswered) before the servers stop.
func startHeld(t *testing.T, method, path string, opts gatewaytest.Options) *heldEnv {
	t.Helper()
	in := gatewaytest.MustEnvInstall(t)
	emu, err := emulator.Open(emulator.Options{APIKey: gatewaytest.APIKey,
		ModuleVersion: in.ModuleVersion, WithoutModules: in.WithoutModules, LaravelErrors: in.LaravelErrors})
	if err != nil {
		t.Fatalf("emulate %s: %v", in, err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	h := &heldEnv{arrived: make(chan struct{}, 64), abandoned: make(chan error, 64)}
	var armed atomic.Bool
	release := make(chan struct{})
	var releaseOnce sync.Once
	letGo := func() { releaseOnce.Do(func() { close(release) }) }
	log := &gatewaytest.RequestLog{}
	srv := httptest.NewServer(log.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !armed.Load() || r.Method != method || r.URL.Path != path {
			emu.ServeHTTP(w, r)
			return
		}
		h.arrived <- struct{}{}
		select {
		case <-r.Context().Done():
			h.abandoned <- r.Context().Err()
		case <-release:
		}
	})))
	t.Cleanup(srv.Close)
	t.Cleanup(letGo) // before srv.Close, which waits for the held requests
	opts.Emulator = &gatewaytest.Upstream{Emulator: emu, URL: srv.URL, Log: log, Install: in}
	h.Env = gatewaytest.Start(t, opts)
	t.Cleanup(letGo) // and before the gateway's server stops, which waits for its requests
	log.Reset()      // what the gateway asked at start is not the test's
	armed.Store(true)
	return h
}

// awaitHeld returns what ch delivers. The minute it allows is a guard
// against a gateway that never lets go, far beyond what the step takes when
// it works, and far below the hour of every timeout the tests set.
func awaitHeld[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("still waiting for %s after a minute", what)
	}
	var zero T
	return zero
}

// onlyHeld checks that FreeScout got exactly one request, the held one:
// the gateway sent it once and did not try it again.
func onlyHeld(t *testing.T, env *heldEnv, method, path string) {
	t.Helper()
	reqs := env.Upstream.Log.Requests()
	if len(reqs) != 1 || reqs[0].Method != method || reqs[0].Path != path {
		got := make([]string, len(reqs))
		for i, r := range reqs {
			got[i] = r.Method + " " + r.Path
		}
		t.Errorf("FreeScout got %v; want only the held %s %s", got, method, path)
	}
	if n := len(env.arrived); n != 0 {
		t.Errorf("%d more requests were held", n)
	}
}

// TestRequestDeadline: an operation whose FreeScout call outlasts
// REQUEST_TIMEOUT is answered once the deadline passes, with the
// contract's code for FreeScout timing out (UPSTREAM_UNAVAILABLE) on the
// field whose call it was, and the call is abandoned: FreeScout sees its
// request's context cancelled, and the GET is not tried again. FreeScout
// never answers here and each upstream attempt may take an hour, so
// nothing but the request's deadline can end the operation.
func TestRequestDeadline(t *testing.T) {
	const path = "/api/conversations/1"
	env := startHeld(t, http.MethodGet, path, gatewaytest.Options{
		UpstreamTimeout: time.Hour,
		Configure:       func(c *gateway.Config) { c.RequestTimeout = 2 * time.Second },
	})
	type answer struct {
		r   *gatewaytest.Response
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		r, err := env.Query(t.Context(), `{ conversation(id: "1") { id subject } }`, nil)
		answered <- answer{r, err}
	}()
	awaitHeld(t, env.arrived, "the conversation's call to reach FreeScout")
	if err := awaitHeld(t, env.abandoned, "the deadline to cancel the call"); !errors.Is(err, context.Canceled) {
		t.Errorf("FreeScout's request ended with %v; want it cancelled", err)
	}
	a := awaitHeld(t, answered, "the answer after the deadline")
	if a.err != nil {
		t.Fatalf("graphql request: %v", a.err)
	}
	r := a.r
	if r.Status != http.StatusOK || string(r.Data) != `{"conversation":null}` {
		t.Errorf("status %d, data %s; want 200 and a null conversation", r.Status, r.Data)
	}
	if len(r.Errors) != 1 {
		t.Fatalf("errors %+v; want one", r.Errors)
	}
	e := r.Errors[0]
	if e.Code() != "UPSTREAM_UNAVAILABLE" || e.Message != "freescout is unavailable; try again later" || shortJSON(e.Path) != `["conversation"]` {
		t.Errorf("error %+v; want UPSTREAM_UNAVAILABLE %q at conversation", e, "freescout is unavailable; try again later")
	}
	if cost, _ := r.Extensions["cost"].(map[string]any); cost["actual"] != 1.0 {
		t.Errorf("extensions.cost %v; want the one call counted", cost)
	}
	onlyHeld(t, env, http.MethodGet, path)
}

// TestClientLeavesStopsTheOperation: a client that disconnects while its
// operation waits on FreeScout makes the gateway cancel the FreeScout
// request at once, and send nothing more (the customer the query asks for
// next is never fetched, the conversation not asked again). The request's
// deadline and each upstream attempt's timeout are an hour, so only the
// client leaving can end the request within awaitHeld's minute.
func TestClientLeavesStopsTheOperation(t *testing.T) {
	const path = "/api/conversations/1"
	env := startHeld(t, http.MethodGet, path, gatewaytest.Options{
		UpstreamTimeout: time.Hour,
		Configure:       func(c *gateway.Config) { c.RequestTimeout = time.Hour },
	})
	ctx, leave := context.WithCancel(t.Context())
	defer leave()
	answered := make(chan error, 1)
	go func() {
		_, err := env.Query(ctx, `{ conversation(id: "1") { id customer { id company } } }`, nil)
		answered <- err
	}()
	awaitHeld(t, env.arrived, "the conversation's call to reach FreeScout")
	leave()
	if err := awaitHeld(t, env.abandoned, "the gateway to cancel the call after the client left"); !errors.Is(err, context.Canceled) {
		t.Errorf("FreeScout's request ended with %v; want it cancelled", err)
	}
	if err := awaitHeld(t, answered, "the client's request to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("the client's request returned %v; want it cancelled", err)
	}
	onlyHeld(t, env, http.MethodGet, path)
}

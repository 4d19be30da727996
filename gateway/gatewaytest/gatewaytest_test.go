package gatewaytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRequestLogHoldsEveryAnsweredRequest: the log read right after a client
// has its answer holds that request, though the request is recorded only
// once its handler returns, which can be after the client went on. Reset
// likewise does not let a request that was still finishing in after it.
func TestRequestLogHoldsEveryAnsweredRequest(t *testing.T) {
	log := &RequestLog{}
	srv := httptest.NewServer(log.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2")
		_, _ = io.WriteString(w, "{}")
		w.(http.Flusher).Flush()          // the client has its whole answer...
		time.Sleep(20 * time.Millisecond) // ...well before the handler returns
	})))
	t.Cleanup(srv.Close)
	get := func() {
		t.Helper()
		res, err := http.Get(srv.URL + "/api/users/1")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
	for i := range 3 {
		get()
		if got := len(log.Requests()); got != i+1 {
			t.Fatalf("after %d answered requests the log holds %d", i+1, got)
		}
	}
	get()
	log.Reset()
	if got := len(log.Requests()); got != 0 {
		t.Errorf("after Reset the log holds %d requests", got)
	}
}

// lockstepServer serves any path with "{}" through a request log.
func lockstepServer(t *testing.T) (*Upstream, string) {
	t.Helper()
	log := &RequestLog{}
	srv := httptest.NewServer(log.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "{}")
	})))
	t.Cleanup(srv.Close)
	return &Upstream{Log: log, URL: srv.URL}, srv.URL
}

func get(t *testing.T, url string) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.Body.Close()
}

// TestLockstepCountsRoundsByCausality: calls sent together form one round,
// a call sent only after an answer the next, whatever the timing.
func TestLockstepCountsRoundsByCausality(t *testing.T) {
	up, url := lockstepServer(t)
	ls := up.Lockstep([]map[string]int{
		{"GET /api/conversations": 1, "GET /api/users": 1},
		{"GET /api/customers/{id}": 2},
	}, 0)
	// Round 1: two calls at once; round 2: two calls that needed round 1.
	errs := make(chan error, 2)
	go func() { errs <- get(t, url+"/api/conversations") }()
	go func() { errs <- get(t, url+"/api/users") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	go func() { errs <- get(t, url+"/api/customers/7") }()
	go func() { errs <- get(t, url+"/api/customers/8") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rounds, err := ls.Wait(up)
	if err != nil || rounds != 2 {
		t.Errorf("rounds %d, err %v; want 2 rounds and no error", rounds, err)
	}
}

// TestLockstepReportsNeedlessWaits: a client that sends the second call of
// a round only after the first call's answer stalls the round; the round is
// let through after the stall timeout and reported. (The stall timeout is
// short here because stalling is what the test expects: a slow machine can
// only make it surer.)
func TestLockstepReportsNeedlessWaits(t *testing.T) {
	up, url := lockstepServer(t)
	ls := up.Lockstep([]map[string]int{{"GET /api/conversations": 1, "GET /api/users": 1}}, 200*time.Millisecond)
	if err := get(t, url+"/api/conversations"); err != nil { // held until the stall
		t.Fatal(err)
	}
	if err := get(t, url+"/api/users"); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Wait(up); err == nil || !strings.Contains(err.Error(), "round 1 stalled") {
		t.Errorf("err %v, want a stalled round 1", err)
	}
}

// TestLockstepReportsUnplannedCalls: calls the plan does not have are let
// through and reported.
func TestLockstepReportsUnplannedCalls(t *testing.T) {
	up, url := lockstepServer(t)
	ls := up.Lockstep([]map[string]int{{"GET /api/conversations": 1}}, 0)
	if err := get(t, url+"/api/conversations"); err != nil {
		t.Fatal(err)
	}
	if err := get(t, url+"/api/customers/3"); err != nil {
		t.Fatal(err)
	}
	rounds, err := ls.Wait(up)
	if err == nil || !strings.Contains(err.Error(), "GET /api/customers/{id} came after the 1 planned rounds") || rounds != 1 {
		t.Errorf("rounds %d, err %v", rounds, err)
	}
}

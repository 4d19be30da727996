package gatewaytest

import (
	"io"
	"net/http"
	"net/http/httptest"
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

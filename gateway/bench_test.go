package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/ratelimit"
)

// replay answers each FreeScout request from a recording of the emulator's
// first answer to it, so that a benchmark of the gateway spends no time in
// the emulator rendering answers.
type replay struct {
	next http.Handler
	mu   sync.Mutex
	seen map[string]*httptest.ResponseRecorder
	// vary makes each answer differ from the one before by a trailing
	// space, as valid JSON that decodes the same: no answer can be reused
	// (see upstream.Reuse).
	vary bool
	n    int
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.String()
	rp.mu.Lock()
	rec, ok := rp.seen[key]
	if !ok {
		rec = httptest.NewRecorder()
		rp.next.ServeHTTP(rec, r)
		rp.seen[key] = rec
	}
	rp.n++
	pad := rp.vary && rp.n%2 == 0
	rp.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	body := rec.Body.Bytes()
	if pad {
		body = append(body[:len(body):len(body)], ' ')
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// BenchmarkQueries runs each query of the benchmark set (bench/queries)
// through the gateway's handler, in process, with FreeScout's answers
// replayed from memory over loopback: the gateway's own time and allocations
// per query, without latency. After the first run the caches are warm, so
// this is the warm path: one FreeScout call per inbox query.
//
//	go test ./gateway -run '^$' -bench Queries -benchmem
func BenchmarkQueries(b *testing.B) { benchmarkQueries(b, false) }

// BenchmarkQueriesDecodingEveryAnswer is BenchmarkQueries with every
// FreeScout answer different from the one before (by a trailing space), so
// that each is decoded afresh: the gateway's work when the data changes
// between requests.
//
//	go test ./gateway -run '^$' -bench QueriesDecodingEveryAnswer -benchmem
func BenchmarkQueriesDecodingEveryAnswer(b *testing.B) { benchmarkQueries(b, true) }

func benchmarkQueries(b *testing.B, vary bool) {
	up := gatewaytest.StartUpstreamFor(b, 0, gatewaytest.Current) // the benchmark measures a current install
	srv := httptest.NewServer(&replay{next: up.Emulator, seen: map[string]*httptest.ResponseRecorder{}, vary: vary})
	b.Cleanup(srv.Close)
	// A budget no run of the benchmark spends (-count or -benchtime may ask
	// for more than a caller's 3000 calls a minute).
	budget := ratelimit.Rate{Units: 1_000_000_000, Period: time.Minute}
	gw, err := gateway.New(context.Background(), gateway.Config{FreeScoutURL: srv.URL, APIKey: gatewaytest.APIKey, RateLimit: budget}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = gw.Close() })
	h := gw.Handler()
	client, err := queries.Client(up)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range queries.All() {
		b.Run(q.Name, func(b *testing.B) {
			var vars map[string]any
			if q.Vars != nil {
				if vars, err = q.Vars(context.Background(), client); err != nil {
					b.Fatal(err)
				}
			}
			body, err := json.Marshal(map[string]any{"query": q.GraphQL, "variables": vars})
			if err != nil {
				b.Fatal(err)
			}
			ask := func() *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			rec := ask()
			var res gatewaytest.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || rec.Code != http.StatusOK || len(res.Errors) > 0 {
				b.Fatalf("status %d, errors %+v, decode %v", rec.Code, res.Errors, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				ask()
			}
		})
	}
}

package gateway_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// logRecords are the JSON lines the process logged so far.
func logRecords(t *testing.T, gw *gatewaytest.Process) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(gw.Logs()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line that is not JSON: %q", line)
			continue
		}
		out = append(out, rec)
	}
	return out
}

// TestEveryLogLineOfARequestCarriesIt: the lines a request logs besides
// its access line carry the same request_id, trace_id and operation name
// and type: FreeScout failing, told by the error presenter; the cache and
// the rate limit's Redis going away under a request, told by the cache
// store and the request pipeline. No line of the request's trace lacks its
// request id.
func TestEveryLogLineOfARequestCarriesIt(t *testing.T) {
	redis := startRedisProcess(t) // a Redis of this test's own: it is killed below
	up := gatewaytest.StartUpstream(t, 0)
	gw := gatewaytest.StartProcessT(t, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey, "LOG_LEVEL=info",
		"REDIS_URL="+redis.url())
	for _, tt := range []struct {
		name      string
		requestID string
		traceID   string
		before    func()
		query     string
		code      string   // the error the answer carries, if any
		lines     []string // the messages logged besides the access line
	}{
		{
			name: "FreeScout failing", requestID: "req-upstream-down.1", traceID: "6e0c63257de34c926f9efcd03927272e",
			before: func() {
				up.InjectFault("GET /api/conversations/{id}", emulator.Fault{Status: http.StatusServiceUnavailable})
			},
			query: `query Failing { conversation(id: "1") { id } }`, code: "UPSTREAM_UNAVAILABLE",
			lines: []string{"freescout unavailable"},
		},
		{
			name: "the cache going away", requestID: "req-cache-down.1", traceID: "a3ce929d0e0e47364bf92f3577b34da6",
			before: func() { up.ClearFaults(); redis.kill() },
			query:  `query CacheDown { customer(id: "1") { id company } }`,
			lines: []string{"rate limit unavailable; the operation runs without its budget",
				"cache unavailable, serving from the source until it recovers"},
		},
	} {
		tt.before()
		r, err := gatewaytest.Post(t.Context(), gw.URL, map[string]any{"query": tt.query},
			http.Header{"Traceparent": {"00-" + tt.traceID + "-b7ad6b7169203331-01"}, "X-Request-Id": {tt.requestID}})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var codes []string
		for _, e := range r.Errors {
			codes = append(codes, e.Code())
		}
		if tt.code != "" && !slices.Contains(codes, tt.code) || tt.code == "" && len(codes) > 0 {
			t.Errorf("%s: errors %+v, want %q", tt.name, r.Errors, tt.code)
		}
		op := strings.Fields(tt.query)[1]
		var mine []map[string]any
		waitFor(t, time.Minute, tt.name+": the access line", func() bool {
			mine = nil
			for _, rec := range logRecords(t, gw) {
				if rec["request_id"] == tt.requestID {
					mine = append(mine, rec)
				}
			}
			return slices.ContainsFunc(mine, func(rec map[string]any) bool { return rec["msg"] == "request" })
		})
		var msgs []string
		for _, rec := range mine {
			msgs = append(msgs, rec["msg"].(string))
			for k, want := range map[string]any{"trace_id": tt.traceID, "operation_name": op, "operation_type": "query"} {
				if rec[k] != want {
					t.Errorf("%s: line %q: %s = %v, want %v", tt.name, rec["msg"], k, rec[k], want)
				}
			}
		}
		for _, want := range tt.lines {
			if !slices.Contains(msgs, want) {
				t.Errorf("%s: the request's lines %q lack %q", tt.name, msgs, want)
			}
		}
		for _, rec := range logRecords(t, gw) {
			if rec["trace_id"] == tt.traceID && rec["request_id"] != tt.requestID {
				t.Errorf("%s: a line of the request's trace without its request id: %v", tt.name, rec)
			}
		}
	}
}

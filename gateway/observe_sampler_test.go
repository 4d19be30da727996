package gateway_test

import (
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// TestSamplerIsHonoured runs the gateway process with an OTLP receiver on
// loopback under OTEL_TRACES_SAMPLER and sends queries with and without a
// caller's traceparent. Whether a span is exported is known once the
// process has stopped: a graceful stop exports everything recorded. Under
// always_off, and traceidratio with 0, nothing is exported whatever the
// caller asks; under parentbased_always_on a caller's unsampled trace is
// not recorded while its sampled one is, whole. Either way FreeScout gets
// the caller's trace with its sampling decision.
func TestSamplerIsHonoured(t *testing.T) {
	const (
		sampled   = "5a1e0c7f3b9d4e2a8c6f1b0d9e7a3c51" // sent with flags 01
		unsampled = "0d2b4f6a8c1e3a5c7e9b0d2f4a6c8e13" // sent with flags 00
	)
	for _, tt := range []struct {
		sampler, arg string
		exported     []string // the traces exported, of the two above
		anyOther     bool     // whether a query without traceparent is exported
	}{
		{"always_off", "", nil, false},
		{"traceidratio", "0", nil, false},
		{"parentbased_always_on", "", []string{sampled}, true},
	} {
		t.Run(tt.sampler, func(t *testing.T) {
			t.Parallel()
			otlp := startOTLP(t)
			up := gatewaytest.StartUpstream(t, 0)
			gw := gatewaytest.StartProcessT(t, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey,
				"OTEL_EXPORTER_OTLP_ENDPOINT="+otlp.srv.URL, "OTEL_BSP_SCHEDULE_DELAY=50",
				"OTEL_TRACES_SAMPLER="+tt.sampler, "OTEL_TRACES_SAMPLER_ARG="+tt.arg)
			up.Log.Reset()
			for _, q := range []struct {
				name, traceparent string
			}{
				{"Sampled", "00-" + sampled + "-00f067aa0ba902b7-01"},
				{"Unsampled", "00-" + unsampled + "-00f067aa0ba902b7-00"},
				{"Unasked", ""},
			} {
				h := http.Header{}
				if q.traceparent != "" {
					h.Set("Traceparent", q.traceparent)
				}
				r, err := gatewaytest.Post(t.Context(), gw.URL, map[string]any{"query": `query ` + q.name + ` { conversation(id: "1") { id customer { company } } }`}, h)
				if err != nil || len(r.Errors) > 0 {
					t.Fatalf("query %s: %v %+v", q.name, err, r)
				}
			}
			// FreeScout continues the caller's trace, told whether the
			// gateway sampled it.
			seen := map[string]int{}
			for _, req := range up.Log.Requests() {
				sc, ok := parseTraceparent(req.Header.Get("Traceparent"))
				if !ok {
					continue
				}
				id := sc.TraceID().String()
				seen[id]++
				if want := slices.Contains(tt.exported, id); (id == sampled || id == unsampled) && sc.IsSampled() != want {
					t.Errorf("FreeScout got %s %s with traceparent %q, want sampled %v", req.Method, req.Path, req.Header.Get("Traceparent"), want)
				}
			}
			if seen[sampled] == 0 || seen[unsampled] == 0 {
				t.Errorf("FreeScout saw the callers' traces %v, want both", seen)
			}

			gw.Stop()
			otlp.mu.Lock()
			total := len(otlp.spans)
			exported := map[string][]string{}
			other := 0
			for _, s := range otlp.spans {
				id := hex.EncodeToString(s.TraceId)
				exported[id] = append(exported[id], s.Name)
				if id != sampled && id != unsampled && strings.HasPrefix(s.Name, "query ") {
					other++
				}
			}
			otlp.mu.Unlock()
			for _, id := range []string{sampled, unsampled} {
				want := slices.Contains(tt.exported, id)
				if got := exported[id]; want != (len(got) > 0) {
					t.Errorf("trace %s: exported %v, want exported %v", id, got, want)
				}
			}
			if want := exported[sampled]; tt.exported != nil {
				for _, name := range []string{"POST /graphql", "query Sampled", "GET /api/conversations/{id}", "loader.customers", "GET /api/customers/{id}"} {
					if !slices.Contains(want, name) {
						t.Errorf("the sampled trace lacks %s: %v", name, want)
					}
				}
			}
			if (other > 0) != tt.anyOther {
				t.Errorf("%d operations of no caller's trace exported; want some: %v", other, tt.anyOther)
			}
			if tt.exported == nil && total > 0 {
				t.Errorf("%d spans exported under %s", total, tt.sampler)
			}
		})
	}
}

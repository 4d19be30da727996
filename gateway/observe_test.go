package gateway_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// otlpReceiver is an OTLP/HTTP trace receiver on loopback that keeps every
// span it is sent.
type otlpReceiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	attrs []map[string]string // the resource attributes of each span
}

func startOTLP(t *testing.T) *otlpReceiver {
	o := &otlpReceiver{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		var req coltrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(b, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.mu.Lock()
		for _, rs := range req.ResourceSpans {
			res := map[string]string{}
			for _, kv := range rs.GetResource().GetAttributes() {
				res[kv.Key] = kv.GetValue().GetStringValue()
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					o.spans = append(o.spans, s)
					o.attrs = append(o.attrs, res)
				}
			}
		}
		o.mu.Unlock()
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// trace returns the spans of one trace.
func (o *otlpReceiver) trace(id []byte) ([]*tracepb.Span, []map[string]string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var spans []*tracepb.Span
	var res []map[string]string
	for i, s := range o.spans {
		if bytes.Equal(s.TraceId, id) {
			spans = append(spans, s)
			res = append(res, o.attrs[i])
		}
	}
	return spans, res
}

func spanAttr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if v := kv.GetValue().GetStringValue(); v != "" {
				return v
			}
			return kv.GetValue().String()
		}
	}
	return ""
}

// TestTracesReachTheCollector runs the gateway with an OTLP/HTTP receiver on
// loopback and a caller's traceparent: one trace carries the caller's trace
// id, the HTTP request, the operation (name, type, cost), the upstream call
// (by route template, without the key) and the Redis calls; FreeScout
// receives the trace context.
func TestTracesReachTheCollector(t *testing.T) {
	redisURL, client := sharedRedis(t)
	prefix := keyPrefix(t, client)
	otlp := startOTLP(t)
	up := gatewaytest.StartUpstream(t, 0)
	gw := gatewaytest.StartProcessT(t, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey,
		"REDIS_URL="+redisURL, "REDIS_PREFIX="+prefix,
		"OTEL_EXPORTER_OTLP_ENDPOINT="+otlp.srv.URL, "OTEL_BSP_SCHEDULE_DELAY=50", "OTEL_SERVICE_NAME=scoutgraph-test",
		"OTEL_TRACES_SAMPLER=parentbased_always_on")

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	waitFor(t, time.Minute, "the start-up check of the key", func() bool { return strings.Contains(gw.Logs(), "FreeScout accepts the API key") })
	up.Log.Reset()
	r, err := gatewaytest.Post(t.Context(), gw.URL, map[string]any{"query": `query Traced { conversation(id: "1") { id subject customer { firstName company } } }`},
		http.Header{"Traceparent": {"00-" + traceID + "-00f067aa0ba902b7-01"}})
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("query: %v %+v", err, r)
	}
	for _, req := range up.Log.Requests() {
		if tp := req.Header.Get("Traceparent"); !strings.Contains(tp, traceID) {
			t.Errorf("FreeScout got %s %s with traceparent %q, want trace %s", req.Method, req.Path, tp, traceID)
		}
	}

	id, _ := hex.DecodeString(traceID)
	var spans []*tracepb.Span
	var res []map[string]string
	names := func() []string {
		var out []string
		for _, s := range spans {
			out = append(out, s.Name)
		}
		return out
	}
	waitFor(t, time.Minute, "the trace's spans to be exported", func() bool {
		spans, res = otlp.trace(id)
		n := names()
		return slices.Contains(n, "POST /graphql") && slices.Contains(n, "query Traced") &&
			slices.Contains(n, "GET /api/conversations/{id}") && slices.ContainsFunc(n, func(s string) bool { return strings.HasPrefix(s, "get") || strings.HasPrefix(s, "set") })
	})
	byName := map[string]*tracepb.Span{}
	for i, s := range spans {
		byName[s.Name] = s
		if res[i]["service.name"] != "scoutgraph-test" {
			t.Errorf("span %s of service %q", s.Name, res[i]["service.name"])
		}
		for _, kv := range s.Attributes {
			if strings.Contains(kv.GetValue().String(), gatewaytest.APIKey) {
				t.Errorf("span %s carries the API key in %s", s.Name, kv.Key)
			}
		}
	}
	op := byName["query Traced"]
	if spanAttr(op, "graphql.operation.name") != "Traced" || spanAttr(op, "graphql.operation.type") != "query" || spanAttr(op, "scoutgraph.upstream_calls") == "" {
		t.Errorf("operation span attributes: %v", op.Attributes)
	}
	if !bytes.Equal(op.ParentSpanId, byName["POST /graphql"].SpanId) {
		t.Error("the operation span is not a child of the HTTP request's")
	}
	if call := byName["GET /api/conversations/{id}"]; spanAttr(call, "url.template") != "/api/conversations/{id}" || call.Kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("upstream span: %v", call)
	}
	if http := byName["POST /graphql"]; !bytes.Equal(http.ParentSpanId, mustHex(t, "00f067aa0ba902b7")) {
		t.Error("the HTTP span does not continue the caller's span")
	}
	t.Logf("exported spans of trace %s:\n%s", traceID, spanTree(spans))
}

// spanTree renders spans as an indented tree, children in start order.
func spanTree(spans []*tracepb.Span) string {
	children := map[string][]*tracepb.Span{}
	ids := map[string]bool{}
	for _, s := range spans {
		ids[string(s.SpanId)] = true
	}
	for _, s := range spans {
		parent := string(s.ParentSpanId)
		if !ids[parent] {
			parent = ""
		}
		children[parent] = append(children[parent], s)
	}
	var b strings.Builder
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		kids := children[parent]
		slices.SortFunc(kids, func(x, y *tracepb.Span) int { return cmp.Compare(x.StartTimeUnixNano, y.StartTimeUnixNano) })
		for _, s := range kids {
			fmt.Fprintf(&b, "%s%s (%s, %.2f ms)\n", strings.Repeat("  ", depth), s.Name, strings.ToLower(strings.TrimPrefix(s.Kind.String(), "SPAN_KIND_")), float64(s.EndTimeUnixNano-s.StartTimeUnixNano)/1e6)
			walk(string(s.SpanId), depth+1)
		}
	}
	walk("", 0)
	return b.String()
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLogsCarryTheRequest: every log line of a request carries its id
// (returned in X-Request-Id; a caller's own kept when sane), the trace id
// of the caller's traceparent, the operation's name and type, and
// duration_ms; go-redis's lines come out as JSON too.
func TestLogsCarryTheRequest(t *testing.T) {
	up := gatewaytest.StartUpstream(t, 0)
	gw := gatewaytest.StartProcessT(t, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey, "LOG_LEVEL=info",
		"REDIS_URL=redis://127.0.0.1:1/0")
	const traceID = "0af7651916cd43dd8448eb211c80319c"
	r, err := gatewaytest.Post(t.Context(), gw.URL, map[string]any{"query": `query Logged { conversation(id: "424242") { id } }`},
		http.Header{"Traceparent": {"00-" + traceID + "-b7ad6b7169203331-01"}, "X-Request-Id": {"req-from-caller.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("X-Request-Id"); got != "req-from-caller.1" {
		t.Errorf("X-Request-Id = %q, want the caller's", got)
	}
	r2, err := gatewaytest.Post(t.Context(), gw.URL, map[string]any{"query": `{ __typename }`}, http.Header{"X-Request-Id": {"not a sane id; <script>"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r2.Header.Get("X-Request-Id"); len(got) != 16 {
		t.Errorf("X-Request-Id for an insane one = %q, want a new 16-hex id", got)
	}
	var access map[string]any
	waitFor(t, time.Minute, "the access log line", func() bool {
		for line := range strings.SplitSeq(gw.Logs(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "request" && rec["request_id"] == "req-from-caller.1" {
				access = rec
				return true
			}
		}
		return false
	})
	for k, want := range map[string]any{"trace_id": traceID, "operation_name": "Logged", "operation_type": "query", "path": "/graphql"} {
		if access[k] != want {
			t.Errorf("access line %s = %v, want %v", k, access[k], want)
		}
	}
	if d, ok := access["duration_ms"].(float64); !ok || d <= 0 {
		t.Errorf("duration_ms = %v", access["duration_ms"])
	}
	for line := range strings.SplitSeq(strings.TrimSpace(gw.Logs()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line that is not JSON: %q", line)
		}
		if _, bare := rec["duration"]; bare {
			t.Errorf("a line with a bare duration: %q", line)
		}
	}
}

// TestAnswersAreCompressed: answers of 1 KiB and more are gzipped or zstd'd
// as the client asks; small ones and event streams are not.
func TestAnswersAreCompressed(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{})
	post := func(query, encoding string) (*http.Response, []byte) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	const inbox = `{ conversations(first: 50) { nodes { id subject preview customer { firstName lastName email } } } }`
	res, b := post(inbox, "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("inbox with Accept-Encoding gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !json.Valid(plain) || len(plain) < 3*len(b) {
		t.Errorf("gzip: %d bytes for %d of JSON", len(b), len(plain))
	}
	if res, _ := post(inbox, "zstd, gzip"); res.Header.Get("Content-Encoding") != "zstd" {
		t.Errorf("inbox with zstd and gzip accepted: Content-Encoding %q, want zstd", res.Header.Get("Content-Encoding"))
	}
	if res, _ := post(inbox, ""); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("no Accept-Encoding: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	if res, _ := post(`{ __typename }`, "gzip"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("a tiny answer is compressed: %q", res.Header.Get("Content-Encoding"))
	}
}

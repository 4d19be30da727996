package gateway_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/telemetry"
)

// tracedGateway starts a gateway whose tracer provider records every span
// with the SDK's own tracetest.SpanRecorder.
func tracedGateway(t *testing.T) (*apiEnv, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	a := newAPI(t, gatewaytest.Options{Configure: func(c *gateway.Config) { c.Telemetry = telemetry.New(tp) }})
	return a, rec
}

// spanSet indexes ended spans.
type spanSet []sdktrace.ReadOnlySpan

func (s spanSet) named(name string) spanSet {
	var out spanSet
	for _, sp := range s {
		if sp.Name() == name {
			out = append(out, sp)
		}
	}
	return out
}

func (s spanSet) children(of sdktrace.ReadOnlySpan) spanSet {
	var out spanSet
	for _, sp := range s {
		if sp.Parent().SpanID() == of.SpanContext().SpanID() && sp.SpanContext().TraceID() == of.SpanContext().TraceID() {
			out = append(out, sp)
		}
	}
	return out
}

func (s spanSet) byID(id trace.SpanID) sdktrace.ReadOnlySpan {
	for _, sp := range s {
		if sp.SpanContext().SpanID() == id {
			return sp
		}
	}
	return nil
}

// only is the one span of a set, or fails the test.
func (s spanSet) only(t *testing.T, what string) sdktrace.ReadOnlySpan {
	t.Helper()
	if len(s) != 1 {
		t.Fatalf("%d spans %s, want 1", len(s), what)
	}
	return s[0]
}

func intAttr(sp sdktrace.ReadOnlySpan, key string) int64 {
	set := attribute.NewSet(sp.Attributes()...)
	v, _ := set.Value(attribute.Key(key))
	return v.AsInt64()
}

// cacheEvents are the "cache.<op>" events of a span, as "op kind hit".
func cacheEvents(sp sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range sp.Events() {
		if !strings.HasPrefix(e.Name, "cache.") {
			continue
		}
		set := attribute.NewSet(e.Attributes...)
		kind, _ := set.Value("scoutgraph.cache.kind")
		ev := e.Name + " " + kind.AsString()
		if hit, ok := set.Value("scoutgraph.cache.hit"); ok {
			ev += " hit=" + hit.Emit()
		}
		out = append(out, ev)
	}
	return out
}

// TestLoaderBatchesHaveSpans: an inbox of every mailbox with its
// customers' profiles. Each dataloader batch is a span "loader.<name>", a
// child of the operation's span with the batch's size: the first windows of
// the mailboxes, gathered, are batches whose sizes add up to the mailboxes
// and each of which FreeScout answered with one list call naming that many
// mailboxes (found through the traceparent FreeScout received); each
// customer's profile is a batch of one, parent of its FreeScout call and of
// its cache lookup and store (span events).
func TestLoaderBatchesHaveSpans(t *testing.T) {
	t.Parallel()
	a, rec := tracedGateway(t)
	a.Upstream.Log.Reset()
	r := a.Do(t, `query Boxes { mailboxes { nodes { id conversations(first: 3) { nodes { id customer { id company } } } } } }`, nil)
	var out struct {
		Mailboxes struct {
			Nodes []struct {
				ID            string
				Conversations struct {
					Nodes []struct{ Customer *struct{ ID string } }
				}
			}
		}
	}
	r.MustData(t, &out)
	boxes := len(out.Mailboxes.Nodes)
	customers := map[string]bool{}
	for _, m := range out.Mailboxes.Nodes {
		for _, c := range m.Conversations.Nodes {
			if c.Customer != nil {
				customers[c.Customer.ID] = true
			}
		}
	}
	if boxes < 2 || len(customers) < 2 {
		t.Fatalf("the sample data has %d mailboxes and %d customers in their first conversations; the test needs two of each", boxes, len(customers))
	}

	spans := spanSet(rec.Ended())
	op := spans.named("query Boxes").only(t, "query Boxes")

	pages := spans.named("loader.mailbox_pages")
	gathered := int64(0)
	for _, b := range pages {
		if b.Parent().SpanID() != op.SpanContext().SpanID() {
			t.Errorf("loader.mailbox_pages (size %d) is not a child of the operation's span", intAttr(b, telemetry.AttrBatchSize))
		}
		gathered += intAttr(b, telemetry.AttrBatchSize)
	}
	if gathered != int64(boxes) {
		t.Errorf("loader.mailbox_pages batches hold %d keys in all, want one per mailbox (%d)", gathered, boxes)
	}
	// FreeScout's list calls, each tied to its batch by its traceparent.
	listed := map[trace.SpanID]int{} // batch → mailboxes named by its first list call
	for _, req := range a.Upstream.Log.Requests() {
		if req.Method != "GET" || req.Path != "/api/conversations" {
			continue
		}
		sc, ok := parseTraceparent(req.Header.Get("Traceparent"))
		call := spans.byID(sc.SpanID())
		if !ok || call == nil {
			t.Errorf("FreeScout got GET /api/conversations?%s with traceparent %q, of no span", req.RawQuery, req.Header.Get("Traceparent"))
			continue
		}
		q, _ := url.ParseQuery(req.RawQuery)
		if batch := call.Parent().SpanID(); listed[batch] == 0 {
			listed[batch] = len(strings.Split(q.Get("mailboxId"), ","))
		}
	}
	for _, b := range pages {
		if n := listed[b.SpanContext().SpanID()]; int64(n) != intAttr(b, telemetry.AttrBatchSize) {
			t.Errorf("loader.mailbox_pages of size %d: its list call named %d mailboxes", intAttr(b, telemetry.AttrBatchSize), n)
		}
	}

	batches := spans.named("loader.customers")
	if len(batches) != len(customers) {
		t.Errorf("%d loader.customers spans, want one per customer (%d)", len(batches), len(customers))
	}
	for _, b := range batches {
		if b.Parent().SpanID() != op.SpanContext().SpanID() {
			t.Error("a loader.customers span is not a child of the operation's span")
		}
		if n := intAttr(b, telemetry.AttrBatchSize); n != 1 {
			t.Errorf("loader.customers of size %d, want 1 (profiles are fetched key by key)", n)
		}
		kids := spans.children(b)
		if len(kids) != 1 || kids[0].Name() != "GET /api/customers/{id}" {
			var names []string
			for _, k := range kids {
				names = append(names, k.Name())
			}
			t.Errorf("loader.customers children %v, want the one FreeScout call", names)
		}
		if got, want := strings.Join(cacheEvents(b), ", "), "cache.lookup customer hit=false, cache.set customer"; got != want {
			t.Errorf("loader.customers cache events %q, want %q", got, want)
		}
	}
}

// parseTraceparent reads a W3C traceparent header.
func parseTraceparent(h string) (trace.SpanContext, bool) {
	parts := strings.Split(h, "-")
	if len(parts) != 4 {
		return trace.SpanContext{}, false
	}
	tid, err1 := trace.TraceIDFromHex(parts[1])
	sid, err2 := trace.SpanIDFromHex(parts[2])
	if err1 != nil || err2 != nil {
		return trace.SpanContext{}, false
	}
	flags := trace.TraceFlags(0)
	if parts[3] == "01" {
		flags = trace.FlagsSampled
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags}), true
}

// TestCacheWritesAreObserved: what the data session writes to the shared
// cache and drops from it is seen by the same hook as its lookups: in
// /metrics (scoutgraph_cache_writes_total by kind and op) and as events of
// the operation's span. A customer read cold is looked up, missed and
// stored; read again, found; written, its cached profile is dropped.
func TestCacheWritesAreObserved(t *testing.T) {
	t.Parallel()
	a, rec := tracedGateway(t)
	a.data(t, `query Profile { customer(id: "1") { id company } }`, nil)
	a.data(t, `query Profile { customer(id: "1") { id company } }`, nil)
	r := a.Do(t, `mutation Touch($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { id notes } userErrors { message } } }`,
		map[string]any{"in": map[string]any{"id": "1", "notes": "written by TestCacheWritesAreObserved"}})
	var payload struct {
		UpdateCustomer struct {
			Customer   struct{ Notes string }
			UserErrors []json.RawMessage
		}
	}
	r.MustData(t, &payload)
	if len(payload.UpdateCustomer.UserErrors) > 0 || payload.UpdateCustomer.Customer.Notes == "" {
		t.Fatalf("updateCustomer: %s", r.Data)
	}

	body := getBody(t, a.URL+"/metrics")
	for series, want := range map[string]float64{
		`scoutgraph_cache_lookups_total{kind="customer",result="miss"}`:      1,
		`scoutgraph_cache_lookups_total{kind="customer",result="hit"}`:       1,
		`scoutgraph_cache_writes_total{kind="customer",op="set"}`:            1,
		`scoutgraph_cache_writes_total{kind="customer",op="invalidate"}`:     1,
		`scoutgraph_cache_writes_total{kind="customfields",op="invalidate"}`: 0,
	} {
		if got := metricValue(body, series); got != want {
			t.Errorf("/metrics: %s = %v, want %v", series, got, want)
		}
	}

	spans := spanSet(rec.Ended())
	var reads []string
	for _, op := range spans.named("query Profile") {
		for _, b := range spans.children(op).named("loader.customers") {
			reads = append(reads, strings.Join(cacheEvents(b), ", "))
		}
	}
	if got, want := strings.Join(reads, " | "), "cache.lookup customer hit=false, cache.set customer | cache.lookup customer hit=true"; got != want {
		t.Errorf("the two reads' cache events: %q, want %q", got, want)
	}
	write := spans.named("mutation Touch").only(t, "mutation Touch")
	if got := cacheEvents(write); len(got) != 1 || got[0] != "cache.invalidate customer" {
		t.Errorf("the write's cache events %v, want [cache.invalidate customer]", got)
	}
}

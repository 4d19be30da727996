package telemetry_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/scoutgraph/scoutgraph/telemetry"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// remote is the context of a request whose caller sent a traceparent,
// sampled or not.
func remote(sampled bool) context.Context {
	sc := trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		Remote:  true,
	}
	if sampled {
		sc.TraceFlags = trace.FlagsSampled
	}
	return trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(sc))
}

// TestSampler: OTEL_TRACES_SAMPLER and its argument choose what is
// recorded, as the specification says, for a root span and for the child
// of a caller's sampled and unsampled span; what names no sampler is an
// error naming the setting.
func TestSampler(t *testing.T) {
	type decisions struct{ root, sampledParent, unsampledParent bool }
	for _, tt := range []struct {
		sampler, arg string
		want         decisions
	}{
		{"", "", decisions{true, true, false}},
		{"parentbased_always_on", "", decisions{true, true, false}},
		{"PARENTBASED_ALWAYS_ON ", "", decisions{true, true, false}},
		{"always_on", "", decisions{true, true, true}},
		{"always_off", "", decisions{false, false, false}},
		{"traceidratio", "0", decisions{false, false, false}},
		{"traceidratio", "1", decisions{true, true, true}},
		{"traceidratio", "", decisions{true, true, true}},
		{"parentbased_always_off", "", decisions{false, true, false}},
		{"parentbased_traceidratio", "0", decisions{false, true, false}},
		{"parentbased_traceidratio", "1.0", decisions{true, true, false}},
	} {
		t.Run(tt.sampler+"/"+tt.arg, func(t *testing.T) {
			s, err := telemetry.Sampler(env(map[string]string{"OTEL_TRACES_SAMPLER": tt.sampler, "OTEL_TRACES_SAMPLER_ARG": tt.arg}))
			if err != nil {
				t.Fatal(err)
			}
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(s), sdktrace.WithSpanProcessor(rec))
			defer func() { _ = tp.Shutdown(context.Background()) }()
			tracer := tp.Tracer("test")
			var got decisions
			for _, c := range []struct {
				ctx context.Context
				out *bool
			}{{context.Background(), &got.root}, {remote(true), &got.sampledParent}, {remote(false), &got.unsampledParent}} {
				_, span := tracer.Start(c.ctx, "span")
				*c.out = span.SpanContext().IsSampled()
				span.End()
			}
			if got != tt.want {
				t.Errorf("sampled (root, under a sampled caller, under an unsampled one) = %+v, want %+v", got, tt.want)
			}
			n := 0
			for _, ok := range []bool{tt.want.root, tt.want.sampledParent, tt.want.unsampledParent} {
				if ok {
					n++
				}
			}
			if ended := len(rec.Ended()); ended != n {
				t.Errorf("%d spans reached the processor, want %d", ended, n)
			}
		})
	}
	for _, tt := range []struct{ sampler, arg, setting string }{
		{"always-off", "", "OTEL_TRACES_SAMPLER"},
		{"jaeger_remote", "", "OTEL_TRACES_SAMPLER"},
		{"traceidratio", "half", "OTEL_TRACES_SAMPLER_ARG"},
		{"traceidratio", "1.5", "OTEL_TRACES_SAMPLER_ARG"},
		{"parentbased_traceidratio", "-0.1", "OTEL_TRACES_SAMPLER_ARG"},
	} {
		_, err := telemetry.Sampler(env(map[string]string{"OTEL_TRACES_SAMPLER": tt.sampler, "OTEL_TRACES_SAMPLER_ARG": tt.arg}))
		if err == nil || !strings.HasPrefix(err.Error(), tt.setting+": ") {
			t.Errorf("sampler %q arg %q: err %v, want one naming %s", tt.sampler, tt.arg, err, tt.setting)
		}
	}
}

// TestSetupRefusesAnUnknownSampler: with tracing on, a sampler the SDK
// would silently replace by its default fails the start, naming the
// setting; with tracing off the sampler is not looked at.
func TestSetupRefusesAnUnknownSampler(t *testing.T) {
	on := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_SAMPLER": "alwayz_on"}
	if _, err := telemetry.Setup(t.Context(), env(on), "test"); err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_SAMPLER") {
		t.Errorf("Setup with an unknown sampler: %v, want an error naming OTEL_TRACES_SAMPLER", err)
	}
	tel, err := telemetry.Setup(t.Context(), env(map[string]string{"OTEL_TRACES_SAMPLER": "alwayz_on"}), "test")
	if err != nil || tel.Enabled() {
		t.Errorf("Setup without an endpoint: enabled %v, err %v; want off", tel.Enabled(), err)
	}
}

// TestBatchSpans: each loader batch is a span "loader.<name>", a child of
// the span of the load that opened it and the parent of what the batch
// does, with the batch's size, and its failed keys when some failed.
func TestBatchSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tel := telemetry.New(tp)
	hook := tel.BatchSpans()
	ctx, op := tp.Tracer("test").Start(context.Background(), "query Inbox")

	bctx, end := hook.StartBatch(ctx, "customers", 1)
	_, call := tp.Tracer("test").Start(bctx, "GET /api/customers/{id}")
	call.End()
	end(0)
	_, end = hook.StartBatch(ctx, "mailbox_pages", 3)
	end(2)
	op.End()

	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		byName[s.Name()] = s
	}
	for _, tt := range []struct {
		name   string
		size   int64
		failed int64 // 0: no attribute
		status codes.Code
	}{{"loader.customers", 1, 0, codes.Unset}, {"loader.mailbox_pages", 3, 2, codes.Error}} {
		s := byName[tt.name]
		if s == nil {
			t.Fatalf("no span %s among %d", tt.name, len(rec.Ended()))
		}
		if s.Parent().SpanID() != op.SpanContext().SpanID() {
			t.Errorf("%s: parent %s, want the operation's span", tt.name, s.Parent().SpanID())
		}
		attrs := attribute.NewSet(s.Attributes()...)
		if v, _ := attrs.Value(telemetry.AttrBatchSize); v.AsInt64() != tt.size {
			t.Errorf("%s: %s = %v, want %d", tt.name, telemetry.AttrBatchSize, v.Emit(), tt.size)
		}
		if v, _ := attrs.Value(telemetry.AttrBatchFailed); v.AsInt64() != tt.failed {
			t.Errorf("%s: %s = %v, want %d", tt.name, telemetry.AttrBatchFailed, v.Emit(), tt.failed)
		}
		if v, _ := attrs.Value(telemetry.AttrLoaderName); "loader."+v.AsString() != tt.name {
			t.Errorf("%s: %s = %q", tt.name, telemetry.AttrLoaderName, v.AsString())
		}
		if s.Status().Code != tt.status {
			t.Errorf("%s: status %v, want %v", tt.name, s.Status(), tt.status)
		}
	}
	if got := byName["GET /api/customers/{id}"].Parent().SpanID(); got != byName["loader.customers"].SpanContext().SpanID() {
		t.Error("the call made in the batch is not a child of the batch's span")
	}
}

package telemetry

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// scope names the gateway's own instrumentation.
const scope = "github.com/scoutgraph/scoutgraph"

// UpstreamHook is the upstream.Hook that puts a client span around every
// attempt of every call to FreeScout: named by the endpoint's template
// ("GET /api/conversations/{id}"), never by the URL (which may carry
// customer data), and never carrying the key.
func (t *Telemetry) UpstreamHook() upstream.Hook {
	return spans{t.Provider.Tracer(scope)}
}

type spans struct{ tracer trace.Tracer }

// Before starts the attempt's span.
func (s spans) Before(ctx context.Context, a upstream.Attempt) (context.Context, error) {
	method, route, _ := strings.Cut(a.Route, " ")
	ctx, _ = s.tracer.Start(ctx, a.Route, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", method),
		attribute.String("url.template", route),
		attribute.Int("http.request.resend_count", a.Attempt-1),
		attribute.String("peer.service", "freescout"),
	))
	return ctx, nil
}

// After ends it with the answer's status.
func (spans) After(ctx context.Context, c upstream.Call) {
	span := trace.SpanFromContext(ctx)
	if c.Status != 0 {
		span.SetAttributes(attribute.Int("http.response.status_code", c.Status))
	}
	span.SetAttributes(attribute.Int("http.response.body.size", c.Bytes))
	switch {
	case c.Err != nil:
		span.SetStatus(codes.Error, "no answer")
		span.SetAttributes(attribute.String("error.type", errorType(c)))
	case c.Status >= 400:
		span.SetStatus(codes.Error, strconv.Itoa(c.Status))
		span.SetAttributes(attribute.String("error.type", strconv.Itoa(c.Status)))
	}
	span.End()
}

// errorType names a failed attempt without its message (which may name
// the URL).
func errorType(c upstream.Call) string {
	if errors.Is(c.Err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "transport"
}

// Propagating returns a RoundTripper that sends the trace context of each
// request's context (the upstream span, or a caller's traceparent when
// tracing is off) to FreeScout as W3C traceparent and tracestate.
func (t *Telemetry) Propagating(next http.RoundTripper) http.RoundTripper {
	return propagating{next: next, prop: t.Propagator}
}

type propagating struct {
	next http.RoundTripper
	prop propagation.TextMapPropagator
}

// RoundTrip injects the trace context into a copy of the request.
func (p propagating) RoundTrip(r *http.Request) (*http.Response, error) {
	if !trace.SpanContextFromContext(r.Context()).IsValid() {
		return p.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	p.prop.Inject(r.Context(), propagation.HeaderCarrier(r.Header))
	return p.next.RoundTrip(r)
}

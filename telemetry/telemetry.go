// Package telemetry sets up OpenTelemetry tracing for the gateway, from the
// standard OTEL_* environment variables, and holds the instrumentation that
// is the gateway's own: spans around upstream calls and around the data
// session's dataloader batches, and the W3C trace context sent to
// FreeScout. The GraphQL operation's span and the cache calls' span events
// are the gateway's (package gateway); HTTP and Redis spans come from
// otelhttp and redisotel.
//
// Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (OTLP over HTTP/protobuf, as
// the SDK's exporter reads them, with OTEL_EXPORTER_OTLP_HEADERS and the
// rest), and OTEL_SDK_DISABLED is not true. The service is named by
// OTEL_SERVICE_NAME (default scoutgraph), the sampler by
// OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default: parent-based,
// always on; see Sampler), read through Setup's getenv and refused at start
// when they name no sampler the SDK has. Off, the tracer provider records nothing, but a caller's
// traceparent is still passed on to FreeScout, so that traces continue
// through the gateway even when it exports none of its own.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// DefaultServiceName is the service name unless OTEL_SERVICE_NAME says
// otherwise.
const DefaultServiceName = "scoutgraph"

// Telemetry is the gateway's tracing: a tracer provider (recording or not)
// and the W3C propagator.
type Telemetry struct {
	// Provider makes the gateway's tracers.
	Provider trace.TracerProvider
	// Propagator reads and writes W3C traceparent, tracestate and baggage.
	Propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
	enabled    bool
}

// Off is tracing off: nothing recorded or exported, trace context passed on.
func Off() *Telemetry {
	return &Telemetry{Provider: noop.NewTracerProvider(), Propagator: propagator(), shutdown: func(context.Context) error { return nil }}
}

func propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// New is tracing with a tracer provider of the caller's (a test's, with the
// SDK's tracetest.SpanRecorder): recorded as tp samples, exported as tp's
// processors do; Shutdown shuts tp down when it can be.
func New(tp trace.TracerProvider) *Telemetry {
	shutdown := func(context.Context) error { return nil }
	if s, ok := tp.(interface{ Shutdown(context.Context) error }); ok {
		shutdown = s.Shutdown
	}
	return &Telemetry{Provider: tp, Propagator: propagator(), shutdown: shutdown, enabled: true}
}

// Setup reads getenv (the process environment, in the gateway) and turns
// tracing on when an OTLP endpoint is set. version goes into the resource.
func Setup(ctx context.Context, getenv func(string) string, version string) (*Telemetry, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") ||
		(getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "") {
		return Off(), nil
	}
	sampler, err := Sampler(getenv)
	if err != nil {
		return nil, err
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	if name == "" {
		name = DefaultServiceName
	}
	// resource.Default holds OTEL_RESOURCE_ATTRIBUTES; the name and the
	// version given here win over it.
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", name), attribute.String("service.version", version)))
	if err != nil {
		res = resource.Default() // only a schema URL conflict fails
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res), sdktrace.WithSampler(sampler))
	return &Telemetry{Provider: tp, Propagator: propagator(), shutdown: tp.Shutdown, enabled: true}, nil
}

// Enabled reports whether spans are recorded and exported.
func (t *Telemetry) Enabled() bool { return t != nil && t.enabled }

// Shutdown exports what is buffered and stops the exporter.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	err := t.shutdown(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Sampler is the sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
// name, as the OpenTelemetry specification defines them: always_on,
// always_off, traceidratio, parentbased_always_on (the default),
// parentbased_always_off and parentbased_traceidratio, whose argument is a
// ratio from 0 to 1 (default 1). The SDK reads the same variables from the
// process's environment, but falls back to its default (sampling
// everything) on a value it does not know, with a plain-text line on
// stderr; the gateway refuses such a value at start, naming the setting.
func Sampler(getenv func(string) string) (sdktrace.Sampler, error) {
	name := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")))
	arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG"))
	ratio := func() (sdktrace.Sampler, error) {
		if arg == "" {
			return sdktrace.TraceIDRatioBased(1), nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG: %q is not a ratio from 0 to 1 for %s", arg, name)
		}
		return sdktrace.TraceIDRatioBased(r), nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio":
		return ratio()
	case "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.ParentBased(r), nil
	}
	return nil, fmt.Errorf("OTEL_TRACES_SAMPLER: unknown sampler %q (always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio)", name)
}

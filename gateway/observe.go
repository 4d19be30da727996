package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/scoutgraph/scoutgraph/session"
)

// What the gateway tells about each request, in one place:
//
//   - a request id, taken from the caller's X-Request-Id when it is a sane
//     token, else made up, and returned in X-Request-Id;
//   - every log line logged with the request's context carries it, the
//     trace id (of the gateway's span, or of the caller's traceparent when
//     tracing is off) and the operation's name and type (logHandler);
//   - the access log line, at the end, adds status, bytes and duration_ms;
//   - each GraphQL operation gets a span (with each subscription event a
//     child span of its own), its duration and upstream calls in
//     /metrics by operation name and type, and its errors counted by code
//     (operations).

// requestInfo is what is known about one HTTP request, shared by its
// handlers through its context.
type requestInfo struct {
	id string

	mu            sync.Mutex
	operationName string
	operationType string
}

func (ri *requestInfo) setOperation(name, typ string) {
	ri.mu.Lock()
	ri.operationName, ri.operationType = name, typ
	ri.mu.Unlock()
}

func (ri *requestInfo) operation() (name, typ string) {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return ri.operationName, ri.operationType
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return ri
}

// RequestIDHeader carries the request id, both ways.
const RequestIDHeader = "X-Request-Id"

// requestID returns the caller's request id when it is a token of at most
// 64 letters, digits, '.', '_' or '-', else a new random one.
func requestID(given string) string {
	if n := len(given); n > 0 && n <= 64 && strings.Trim(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == "" {
		return given
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// logHandler adds the request's fields to every record logged with a
// request's context.
type logHandler struct{ slog.Handler }

// NewLogHandler wraps h so that records logged with a request's context
// carry request_id, trace_id and the operation's name and type.
func NewLogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

// Handle adds the fields.
func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if ri := requestInfoFrom(ctx); ri != nil {
		r.AddAttrs(slog.String("request_id", ri.id))
		if name, typ := ri.operation(); typ != "" {
			r.AddAttrs(slog.String("operation_name", name), slog.String("operation_type", typ))
		}
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper.
func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper.
func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }

// durationMS is a duration as logged: milliseconds, to the microsecond.
func durationMS(d time.Duration) slog.Attr {
	return slog.Float64("duration_ms", float64(d.Microseconds())/1000)
}

// operations is the gateway extension that observes each GraphQL
// operation: its span, its log fields, its metrics.
type operations struct {
	tracer  trace.Tracer
	metrics *metrics
}

var (
	_ graphql.HandlerExtension     = operations{}
	_ graphql.OperationInterceptor = operations{}
	_ graphql.ResponseInterceptor  = operations{}
)

// ExtensionName names the extension in gqlgen's stats.
func (operations) ExtensionName() string { return "ScoutgraphOperations" }

// Validate accepts every schema.
func (operations) Validate(graphql.ExecutableSchema) error { return nil }

// operationOf names an operation as the metrics and logs do.
func operationOf(oc *graphql.OperationContext) (name, typ string) {
	if oc == nil || oc.Operation == nil {
		return "", ""
	}
	name = oc.Operation.Name
	if name == "" {
		name = oc.OperationName
	}
	return name, string(oc.Operation.Operation)
}

// InterceptOperation starts the operation's span and records its name for
// the logs; the response handler it returns ends the span and records the
// metrics once the operation has answered (for a subscription: once the
// stream ends; each event gets a span of its own).
func (o operations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	name, typ := operationOf(oc)
	if ri := requestInfoFrom(ctx); ri != nil {
		ri.setOperation(name, typ)
	}
	spanName := strings.TrimSpace(typ + " " + name)
	ctx, span := o.tracer.Start(ctx, spanName, trace.WithAttributes(
		attribute.String("graphql.operation.name", name),
		attribute.String("graphql.operation.type", typ),
	))
	start := time.Now()
	handler := next(ctx)
	if typ != string(ast.Subscription) {
		return func(ctx context.Context) *graphql.Response {
			resp := handler(ctx)
			o.finish(ctx, span, resp, name, typ, start)
			return resp
		}
	}
	events := 0
	return func(ctx context.Context) *graphql.Response {
		ectx, es := o.tracer.Start(ctx, "subscription event "+name, trace.WithAttributes(attribute.String("graphql.operation.name", name)))
		resp := handler(ectx)
		if resp == nil {
			es.End()
			span.SetAttributes(attribute.Int("graphql.subscription.events", events))
			span.End()
			return nil
		}
		events++
		o.finish(ectx, es, resp, name, typ, time.Now())
		return resp
	}
}

// finish ends an operation's (or event's) span with its cost and errors,
// and records its metrics.
func (o operations) finish(ctx context.Context, span trace.Span, resp *graphql.Response, name, typ string, start time.Time) {
	calls := sessionCalls(ctx)
	o.metrics.observeOperation(name, typ, time.Since(start), calls)
	span.SetAttributes(attribute.Int("scoutgraph.upstream_calls", calls))
	if resp != nil {
		if cost, ok := resp.Extensions["cost"].(map[string]any); ok {
			span.SetAttributes(attribute.String("scoutgraph.cost", fmt.Sprint(cost["estimated"], "/", cost["actual"])))
			if est, ok := cost["estimated"].(int); ok {
				span.SetAttributes(attribute.Int("scoutgraph.cost.estimated", est))
			}
		}
		if len(resp.Errors) > 0 {
			span.SetStatus(codes.Error, resp.Errors[0].Message)
			span.SetAttributes(attribute.StringSlice("graphql.error.codes", errorCodes(resp)))
		}
	}
	span.End()
}

// Attributes of the span events of cache calls.
const (
	attrCacheKind = "scoutgraph.cache.kind"
	attrCacheKeys = "scoutgraph.cache.keys"
	attrCacheHit  = "scoutgraph.cache.hit"
)

// cacheEvent records a data session's call to the shared cache as an event
// "cache.<op>" (lookup, set, add, invalidate) of the span in ctx: the
// operation's, or the loader batch's that made the call. Redis's own
// commands get spans of their own (redisotel); the events say what they
// were for, and show the in-memory cache's calls too.
func cacheEvent(ctx context.Context, c session.CacheCall) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{attribute.String(attrCacheKind, c.Kind), attribute.Int(attrCacheKeys, c.Keys)}
	if c.Op == session.CacheLookup || c.Op == session.CacheAdd {
		attrs = append(attrs, attribute.Bool(attrCacheHit, c.Hit))
	}
	if c.Err != nil {
		attrs = append(attrs, attribute.String("error.type", "cache"))
	}
	span.AddEvent("cache."+string(c.Op), trace.WithAttributes(attrs...))
}

// InterceptResponse counts the errors of every response, those of
// operations refused before they ran included.
func (o operations) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil {
		for _, code := range errorCodes(resp) {
			o.metrics.graphqlError(code)
		}
	}
	return resp
}

// errorCodes are the extensions.code of a response's errors.
func errorCodes(resp *graphql.Response) []string {
	out := make([]string, 0, len(resp.Errors))
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "UNKNOWN"
		}
		out = append(out, code)
	}
	return out
}

// observeRequests gives each request its id and info (the logs' fields),
// logs it when it ends, and records its HTTP metrics.
func observeRequests(logger *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: requestID(r.Header.Get(RequestIDHeader))}
		w.Header().Set(RequestIDHeader, ri.id)
		ctx := context.WithValue(r.Context(), requestInfoKey{}, ri)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := routeLabel(r.URL.Path)
		m.observeHTTP(route, r.Method, sw.status, d)
		logger.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes), durationMS(d), slog.String("remote", r.RemoteAddr))
	})
}

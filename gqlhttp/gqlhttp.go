// Package gqlhttp serves a gqlgen executable schema over HTTP: plain GraphQL over HTTP
// (https://graphql.github.io/graphql-over-http/draft/), Server-Sent Events (the
// graphql-sse protocol, https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md)
// and any transport added with WithTransport, such as gqlgen's WebSocket one.
//
// It is built on gqlgen's executor (the engine behind gqlgen's handler.Server) with
// graphql.Transports of its own, so error presenters, recover functions and handler
// extensions behave exactly as they do with gqlgen's stock server, whatever the transport.
//
// # Choosing a transport
//
// Like gqlgen's handler.Server, the handler gives each request to the first transport
// whose Supports accepts it: first those added with WithTransport, in the order given,
// then Server-Sent Events (when WithSSE enabled it), then plain HTTP, which takes every
// request left. gqlgen's transport.Websocket claims every request with an Upgrade header,
// so added first it serves graphql-transport-ws (and the older graphql-ws) subscriptions
// and leaves the rest to the built-in transports.
//
// # Plain GraphQL over HTTP
//
// GET and POST; Accept negotiation between application/graphql-response+json and
// application/json; the status codes the specification asks for; the data entry left out
// of responses to requests that never reached execution; an extensions.code on every
// error the handler raises itself. Subscriptions are refused with 400 (code
// BAD_USER_INPUT) telling the client to subscribe over a WebSocket or with Server-Sent
// Events.
//
// # Server-Sent Events
//
// The graphql-sse protocol's distinct connections mode: each GET or POST whose Accept
// header lists text/event-stream runs one operation (query, mutation or subscription)
// and streams its results. The single connection mode (reservations with PUT, operations
// stopped with DELETE) is not served: a reservation reaches the plain transport, which
// refuses its method with 405. Where the protocol is silent or leaves a choice, the transport decides:
//
//   - Selection: text/event-stream must be listed by name with a quality above zero,
//     whatever else the header lists and however much more it wants it; */* does not
//     select the stream.
//   - Before the stream: parameters are read exactly as by the plain transport (same
//     status codes and messages for bad JSON, 413, 415, a missing query; persisted-only
//     requests allowed), and a request refused before execution (parse, validation or
//     variable-coercion errors, an extension's refusal) gets a GraphQL JSON response in
//     the negotiated JSON media type (application/json when the header names none) with
//     status 400 whatever the media type, as the reference server answers documents
//     that do not parse: a 200 would be taken for the stream. The protocol would have
//     validation errors sent as a next event on an accepted stream instead (the
//     reference server does so only when Accept is exactly text/event-stream);
//     answering them like every other refusal keeps one behaviour and lets a spent
//     budget (code RATE_LIMITED) keep its 429 and Retry-After, as over plain HTTP. A
//     GET may run queries and subscriptions; a mutation over GET gets 405 with Allow:
//     POST.
//   - The stream: status 200, Content-Type text/event-stream; charset=utf-8,
//     Cache-Control no-cache and X-Accel-Buffering no (so that nginx does not buffer),
//     flushed at once with an opening comment line, since some user agents report a
//     stream open only once body bytes arrive. No Connection header: it is hop-by-hop
//     and forbidden in HTTP/2.
//   - Events: every response of the executor is a next event whose data is the
//     response as the plain transport encodes it (errors, data, extensions), on one
//     line; when the executor has no more, a complete event with an empty data field
//     (which EventSource needs to fire). A query or mutation thus gives one next then
//     complete; a subscription one next per event until its source ends. A query or mutation that produced no response gets an
//     error next (code INTERNAL) before complete.
//   - Liveness: a comment line (":") whenever nothing was written for
//     SSEOptions.KeepAlive. Every write is bounded by SSEOptions.WriteTimeout through
//     http.ResponseController's write deadline (the server can have no global
//     WriteTimeout, since streams last); a handler whose ResponseWriter cannot take a
//     deadline refuses streams with 500 rather than risk an unbounded one.
//   - Ending: a write that fails or times out, or a client that goes away, ends the
//     stream without complete and cancels the operation's context, so that resolvers
//     and their goroutines end; no goroutine of the transport outlives the request. A
//     panic that escapes the executor ends the stream with an error next (code INTERNAL
//     unless the error presenter set one) and complete.
//
// # Error codes
//
// The codes this package sets in extensions.code are errcode's: BAD_USER_INPUT for errors
// in the HTTP request itself and for pre-execution errors that carry no code of their own,
// INTERNAL for panics and the handler's own failures.
package gqlhttp

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/scoutgraph/scoutgraph/errcode"
)

// The codes this package sets in extensions.code (errcode's): BAD_USER_INPUT for errors
// in the HTTP request itself (bad JSON, missing query, unsupported media type, ...) and
// pre-execution errors that carry no code of their own; INTERNAL for a panic that escaped
// the executor. A pre-execution error with code RATE_LIMITED is answered 429 with a
// Retry-After header (from its extensions.retryAfter, in seconds).
const (
	codeBadUserInput = string(errcode.BadUserInput)
	codeInternal     = string(errcode.Internal)
)

const (
	// DefaultMaxBodyBytes is the largest POST body accepted unless WithMaxBodyBytes says otherwise.
	DefaultMaxBodyBytes int64 = 1 << 20
	// defaultQueryCacheEntries and defaultQueryCacheBytes bound the parsed-query cache.
	defaultQueryCacheEntries = 1000
	defaultQueryCacheBytes   = 4 << 20
)

// config collects what the options set; New turns it into an executor.
type config struct {
	errorPresenter   graphql.ErrorPresenterFunc
	recoverFunc      graphql.RecoverFunc
	maxBodyBytes     int64
	parserTokenLimit int
	maxErrors        int
	// uses are applied to the executor in the order the options were given, after the
	// introspection extension.
	uses []func(*executor.Executor)
	// transports are tried before the built-in ones, in the order given.
	transports []graphql.Transport
	// sse is nil unless WithSSE enabled Server-Sent Events.
	sse *SSEOptions
}

// Option configures the handler returned by New.
type Option func(*config)

// WithErrorPresenter sets the function that turns every error into the GraphQL error the
// client sees: resolver errors, pre-execution errors and the handler's own request errors
// (which arrive with extensions.code already set to BAD_USER_INPUT). Whatever extensions
// the presenter sets are kept.
func WithErrorPresenter(f graphql.ErrorPresenterFunc) Option {
	return func(c *config) { c.errorPresenter = f }
}

// WithRecover sets the function that turns a recovered panic into an error; the error then
// goes through the error presenter.
func WithRecover(f graphql.RecoverFunc) Option {
	return func(c *config) { c.recoverFunc = f }
}

// WithAroundOperations adds an operation middleware.
func WithAroundOperations(f graphql.OperationMiddleware) Option {
	return func(c *config) {
		c.uses = append(c.uses, func(e *executor.Executor) { e.AroundOperations(f) })
	}
}

// WithAroundResponses adds a response middleware. It also runs around the error responses
// of requests that never reached execution; for requests rejected before parsing (bad
// JSON, wrong method, ...) its context carries no operation context, so check with
// graphql.HasOperationContext before calling graphql.GetOperationContext.
func WithAroundResponses(f graphql.ResponseMiddleware) Option {
	return func(c *config) {
		c.uses = append(c.uses, func(e *executor.Executor) { e.AroundResponses(f) })
	}
}

// WithAroundFields adds a field middleware, called around every resolved field.
func WithAroundFields(f graphql.FieldMiddleware) Option {
	return func(c *config) {
		c.uses = append(c.uses, func(e *executor.Executor) { e.AroundFields(f) })
	}
}

// WithAroundRootFields adds a root field middleware, called around every root field.
func WithAroundRootFields(f graphql.RootFieldMiddleware) Option {
	return func(c *config) {
		c.uses = append(c.uses, func(e *executor.Executor) { e.AroundRootFields(f) })
	}
}

// WithExtension adds a gqlgen handler extension. New panics, as gqlgen does, when the
// extension fails its own Validate or implements no extension hook.
func WithExtension(ext graphql.HandlerExtension) Option {
	return func(c *config) {
		c.uses = append(c.uses, func(e *executor.Executor) { e.Use(ext) })
	}
}

// WithParserTokenLimit bounds the tokens gqlgen's parser reads from one document (0: no
// bound).
func WithParserTokenLimit(n int) Option {
	return func(c *config) { c.parserTokenLimit = n }
}

// WithValidationErrorLimit bounds how many errors the validation of one document reports
// (0: no bound); it stops formatting errors beyond them, so a document crafted to fail
// every rule many times over costs no more than this many.
func WithValidationErrorLimit(n int) Option {
	return func(c *config) { c.maxErrors = n }
}

// WithMaxBodyBytes sets the largest accepted POST body; larger bodies are answered with
// 413. Values below 1 keep DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBodyBytes = n
		}
	}
}

// WithTransport adds a transport, such as gqlgen's transport.Websocket. Added transports
// are tried in the order given, before the built-in ones (Server-Sent Events when enabled,
// then plain GraphQL over HTTP): the first whose Supports accepts a request serves it.
func WithTransport(t graphql.Transport) Option {
	return func(c *config) { c.transports = append(c.transports, t) }
}

// WithSSE enables the Server-Sent Events transport (the graphql-sse protocol's distinct
// connections mode) for GET and POST requests whose Accept header lists
// text/event-stream. Given more than once, the last options win.
func WithSSE(opts SSEOptions) Option {
	return func(c *config) {
		if opts.KeepAlive <= 0 {
			opts.KeepAlive = DefaultSSEKeepAlive
		}
		if opts.WriteTimeout <= 0 {
			opts.WriteTimeout = DefaultSSEWriteTimeout
		}
		c.sse = &opts
	}
}

// New returns an http.Handler serving GraphQL over HTTP (GET and POST) for es, compliant
// with the GraphQL-over-HTTP spec:
//   - Accept negotiation between application/graphql-response+json and application/json;
//     a missing Accept, */* and application/* get application/json; an Accept that allows
//     neither gets 406.
//   - 400 for malformed requests (bad JSON, missing or non-string query, non-object
//     variables or extensions, empty body), 413 for bodies over the limit, 415 for POST
//     bodies that are not application/json, 405 for other methods and for GET requests
//     carrying a mutation.
//   - Parse, validation and variable-coercion errors: 400 without data under
//     application/graphql-response+json, 200 without data under application/json.
//   - Executed operations: 200 with data (null when the root errored).
//
// Subscriptions are served by the transports WithSSE and WithTransport add, and refused
// by the plain one. Introspection is enabled and parsed, validated documents are kept in
// a bounded LRU cache.
func New(es graphql.ExecutableSchema, opts ...Option) http.Handler {
	cfg := config{maxBodyBytes: DefaultMaxBodyBytes}
	for _, opt := range opts {
		opt(&cfg)
	}

	exec := executor.New(es)
	exec.SetQueryCache(newQueryCache(defaultQueryCacheEntries, defaultQueryCacheBytes))
	exec.SetParserTokenLimit(cfg.parserTokenLimit)
	if cfg.maxErrors > 0 {
		exec.SetDefaultRulesFn(cappedRules(cfg.maxErrors))
	}
	if cfg.errorPresenter != nil {
		exec.SetErrorPresenter(cfg.errorPresenter)
	}
	if cfg.recoverFunc != nil {
		exec.SetRecoverFunc(cfg.recoverFunc)
	}
	exec.Use(introspection{})
	for _, use := range cfg.uses {
		use(exec)
	}

	plain := transport{maxBodyBytes: cfg.maxBodyBytes}
	transports := slices.Clone(cfg.transports)
	if cfg.sse != nil {
		transports = append(transports, sseTransport{
			plain:        plain,
			keepAlive:    cfg.sse.KeepAlive,
			writeTimeout: cfg.sse.WriteTimeout,
		})
	}
	return &server{exec: exec, transports: append(transports, plain)}
}

// server is the http.Handler: like gqlgen's handler.Server it hands every request to the
// first of its transports that supports it (the last, the plain one, supports all), and
// recovers the panics that escape.
type server struct {
	exec       *executor.Executor
	transports []graphql.Transport
}

// ServeHTTP serves one request.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := graphql.StartOperationTrace(r.Context())
	defer func() {
		if rec := recover(); rec != nil {
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			s.writePanic(ctx, w, rec)
		}
	}()
	r = r.WithContext(ctx)
	for _, t := range s.transports {
		if t.Supports(r) {
			t.Do(w, r, s.exec)
			return
		}
	}
}

// writePanic answers 500 with the presented form of a panic that escaped the executor
// (panics inside resolvers are recovered by the generated code and reported per field).
func (s *server) writePanic(ctx context.Context, w http.ResponseWriter, rec any) {
	var gqlErr *gqlerror.Error
	if !errors.As(s.exec.PresentRecoveredError(ctx, rec), &gqlErr) || gqlErr == nil {
		gqlErr = &gqlerror.Error{Message: "internal server error"}
	}
	setDefaultCode(gqlErr, codeInternal)
	if w.Header().Get("Content-Type") == "" {
		// The panic came before the transport negotiated a media type.
		setMediaType(w, mediaJSON)
	}
	writeResponse(w, http.StatusInternalServerError, &graphql.Response{Errors: gqlerror.List{gqlErr}}, false)
}

// introspection is the gqlgen extension that turns introspection on for every operation
// (gqlgen's executor disables it by default).
type introspection struct{}

var (
	_ graphql.HandlerExtension        = introspection{}
	_ graphql.OperationContextMutator = introspection{}
)

// ExtensionName names the extension in gqlgen's stats.
func (introspection) ExtensionName() string { return "Introspection" }

// Validate accepts every schema.
func (introspection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext enables introspection for the operation.
func (introspection) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	opCtx.DisableIntrospection = false
	return nil
}

// setDefaultCode sets extensions.code on err unless it already carries one.
func setDefaultCode(err *gqlerror.Error, code string) {
	if err == nil {
		return
	}
	if _, ok := err.Extensions["code"]; ok {
		return
	}
	if err.Extensions == nil {
		err.Extensions = map[string]any{}
	}
	err.Extensions["code"] = code
}

// cappedRules returns gqlparser's default validation rules, made to report at most max
// errors per validation between them.
func cappedRules(max int) func() *rules.Rules {
	return func() *rules.Rules {
		capped := rules.NewDefaultRules()
		reported := 0 // one validation runs its rules on one goroutine
		for name, rule := range rules.NewDefaultRules().GetInner() {
			capped.ReplaceRule(name, func(observers *core.Events, addError core.AddErrFunc) {
				rule(observers, func(options ...core.ErrorOption) {
					if reported < max {
						reported++
						addError(options...)
					}
				})
			})
		}
		return capped
	}
}

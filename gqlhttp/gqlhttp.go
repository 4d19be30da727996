// Package gqlhttp serves a gqlgen executable schema over HTTP: plain GraphQL over HTTP
// (https://graphql.github.io/graphql-over-http/draft/) and any transport added with
// WithTransport, such as gqlgen's WebSocket one.
//
// It is built on gqlgen's executor (the engine behind gqlgen's handler.Server) with
// graphql.Transports of its own, so error presenters, recover functions and handler
// extensions behave exactly as they do with gqlgen's stock server, whatever the transport.
//
// # Choosing a transport
//
// Like gqlgen's handler.Server, the handler gives each request to the first transport
// whose Supports accepts it: first those added with WithTransport, in the order given,
// then plain HTTP, which takes every request left. gqlgen's transport.Websocket claims every request with an Upgrade header,
// so added first it serves graphql-transport-ws (and the older graphql-ws) subscriptions
// and leaves the rest to the built-in transports.
//
// # Plain GraphQL over HTTP
//
// GET and POST; Accept negotiation between application/graphql-response+json and
// application/json; the status codes the specification asks for; the data entry left out
// of responses to requests that never reached execution; an extensions.code on every
// error the handler raises itself. Subscriptions are refused with 400 (code
// BAD_USER_INPUT) telling the client to subscribe over a WebSocket.
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
	// transports are tried before the built-in one, in the order given.
	transports []graphql.Transport
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
// are tried in the order given, before the built-in one (plain GraphQL over HTTP): the
// first whose Supports accepts a request serves it.
func WithTransport(t graphql.Transport) Option {
	return func(c *config) { c.transports = append(c.transports, t) }
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
// Subscriptions are served by the transports WithTransport adds, and refused by the
// plain one. Introspection is enabled and parsed, validated documents are kept in
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
	transports := append(slices.Clone(cfg.transports), plain)
	return &server{exec: exec, transports: transports}
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

package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/ratelimit"
)

// The request pipeline. Every GraphQL operation, whatever its transport
// (HTTP GET and POST, WebSocket, SSE), passes these steps in this order,
// before anything is sent to FreeScout:
//
//  1. authenticate: the caller from the request's headers (the WebSocket's
//     connection_init payload for WebSocket), or 401 (authenticate);
//  2. persisted operation: APQ or trusted documents (package persisted);
//  3. bounds on the document, before it is validated: parser tokens,
//     aliases, fields under one response name, the size of the document
//     with its fragments expanded (MutateOperationParameters);
//  4. validation (gqlgen's, its errors capped);
//  5. introspection when INTROSPECTION=false, scopes, depth, cost and the
//     caller's budget: FORBIDDEN, QUERY_TOO_COMPLEX or RATE_LIMITED,
//     nothing run (MutateOperationContext);
//  6. execute, with one data session per operation (graph), bounded by
//     MAX_COST calls while it runs;
//  7. the cost in every response's extensions.cost, and what the operation
//     did not use given back to the caller's budget (InterceptResponse).

// Limits bound every operation.
type Limits struct {
	MaxDepth int // MAX_DEPTH: deepest field nesting
	MaxCost  int // MAX_COST: most estimated (and actual) FreeScout calls
	// Introspection allows __schema and __type (INTROSPECTION).
	Introspection bool
}

// Fixed bounds of the document, before validation. They are far above what
// real clients send (GraphiQL's introspection query, fragment-heavy Relay
// and Apollo documents) and far below what makes validation slow.
const (
	// maxTokens bounds the lexer's tokens: about 30 KB of typical query.
	maxTokens = 15000
	// maxAliases bounds fields renamed with an alias.
	maxAliases = 100
	// maxSameName bounds the fields under one response name in one
	// selection set, fragments included: validation compares each pair.
	maxSameName = 30
	// maxFields bounds the fields of the document with every fragment
	// expanded where it is spread.
	maxFields = 2000
	// maxValidationErrors bounds the errors validation reports.
	maxValidationErrors = 25
)

// pipeline holds what steps 3 to 7 need; it is a gqlgen handler extension,
// so every transport runs it.
type pipeline struct {
	limits Limits
	rate   ratelimit.Limiter
	facts  func(*auth.Caller) graph.Facts
	logger *slog.Logger
	// vetted are the documents (by hash) that passed the bounds, so that a
	// client's repeated operations are not parsed twice each time.
	vetted *lru.Cache[[sha256.Size]byte, struct{}]
}

// vettedDocuments is how many documents the pipeline remembers as within
// its bounds.
const vettedDocuments = 2048

func newPipeline(limits Limits, rate ratelimit.Limiter, facts func(*auth.Caller) graph.Facts, logger *slog.Logger) *pipeline {
	vetted, _ := lru.New[[sha256.Size]byte, struct{}](vettedDocuments) // only a non-positive size fails
	return &pipeline{limits: limits, rate: rate, facts: facts, logger: logger, vetted: vetted}
}

var (
	_ graphql.HandlerExtension          = (*pipeline)(nil)
	_ graphql.OperationParameterMutator = (*pipeline)(nil)
	_ graphql.OperationContextMutator   = (*pipeline)(nil)
	_ graphql.ResponseInterceptor       = (*pipeline)(nil)
)

// ExtensionName names the extension in gqlgen's stats.
func (*pipeline) ExtensionName() string { return "ScoutgraphPipeline" }

// Validate accepts every schema.
func (*pipeline) Validate(graphql.ExecutableSchema) error { return nil }

// pipelineError is a GraphQL error of the pipeline, with its code and
// extensions, and its cause for errcode.As.
func pipelineError(e *errcode.Error) *gqlerror.Error {
	ext := map[string]any{"code": string(e.Code)}
	for k, v := range e.Extensions {
		ext[k] = v
	}
	return &gqlerror.Error{Message: e.Message, Extensions: ext, Err: e}
}

// MutateOperationParameters bounds the document before gqlgen validates it
// (validation of a document with many fields under one name is quadratic).
// A document that does not parse is left to gqlgen, which reports the
// syntax error.
func (p *pipeline) MutateOperationParameters(_ context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(params.Query))
	if p.vetted.Contains(sum) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, maxTokens)
	if err != nil {
		var ge *gqlerror.Error
		if errors.As(err, &ge) && strings.HasPrefix(ge.Message, "exceeded token limit") {
			return pipelineError(errcode.New(errcode.QueryTooComplex, fmt.Sprintf("the document has more than %d tokens", maxTokens)))
		}
		return nil
	}
	if msg := documentBounds(doc); msg != "" {
		return pipelineError(errcode.New(errcode.QueryTooComplex, msg))
	}
	p.vetted.Add(sum, struct{}{})
	return nil
}

// documentBounds checks the fixed bounds of a parsed document; "" when it
// is within them.
func documentBounds(doc *ast.QueryDocument) string {
	b := &bounds{frags: map[string]*ast.FragmentDefinition{}, sizes: map[string]int{}, names: map[string]map[string]int{}}
	for _, f := range doc.Fragments {
		b.frags[f.Name] = f
	}
	for _, op := range doc.Operations {
		b.walk(op.SelectionSet)
		if b.fields > maxFields {
			return fmt.Sprintf("the operation selects more than %d fields, fragments expanded", maxFields)
		}
	}
	for _, f := range doc.Fragments {
		b.walk(f.SelectionSet)
	}
	switch {
	case b.aliases > maxAliases:
		return fmt.Sprintf("the document has %d aliases; at most %d are allowed", b.aliases, maxAliases)
	case b.sameName != "":
		return fmt.Sprintf("%q is selected more than %d times in one selection set", b.sameName, maxSameName)
	}
	return ""
}

// bounds walks a document once, counting aliases, fields per response name
// per selection set (fragments merged in), and the expanded size.
type bounds struct {
	frags    map[string]*ast.FragmentDefinition
	sizes    map[string]int            // expanded size of each fragment
	names    map[string]map[string]int // response names of each fragment's top level
	aliases  int
	fields   int
	sameName string
}

// walk checks one selection set and everything under it, adding its
// expanded size to fields.
func (b *bounds) walk(sel ast.SelectionSet) {
	counts := map[string]int{}
	b.fields += b.size(sel, counts, map[string]bool{})
	for name, n := range counts {
		if n > maxSameName && b.sameName == "" {
			b.sameName = name
		}
	}
	b.walkNested(sel)
}

// walkNested walks what is nested in sel's fields and inline fragments
// (sel's own fields were counted with the enclosing selection set).
func (b *bounds) walkNested(sel ast.SelectionSet) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				b.aliases++
			}
			if len(s.SelectionSet) > 0 {
				b.walk(s.SelectionSet)
			}
		case *ast.InlineFragment:
			b.walkNested(s.SelectionSet)
		}
	}
}

// size returns the expanded number of fields of sel (saturating above
// maxFields), adding its top-level response names to counts. A fragment
// cycle is a validation error; it is cut here.
func (b *bounds) size(sel ast.SelectionSet, counts map[string]int, visiting map[string]bool) int {
	n := 0
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			counts[name]++
			n += 1 + b.size(s.SelectionSet, map[string]int{}, visiting)
		case *ast.InlineFragment:
			n += b.size(s.SelectionSet, counts, visiting)
		case *ast.FragmentSpread:
			f := b.frags[s.Name]
			if f == nil || visiting[s.Name] {
				continue
			}
			if _, ok := b.sizes[s.Name]; !ok {
				visiting[s.Name] = true
				own := map[string]int{}
				b.sizes[s.Name] = b.size(f.SelectionSet, own, visiting)
				b.names[s.Name] = own
				delete(visiting, s.Name)
			}
			n += b.sizes[s.Name]
			for k, v := range b.names[s.Name] {
				counts[k] += v
			}
		}
		if n > maxFields {
			return maxFields + 1
		}
	}
	return n
}

// MutateOperationContext runs step 5 on a validated operation: it refuses
// it when it introspects and introspection is off, when the caller may not
// run a field of it, when it is too deep or too costly, or when the
// caller's budget cannot pay for it, and records its cost for the rest of
// the pipeline (graph.SetOperationCost).
func (p *pipeline) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DisableIntrospection = !p.limits.Introspection
	if ri := requestInfoFrom(ctx); ri != nil {
		ri.setOperation(operationOf(oc)) // from here on, the request's log lines name it
	}
	caller := auth.CallerFrom(ctx)
	if caller == nil {
		return pipelineError(errcode.New(errcode.Internal, "internal error"))
	}
	if !p.limits.Introspection && introspects(oc) {
		return pipelineError(errcode.New(errcode.Forbidden, "introspection is turned off on this gateway: __schema and __type may not be queried"))
	}
	if err := checkScopes(oc, caller); err != nil {
		return pipelineError(err)
	}
	if d := graph.Depth(oc); d > p.limits.MaxDepth {
		return pipelineError(errcode.New(errcode.QueryTooComplex, fmt.Sprintf("the operation nests fields %d deep; at most %d are allowed", d, p.limits.MaxDepth)).
			With("depth", map[string]any{"depth": d, "limit": p.limits.MaxDepth}))
	}
	estimate := graph.EstimateCost(oc, p.facts(caller))
	if estimate > p.limits.MaxCost {
		return pipelineError(errcode.New(errcode.QueryTooComplex, fmt.Sprintf("the operation may cost %d FreeScout calls; at most %d are allowed", estimate, p.limits.MaxCost)).
			With("cost", map[string]any{"estimated": estimate, "limit": p.limits.MaxCost}))
	}
	charge := estimate
	if oc.Operation.Operation == ast.Subscription {
		charge = 0 // each event is charged what it cost (streamEvent)
	}
	res, err := p.rate.Take(ctx, caller.ID, charge)
	if err != nil {
		// The budget store failing must not take the gateway down with
		// it: the operation runs, unbudgeted, and the log says so.
		p.logger.WarnContext(ctx, "rate limit unavailable; the operation runs without its budget", "err", err)
		res = ratelimit.Result{Allowed: true}
	}
	if !res.Allowed {
		return pipelineError(errcode.New(errcode.RateLimited, fmt.Sprintf("the caller's budget of FreeScout calls is spent; retry in %d s", res.RetryAfterSeconds())).
			With("retryAfter", res.RetryAfterSeconds()).
			With("cost", map[string]any{"estimated": estimate, "limit": res.Limit, "remaining": res.Remaining, "resetAt": res.ResetAt.UTC().Format(time.RFC3339)}))
	}
	if oc.Operation.Operation == ast.Subscription {
		oc.Stats.SetExtension(streamStats, &stream{})
	}
	graph.SetOperationCost(oc, &graph.OperationCost{Estimated: estimate, Limit: res.Limit, Remaining: res.Remaining, ResetAt: res.ResetAt})
	return nil
}

// introspects reports whether a query selects __schema or __type, which
// only the query root has, fragments included. With INTROSPECTION=false
// such an operation is refused whole before it runs: gqlgen's own refusal
// (DisableIntrospection, kept as a second line) is a resolver error that
// would reach the client as INTERNAL, after the rest of the query ran.
func introspects(oc *graphql.OperationContext) bool {
	if oc.Operation.Operation != ast.Query {
		return false
	}
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"}) {
		if f.Name == "__schema" || f.Name == "__type" {
			return true
		}
	}
	return false
}

// checkScopes refuses an operation with a field the caller may not run:
// queries and subscriptions need read, each mutation the scope its @scope
// names.
func checkScopes(oc *graphql.OperationContext, c *auth.Caller) *errcode.Error {
	if oc.Operation.Operation != ast.Mutation {
		if !c.Has(auth.ScopeRead) {
			return errcode.New(errcode.Forbidden, "the caller lacks the read scope")
		}
		return nil
	}
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Mutation"}) {
		if f.Definition == nil {
			continue
		}
		d := f.Definition.Directives.ForName("scope")
		if d == nil {
			continue // __typename
		}
		need := auth.Scope(strings.ToLower(d.Arguments.ForName("requires").Value.Raw))
		if !c.Has(need) {
			return errcode.New(errcode.Forbidden, fmt.Sprintf("%s needs the %s scope", f.Name, need))
		}
	}
	return nil
}

// InterceptResponse runs step 7: it gives back to the caller's budget what
// the operation did not use, and writes the cost into the response's
// extensions.
func (p *pipeline) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if st := streamOf(ctx); st != nil {
		return p.streamEvent(ctx, st, next)
	}
	resp := next(ctx)
	cost := graph.OperationCostFrom(ctx)
	if resp == nil || cost == nil {
		return resp
	}
	actual := sessionCalls(ctx)
	caller := auth.CallerFrom(ctx)
	if unused := cost.Estimated - actual; unused > 0 && caller != nil {
		if res, err := p.rate.Refund(context.WithoutCancel(ctx), caller.ID, unused); err == nil {
			cost.Remaining, cost.ResetAt = res.Remaining, res.ResetAt
		}
		cost.Estimated = actual + unused // unchanged; the refund happens once
	}
	setCost(resp, cost, actual)
	return resp
}

// setCost writes the cost into a response's extensions.
func setCost(resp *graphql.Response, cost *graph.OperationCost, actual int) {
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["cost"] = map[string]any{
		"estimated": cost.Estimated,
		"actual":    actual,
		"limit":     cost.Limit,
		"remaining": cost.Remaining,
		"resetAt":   cost.ResetAt.UTC().Format(time.RFC3339),
	}
}

// sessionCalls is how many FreeScout calls the data session of ctx made.
func sessionCalls(ctx context.Context) int {
	if s, ok := graph.SessionFrom(ctx).(interface{ Calls() int }); ok {
		return s.Calls()
	}
	return 0
}

// stream is what the pipeline keeps about a subscription while it runs.
type stream struct {
	mu    sync.Mutex
	ended bool // the caller's budget was spent: no more events
}

const streamStats = "scoutgraph.stream"

// streamOf returns the subscription state of ctx's operation, or nil when
// it is not a subscription.
func streamOf(ctx context.Context) *stream {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	st, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(streamStats).(*stream)
	return st
}

// streamEvent is step 7 for one event of a subscription: the event is
// charged to the caller's budget what its own data session cost (an event
// answered from the webhook's body costs nothing), and carries its cost in
// extensions.cost (estimated: the estimate of one event). The first event
// that finds the budget spent is still sent (its calls are made by then),
// with a RATE_LIMITED error saying that the subscription ended; then the
// stream completes.
func (p *pipeline) streamEvent(ctx context.Context, st *stream, next graphql.ResponseHandler) *graphql.Response {
	st.mu.Lock()
	ended := st.ended
	st.mu.Unlock()
	if ended {
		return nil
	}
	resp := next(ctx)
	cost := graph.OperationCostFrom(ctx)
	caller := auth.CallerFrom(ctx)
	if resp == nil || cost == nil || caller == nil {
		return resp
	}
	actual := sessionCalls(ctx)
	event := *cost
	if actual > 0 {
		res, err := p.rate.Take(context.WithoutCancel(ctx), caller.ID, min(actual, p.limits.MaxCost))
		switch {
		case err != nil:
			p.logger.WarnContext(ctx, "rate limit unavailable; the event is not charged", "err", err)
		case !res.Allowed:
			st.mu.Lock()
			st.ended = true
			st.mu.Unlock()
			resp.Errors = append(resp.Errors, pipelineError(errcode.New(errcode.RateLimited,
				fmt.Sprintf("the caller's budget of FreeScout calls is spent; the subscription ended: subscribe again in %d s", res.RetryAfterSeconds())).
				With("retryAfter", res.RetryAfterSeconds())))
			event.Remaining, event.ResetAt = res.Remaining, res.ResetAt
		default:
			event.Remaining, event.ResetAt = res.Remaining, res.ResetAt
		}
	}
	setCost(resp, &event, actual)
	return resp
}

// authenticate is step 1 for HTTP: it puts the caller the request's
// headers prove in its context, or answers 401. WebSocket connections
// authenticate in their connection_init instead (their upgrade request
// goes through unauthenticated).
func authenticate(a *auth.Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			next.ServeHTTP(acceptUpgrade(w, r))
			return
		}
		c, err := a.Authenticate(r.Context(), auth.FromHeader(r.Header))
		if err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="scoutgraph"`)
				writeError(w, http.StatusUnauthorized, errcode.New(errcode.Unauthenticated, err.Error()))
				return
			}
			return // the client went away
		}
		next.ServeHTTP(w, r.WithContext(auth.WithCaller(r.Context(), anonymousAt(c, r.RemoteAddr))))
	})
}

// anonymousAt tells anonymous callers apart by their address, so that each
// client has a budget of its own (and not one for all of them); other
// callers are who they proved to be.
func anonymousAt(c *auth.Caller, remoteAddr string) *auth.Caller {
	if c.ID != auth.Anonymous().ID {
		return c
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	at := *c
	at.ID = c.ID + "@" + host
	return &at
}

// isWebSocket reports whether r asks to upgrade to a WebSocket.
func isWebSocket(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" && headerHas(r.Header, "Connection", "upgrade")
}

// headerHas reports whether a comma-separated header lists token (case
// insensitively).
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// writeError answers a request the pipeline refuses before GraphQL
// execution, with a GraphQL error body.
func writeError(w http.ResponseWriter, status int, e *errcode.Error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": e.Message, "extensions": map[string]any{"code": string(e.Code)},
	}}})
}

// withDeadline bounds each request that is not a stream (a WebSocket or an
// SSE subscription) by timeout: its work stops when it passes, as when the
// client leaves, and a client that reads its answer too slowly is cut off
// a little later (the server has no write timeout: streams last).
func withDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if timeout <= 0 || isWebSocket(r) || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout + 10*time.Second))
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

package persisted

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/scoutgraph/scoutgraph/errcode"
)

// The messages persisted-query clients match on. Apollo's persisted-query
// link looks at the message and at extensions.code; urql's persistedExchange
// and Apollo Kotlin and iOS at the message only; so these are kept exactly,
// capitals included.
const (
	// msgNotFound makes a client resend the operation with its query.
	msgNotFound = "PersistedQueryNotFound"
	// msgNotSupported makes a client stop sending hashes and resend the
	// operation with its query.
	msgNotSupported = "PersistedQueryNotSupported"
)

// statsName is the key of the extension's Stats in graphql.Stats.
const statsName = "PersistedOperations"

// Config configures New.
type Config struct {
	Mode     Mode
	Store    *Store    // APQ: where registered queries are kept; required in APQ mode only
	Manifest *Manifest // Only: the trusted documents; required in Only mode, refused otherwise
	Logger   *slog.Logger
}

// Extension is the gqlgen handler extension for persisted operations. It
// rewrites an operation's parameters before gqlgen parses them
// (graphql.OperationParameterMutator), so it applies to every transport
// that builds its operations through the executor: GET and POST, SSE,
// WebSocket. In APQ mode it also registers a query the client sent with its
// hash, once the query has parsed and validated
// (graphql.OperationContextMutator).
//
// Requests, by mode (a "hash" is extensions.persistedQuery.sha256Hash, 64
// lowercase hex digits, optionally prefixed "sha256:"):
//
//	mode  request                 outcome
//	any   no persistedQuery       unchanged (Only: the query must be a manifest body)
//	off   query (hash or not)     runs; the extension is ignored
//	off   hash, no query          PERSISTED_QUERY_NOT_FOUND "PersistedQueryNotSupported"
//	apq   hash, no query          runs the registered query, or PERSISTED_QUERY_NOT_FOUND "PersistedQueryNotFound"
//	apq   hash and query          runs; registered when hash == sha256(query) and it validates,
//	                              BAD_USER_INPUT when the hash does not match
//	only  hash (query optional)   runs the manifest body with that id; PERSISTED_QUERY_REQUIRED when
//	                              the id is unknown or a query was sent that is not that body
//	only  query, no hash          runs when byte-identical to a manifest body, else PERSISTED_QUERY_REQUIRED
//
// In apq and only modes a persistedQuery whose version is not 1, or that is
// not an object with a well-formed sha256Hash, is BAD_USER_INPUT.
//
// The error of off mode carries code PERSISTED_QUERY_NOT_FOUND and message
// PersistedQueryNotSupported: Apollo's link then both disables hashing (it
// matches the message) and retries at once with the query (it matches the
// code), without hashes; urql does the same on the message alone. errcode
// defines no PERSISTED_QUERY_NOT_SUPPORTED, and no client needs one.
//
// A store that cannot be read is logged and answered as an unknown hash, and a
// registration that fails is logged; neither fails the operation: the client
// resends its query, which runs.
//
// Every error is a *gqlerror.Error with extensions.code set and an
// *errcode.Error as its cause (Err), carrying the same code and message.
type Extension struct {
	mode     Mode
	store    *Store
	manifest *Manifest
	logger   *slog.Logger
}

var (
	_ graphql.HandlerExtension          = (*Extension)(nil)
	_ graphql.OperationParameterMutator = (*Extension)(nil)
	_ graphql.OperationContextMutator   = (*Extension)(nil)
)

// New returns the extension for cfg, or an error when cfg lacks what its mode
// needs (or holds what it cannot use).
func New(cfg Config) (*Extension, error) {
	if cfg.Logger == nil {
		return nil, errors.New("persisted: no logger")
	}
	switch cfg.Mode {
	case Off:
	case APQ:
		if cfg.Store == nil {
			return nil, errors.New("persisted: apq mode needs a store")
		}
	case Only:
		if cfg.Manifest == nil {
			return nil, errors.New("persisted: only mode needs a manifest")
		}
	default:
		return nil, fmt.Errorf("persisted: unknown mode %q", cfg.Mode)
	}
	if cfg.Manifest != nil && cfg.Mode != Only {
		return nil, fmt.Errorf("persisted: a manifest is used in only mode, not in %s mode", cfg.Mode)
	}
	return &Extension{mode: cfg.Mode, store: cfg.Store, manifest: cfg.Manifest, logger: cfg.Logger}, nil
}

// ExtensionName names the extension for gqlgen.
func (e *Extension) ExtensionName() string { return "PersistedOperations" }

// Validate accepts every schema: New has checked the configuration.
func (e *Extension) Validate(graphql.ExecutableSchema) error { return nil }

// Stats records how the extension resolved an operation; GetStats returns it.
type Stats struct {
	// Hash is the hash the request named, as bare lowercase hex.
	Hash string
	// SentQuery reports whether the request carried the query text.
	SentQuery bool
	// Registered reports whether the query was stored for later hash-only
	// requests (APQ mode, after the operation validated).
	Registered bool

	// register is the query MutateOperationContext is to store.
	register string
}

// GetStats returns the Stats of the operation in ctx, or nil when the
// request named no hash, or in off mode.
func GetStats(ctx context.Context) *Stats {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	s, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(statsName).(*Stats)
	return s
}

// MutateOperationParameters applies the mode to a request's parameters,
// replacing an absent query with the one its hash names.
func (e *Extension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	raw, present := p.Extensions["persistedQuery"]
	present = present && raw != nil
	switch e.mode {
	case Off:
		if present && p.Query == "" {
			return newError(errcode.PersistedQueryNotFound, msgNotSupported)
		}
		return nil
	case Only:
		return e.trusted(ctx, p, raw, present)
	}
	if !present {
		return nil
	}
	hash, gerr := readPersistedQuery(raw)
	if gerr != nil {
		return gerr
	}
	st := &Stats{Hash: hash, SentQuery: p.Query != ""}
	if p.Query == "" {
		query, ok, err := e.store.Get(ctx, hash)
		if err != nil {
			e.logger.WarnContext(ctx, "persisted query store unavailable; answering as unknown", "hash", hash, "err", err)
		}
		if !ok {
			return newError(errcode.PersistedQueryNotFound, msgNotFound)
		}
		p.Query = query
	} else {
		if Hash(p.Query) != hash {
			return newError(errcode.BadUserInput, "extensions.persistedQuery.sha256Hash is not the sha256 of the query")
		}
		st.register = p.Query
	}
	setStats(ctx, st)
	return nil
}

// trusted applies the only mode.
func (e *Extension) trusted(ctx context.Context, p *graphql.RawParams, raw any, present bool) *gqlerror.Error {
	if !present {
		if _, ok := e.manifest.ByBody(p.Query); !ok && p.Query != "" {
			return newError(errcode.PersistedQueryRequired, "only trusted documents may run, and this query is not one")
		}
		return nil
	}
	hash, gerr := readPersistedQuery(raw)
	if gerr != nil {
		return gerr
	}
	op, ok := e.manifest.ByHash(hash)
	switch {
	case !ok:
		return newError(errcode.PersistedQueryRequired, "only trusted documents may run, and no trusted document has this hash")
	case p.Query != "" && p.Query != op.Body:
		return newError(errcode.PersistedQueryRequired, "the query is not the trusted document with this hash")
	}
	setStats(ctx, &Stats{Hash: hash, SentQuery: p.Query != ""})
	p.Query = op.Body
	return nil
}

// MutateOperationContext registers, in APQ mode, the query the request sent
// with its hash, now that it has parsed and validated. A failure is logged,
// never returned: the operation runs, and the client will send the query
// again.
func (e *Extension) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	st, _ := opCtx.Stats.GetExtension(statsName).(*Stats)
	if st == nil || st.register == "" {
		return nil
	}
	query := st.register
	st.register = ""
	switch err := e.store.Put(ctx, query); {
	case err == nil:
		st.Registered = true
	case errors.Is(err, ErrQueryTooLarge):
		e.logger.DebugContext(ctx, "persisted query not registered", "hash", st.Hash, "err", err)
	default:
		e.logger.WarnContext(ctx, "persisted query not registered", "hash", st.Hash, "err", err)
	}
	return nil
}

// setStats records st in the operation context of ctx, when there is one.
func setStats(ctx context.Context, st *Stats) {
	if graphql.HasOperationContext(ctx) {
		graphql.GetOperationContext(ctx).Stats.SetExtension(statsName, st)
	}
}

// readPersistedQuery checks an extensions.persistedQuery value of APQ version
// 1 and returns its hash as bare lowercase hex. Members other than version and
// sha256Hash (urql adds "miss") are ignored.
func readPersistedQuery(raw any) (string, *gqlerror.Error) {
	pq, ok := raw.(map[string]any)
	if !ok {
		return "", newError(errcode.BadUserInput, "extensions.persistedQuery must be an object")
	}
	if v, ok := integer(pq["version"]); !ok || v != 1 {
		return "", newError(errcode.BadUserInput, "extensions.persistedQuery.version must be 1, the only version of the protocol")
	}
	s, _ := pq["sha256Hash"].(string)
	hash, ok := parseHash(s)
	if !ok {
		return "", newError(errcode.BadUserInput, "extensions.persistedQuery.sha256Hash must be a sha256 in lowercase hex")
	}
	return hash, nil
}

// integer returns v as an integer when it is a whole JSON number, in any of
// the forms the transports decode one into.
func integer(v any) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		f = n
	default:
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// newError returns the GraphQL error for code and message.
func newError(code errcode.Code, message string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    message,
		Err:        errcode.New(code, message),
		Extensions: map[string]any{"code": string(code)},
	}
}

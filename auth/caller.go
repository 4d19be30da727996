// Package auth says who is asking. The request pipeline authenticates every
// HTTP request, WebSocket connection and SSE stream into a Caller and puts it
// in the context; the data session reads it there to pick the FreeScout key,
// the cache namespace and the mailboxes the caller may see, and the GraphQL
// layer to check scopes.
//
// An Authenticator (New) turns Credentials, read by FromHeader or
// FromInitPayload, into a Caller under the AUTH modes. Where the contract
// is silent, it decides:
//
//   - none lets a request in as Anonymous only when it carries no credential
//     any listed mode reads, wherever none stands in the list; a present but
//     rejected credential is an error, never Anonymous.
//   - The first mode that matches wins, so under tokens,freescout-key a bad
//     Bearer next to a FreeScout key is the key's caller. A Bearer rejected
//     by both tokens and jwt gets the JWT's reason when it has a JWT's three
//     parts, else "token not recognised".
//   - An Authorization header with a scheme other than Bearer is not a
//     credential: it counts as absent.
//   - AUTH_TOKENS_FILE entries need at least one scope; mailboxIds absent
//     means every mailbox, an empty list is refused as a likely mistake.
//   - A JWT without the scopes claim has no scope; an empty mailboxes array
//     means no mailbox; a null or otherwise malformed claim rejects it.
//   - The JWKS is fetched again every 10 minutes, and at once (at most once
//     a minute) for a JWT whose kid it lacks; exp, nbf and iat allow 30 s of
//     clock skew.
//   - A JWT_* or AUTH_TOKENS_FILE setting given for a mode AUTH does not
//     list is a configuration error.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
)

// Scope is a right a caller holds.
type Scope string

// The scopes.
const (
	// ScopeRead allows queries and subscriptions.
	ScopeRead Scope = "read"
	// ScopeWrite allows mutations on conversations, threads, tags, custom
	// fields and customers.
	ScopeWrite Scope = "write"
	// ScopeAdmin allows mutations on users and webhooks.
	ScopeAdmin Scope = "admin"
)

// AllScopes are every scope there is.
var AllScopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin}

// Caller is who is asking, as the request pipeline established it.
type Caller struct {
	// ID is a stable identity that carries no secret ("anonymous",
	// "token:ops-dashboard", "jwt:user-17", "key:3f2a…"): rate limits,
	// idempotency keys and logs are kept per ID.
	ID string
	// Scopes are the caller's rights.
	Scopes []Scope
	// MailboxIDs are the only mailboxes the caller may see; nil means every
	// mailbox.
	MailboxIDs []int
	// APIKey is the FreeScout key the caller's upstream calls use; "" means
	// the gateway's own.
	APIKey string
	// Namespace keeps apart the cache entries that depend on the FreeScout
	// key: "" for the gateway's own key, else derived from a hash of the
	// caller's key (never the key itself).
	Namespace string
}

// Anonymous is the caller of AUTH=none: every scope and every mailbox,
// with the gateway's own key.
func Anonymous() *Caller {
	return &Caller{ID: "anonymous", Scopes: AllScopes}
}

// WithFreeScoutKey returns a caller acting with its own FreeScout key, with
// every scope (FreeScout enforces what the key may do) and a cache
// namespace of its own.
func WithFreeScoutKey(key string) *Caller {
	h := KeyHash(key)
	return &Caller{ID: "key:" + h[:16], Scopes: AllScopes, APIKey: key, Namespace: "k" + h[:32]}
}

// KeyHash is the hex SHA-256 of a secret: what the gateway keeps of it.
func KeyHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Has reports whether the caller holds scope s.
func (c *Caller) Has(s Scope) bool { return c != nil && slices.Contains(c.Scopes, s) }

// Restricted reports whether the caller sees only some mailboxes.
func (c *Caller) Restricted() bool { return c != nil && c.MailboxIDs != nil }

// SeesMailbox reports whether the caller may see mailbox id.
func (c *Caller) SeesMailbox(id int) bool {
	return c != nil && (c.MailboxIDs == nil || slices.Contains(c.MailboxIDs, id))
}

// LogValue logs the caller's identity, never its key.
func (c *Caller) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("none")
	}
	return slog.StringValue(c.ID)
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller ctx carries, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"
)

// How the JWKS is kept and how JWTs are checked.
const (
	// jwksRefreshInterval is how often the JWKS is fetched again: a key
	// removed from it stops working at the latest this long after.
	jwksRefreshInterval = 10 * time.Minute
	// jwksUnknownKIDEvery is how often, at most, a JWT whose kid is not in
	// the key set makes the gateway fetch the JWKS at once: a key added to
	// it works from its first token, and tokens with made-up kids cannot
	// make the gateway hammer the identity provider.
	jwksUnknownKIDEvery = time.Minute
	// jwksWaitMax bounds one JWKS fetch, and how long a request with an
	// unknown kid waits for the next allowed fetch: less than
	// jwksUnknownKIDEvery, so a request refused by the rate limit is
	// refused at once rather than held.
	jwksWaitMax = 10 * time.Second
	// jwtLeeway is the clock skew allowed on exp, nbf and iat.
	jwtLeeway = 30 * time.Second
)

// jwtVerifier checks Bearer JWTs against a JWKS it keeps fresh.
type jwtVerifier struct {
	keys           keyfunc.Keyfunc
	parser         *jwt.Parser
	scopesClaim    string
	mailboxesClaim string
	stop           context.CancelFunc
	// verified are tokens already verified (by hash): a signature check
	// costs tens of microseconds and a client sends the same token with
	// every request. An entry serves only until the token expires and
	// while the JWKS still has its key, so rotation takes effect at once.
	verified *expirable.LRU[[sha256.Size]byte, verifiedJWT]
}

// verifiedJWT is a token that verified: its caller, expiry and key.
type verifiedJWT struct {
	caller *Caller
	exp    time.Time
	kid    string
}

// Bounds of the verified-token cache.
const (
	verifiedJWTs   = 10000
	verifiedJWTTTL = 5 * time.Minute
)

// checkJWKSURL reports whether s is an absolute http(s) URL with a host.
func checkJWKSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("JWT_JWKS_URL: want an http or https URL such as https://idp.example.com/.well-known/jwks.json")
	}
	return nil
}

// redacted is s without a password, for logs.
func redacted(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Redacted()
}

// newJWTVerifier fetches the JWKS once and starts keeping it fresh. A JWKS
// that cannot be fetched is logged and retried; ctx bounds only the start.
func newJWTVerifier(ctx context.Context, cfg Config, log *slog.Logger) (*jwtVerifier, error) {
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopStart := context.AfterFunc(ctx, cancel)
	var started atomic.Bool
	onRefreshError := func(string) func(context.Context, error) {
		u := redacted(cfg.JWKSURL)
		return func(ctx context.Context, err error) {
			if !started.Load() {
				log.WarnContext(ctx, "jwks unreachable at start: jwt bearer tokens are refused until its keys arrive", "url", u, "err", err)
				return
			}
			log.WarnContext(ctx, "jwks refresh failed: the keys fetched before stay in use", "url", u, "err", err)
		}
	}
	kf, err := keyfunc.NewDefaultOverrideCtx(bg, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:                  cfg.HTTPClient,
		HTTPTimeout:             jwksWaitMax,
		RateLimitWaitMax:        jwksWaitMax,
		RefreshErrorHandlerFunc: onRefreshError,
		RefreshInterval:         jwksRefreshInterval,
		RefreshUnknownKID:       rate.NewLimiter(rate.Every(jwksUnknownKIDEvery), 1),
	})
	started.Store(true)
	if !stopStart() {
		cancel()
		return nil, fmt.Errorf("jwks: %w", context.Cause(ctx))
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("JWT_JWKS_URL: %w", err)
	}
	// The same key set, narrowed to keys for signatures (or of no stated use).
	kf, err = keyfunc.New(keyfunc.Options{Ctx: bg, Storage: kf.Storage(), UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("jwks: %w", err)
	}
	return &jwtVerifier{
		keys:     kf,
		verified: expirable.NewLRU[[sha256.Size]byte, verifiedJWT](verifiedJWTs, nil, verifiedJWTTTL),
		parser: jwt.NewParser(
			jwt.WithValidMethods(asymmetricAlgs()),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(jwtLeeway),
			jwt.WithJSONNumber(),
		),
		scopesClaim:    cfg.ScopesClaim,
		mailboxesClaim: cfg.MailboxesClaim,
		stop:           cancel,
	}, nil
}

// asymmetricAlgs are the signing algorithms a JWT may use: never none, never
// HS* (a JWKS is public, so an HMAC key in it would let anyone sign).
func asymmetricAlgs() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

func (v *jwtVerifier) close() { v.stop() }

// verify checks raw and returns its caller.
func (v *jwtVerifier) verify(ctx context.Context, raw string) (*Caller, error) {
	sum := sha256.Sum256([]byte(raw))
	if e, ok := v.verified.Get(sum); ok {
		if _, err := v.keys.Storage().KeyRead(ctx, e.kid); err == nil && time.Now().Before(e.exp) {
			return e.caller, nil
		}
		v.verified.Remove(sum)
	}
	c, token, claims, err := v.check(ctx, raw)
	if err != nil {
		return nil, err
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		if kid, ok := token.Header["kid"].(string); ok && kid != "" {
			v.verified.Add(sum, verifiedJWT{caller: c, exp: exp.Time, kid: kid})
		}
	}
	return c, nil
}

// check verifies raw against the JWKS and reads its caller.
func (v *jwtVerifier) check(ctx context.Context, raw string) (*Caller, *jwt.Token, jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	token, err := v.parser.ParseWithClaims(raw, claims, v.keys.KeyfuncCtx(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, nil, fmt.Errorf("jwt: %w", context.Cause(ctx))
		}
		return nil, nil, nil, v.explain(ctx, token, claims, err)
	}
	sub, err := claims.GetSubject()
	if err != nil {
		return nil, nil, nil, unauthenticated("jwt sub claim is not a string")
	}
	if sub == "" {
		return nil, nil, nil, unauthenticated("jwt has no sub claim")
	}
	scopes, err := jwtScopes(claims, v.scopesClaim)
	if err != nil {
		return nil, nil, nil, err
	}
	mailboxes, err := jwtMailboxes(claims, v.mailboxesClaim)
	if err != nil {
		return nil, nil, nil, err
	}
	return &Caller{ID: "jwt:" + sub, Scopes: scopes, MailboxIDs: mailboxes}, token, claims, nil
}

// explain says why the parser refused a token, without the token.
func (v *jwtVerifier) explain(ctx context.Context, token *jwt.Token, claims jwt.MapClaims, err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthenticated("jwt is malformed")
	case errors.Is(err, keyfunc.ErrKeyfunc):
		if keys, kerr := v.keys.Storage().KeyReadAll(ctx); kerr == nil && len(keys) == 0 {
			return unauthenticated("jwt signing keys are not available yet")
		}
		return unauthenticated("jwt signing key is unknown")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return unauthenticated("jwt signing algorithm is not allowed")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if token == nil || !slices.Contains(asymmetricAlgs(), fmt.Sprint(token.Header["alg"])) {
			return unauthenticated("jwt signing algorithm is not allowed")
		}
		return unauthenticated("jwt signature is invalid")
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthenticated("jwt expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthenticated("jwt is not valid yet")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthenticated("jwt is issued in the future")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		for _, name := range []string{"exp", "iss", "aud"} {
			if c, ok := claims[name]; !ok || c == "" {
				return unauthenticated("jwt has no " + name + " claim")
			}
		}
		return unauthenticated("jwt lacks a required claim")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthenticated("jwt issuer does not match")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return unauthenticated("jwt audience does not match")
	default:
		return unauthenticated("jwt claims are malformed")
	}
}

// jwtScopes reads the scopes claim: an OAuth2 space-separated string or an
// array of strings. Scopes scoutgraph does not know are ignored; an absent
// claim gives no scope at all; a claim of another type rejects the token.
func jwtScopes(claims jwt.MapClaims, name string) ([]Scope, error) {
	raw, ok := claims[name]
	if !ok {
		return nil, nil
	}
	var names []string
	switch v := raw.(type) {
	case string:
		names = strings.Fields(v)
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, unauthenticated("jwt " + name + " claim is malformed")
			}
			names = append(names, s)
		}
	default:
		return nil, unauthenticated("jwt " + name + " claim is malformed")
	}
	var scopes []Scope
	for _, s := range AllScopes {
		if slices.Contains(names, string(s)) {
			scopes = append(scopes, s)
		}
	}
	return scopes, nil
}

// jwtMailboxes reads the mailboxes claim: an array of positive whole
// numbers or numeric strings. An absent claim means every mailbox (nil);
// an empty array means none; anything else rejects the token.
func jwtMailboxes(claims jwt.MapClaims, name string) ([]int, error) {
	raw, ok := claims[name]
	if !ok {
		return nil, nil
	}
	malformed := unauthenticated("jwt " + name + " claim is malformed")
	list, ok := raw.([]any)
	if !ok {
		return nil, malformed
	}
	ids := make([]int, 0, len(list))
	for _, e := range list {
		var s string
		switch v := e.(type) {
		case json.Number:
			s = v.String()
		case string:
			s = v
		default:
			return nil, malformed
		}
		id, err := strconv.Atoi(s)
		if err != nil || id <= 0 {
			return nil, malformed
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// ErrUnauthenticated matches (errors.Is) every error of Authenticate that
// means the caller's credentials were missing or rejected. The error's own
// message says why in a few words and never contains the credential.
var ErrUnauthenticated = errors.New("unauthenticated")

// rejection is an ErrUnauthenticated with its reason as the message.
type rejection struct{ reason string }

func (e *rejection) Error() string        { return e.reason }
func (e *rejection) Is(target error) bool { return target == ErrUnauthenticated }

func unauthenticated(reason string) error { return &rejection{reason: reason} }

// Config is how callers authenticate: the AUTH, AUTH_TOKENS_FILE and JWT_*
// settings.
type Config struct {
	// Modes is AUTH, parsed by ParseModes.
	Modes []Mode
	// TokensFile is AUTH_TOKENS_FILE; required when Modes lists tokens.
	TokensFile string
	// JWKSURL, Issuer and Audience are JWT_JWKS_URL, JWT_ISSUER and
	// JWT_AUDIENCE; all three are required when Modes lists jwt.
	JWKSURL, Issuer, Audience string
	// ScopesClaim and MailboxesClaim are JWT_SCOPES_CLAIM and
	// JWT_MAILBOXES_CLAIM; empty means "scope" and "mailboxes".
	ScopesClaim, MailboxesClaim string
	// HTTPClient fetches the JWKS; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives JWKS fetch failures; nil discards them.
	Logger *slog.Logger
}

// check validates c and fills in the defaults.
func (c *Config) check() error {
	if err := checkModes(c.Modes); err != nil {
		return err
	}
	if slices.Contains(c.Modes, ModeTokens) {
		if c.TokensFile == "" {
			return errors.New("AUTH_TOKENS_FILE: required when AUTH lists tokens")
		}
	} else if c.TokensFile != "" {
		return errors.New("AUTH_TOKENS_FILE: set, but AUTH does not list tokens")
	}
	if !slices.Contains(c.Modes, ModeJWT) {
		for _, s := range []struct{ env, value string }{{"JWT_JWKS_URL", c.JWKSURL}, {"JWT_ISSUER", c.Issuer}, {"JWT_AUDIENCE", c.Audience}} {
			if s.value != "" {
				return fmt.Errorf("%s: set, but AUTH does not list jwt", s.env)
			}
		}
		return nil
	}
	switch {
	case c.JWKSURL == "":
		return errors.New("JWT_JWKS_URL: required when AUTH lists jwt")
	case c.Issuer == "":
		return errors.New("JWT_ISSUER: required when AUTH lists jwt")
	case c.Audience == "":
		return errors.New("JWT_AUDIENCE: required when AUTH lists jwt")
	}
	if err := checkJWKSURL(c.JWKSURL); err != nil {
		return err
	}
	if c.ScopesClaim == "" {
		c.ScopesClaim = "scope"
	}
	if c.MailboxesClaim == "" {
		c.MailboxesClaim = "mailboxes"
	}
	if c.ScopesClaim == c.MailboxesClaim {
		return fmt.Errorf("JWT_MAILBOXES_CLAIM: must differ from JWT_SCOPES_CLAIM (both are %q)", c.ScopesClaim)
	}
	return nil
}

// Authenticator turns the credentials of a request into its Caller. It is
// safe for concurrent use.
type Authenticator struct {
	modes     []Mode
	anonymous bool
	missing   error
	tokens    *tokens      // nil unless Modes lists tokens
	jwt       *jwtVerifier // nil unless Modes lists jwt
}

// New validates cfg, loads the tokens file and fetches the JWKS. Errors are
// one line naming the setting at fault. A JWKS that cannot be fetched does
// not stop New: the failure is logged once and the fetch retried, and JWTs
// are refused until keys arrive. ctx bounds the start only; Close ends the
// background work.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Authenticator{
		modes:     slices.Clone(cfg.Modes),
		anonymous: slices.Contains(cfg.Modes, ModeNone),
		missing:   missingCredentials(cfg.Modes),
	}
	if slices.Contains(cfg.Modes, ModeTokens) {
		t, err := loadTokens(cfg.TokensFile)
		if err != nil {
			return nil, err
		}
		a.tokens = t
	}
	if slices.Contains(cfg.Modes, ModeJWT) {
		v, err := newJWTVerifier(ctx, cfg, log)
		if err != nil {
			return nil, err
		}
		a.jwt = v
	}
	return a, nil
}

// missingCredentials is the error of a request that carries no credential
// any of modes reads (when none is not listed).
func missingCredentials(modes []Mode) error {
	var want []string
	if slices.Contains(modes, ModeTokens) || slices.Contains(modes, ModeJWT) {
		want = append(want, "Authorization: Bearer <token>")
	}
	if slices.Contains(modes, ModeFreeScoutKey) {
		want = append(want, FreeScoutKeyHeader)
	}
	return unauthenticated("credentials missing: send " + strings.Join(want, " or "))
}

// Close stops the background JWKS refresh. It is safe to call more than
// once.
func (a *Authenticator) Close() {
	if a.jwt != nil {
		a.jwt.close()
	}
}

// Reload reads AUTH_TOKENS_FILE again and swaps its callers in whole. On
// error the callers loaded before stay in use. Without tokens mode it does
// nothing.
func (a *Authenticator) Reload(ctx context.Context) error {
	if a.tokens == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reload tokens: %w", err)
	}
	return a.tokens.reload()
}

// Authenticate returns the caller cred proves, walking the modes in their
// AUTH order: the first mode whose kind of credential is present and valid
// wins. When credentials are present but every mode that reads them
// rejects them, the error says why (a bad token never falls back to
// Anonymous). When no credential any listed mode reads is present, the
// caller is Anonymous if AUTH lists none, else the error says what to send.
// Every such error matches ErrUnauthenticated; any other error means ctx
// ended.
func (a *Authenticator) Authenticate(ctx context.Context, cred Credentials) (*Caller, error) {
	var tokenErr, jwtErr error
	for _, m := range a.modes {
		switch m {
		case ModeTokens:
			if cred.Bearer == "" {
				continue
			}
			if c, ok := a.tokens.lookup(cred.Bearer); ok {
				return c, nil
			}
			tokenErr = unauthenticated("token not recognised")
		case ModeJWT:
			if cred.Bearer == "" {
				continue
			}
			c, err := a.jwt.verify(ctx, cred.Bearer)
			if err == nil {
				return c, nil
			}
			if !errors.Is(err, ErrUnauthenticated) {
				return nil, err
			}
			jwtErr = err
		case ModeFreeScoutKey:
			if cred.FreeScoutKey != "" {
				return WithFreeScoutKey(cred.FreeScoutKey), nil
			}
		}
	}
	switch {
	case jwtErr != nil && (tokenErr == nil || looksLikeJWT(cred.Bearer)):
		return nil, jwtErr
	case tokenErr != nil:
		return nil, tokenErr
	case a.anonymous:
		return Anonymous(), nil
	}
	return nil, a.missing
}

// looksLikeJWT reports whether a Bearer token has a JWT's three parts, so
// that a rejection says what was wrong with the JWT rather than that it is
// no token of the tokens file.
func looksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }

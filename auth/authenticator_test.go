package auth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
)

// TestModes walks every mode alone and in combinations, in both orders
// where order matters.
func TestModes(t *testing.T) {
	iss := authtest.NewIssuer(t)
	path, tokens := authtest.TokensFile(t,
		authtest.TokenCaller{Name: "ops", Scopes: []auth.Scope{auth.ScopeRead}, MailboxIDs: []int{2}},
	)
	const key = "fs-key-of-the-caller"
	goodJWT := iss.Token(t, map[string]any{"sub": "user-1", "scope": "read write"})
	expiredJWT := iss.Token(t, map[string]any{"sub": "user-1", "exp": time.Now().Add(-time.Hour).Unix()})
	var (
		none       = auth.Credentials{}
		goodToken  = auth.Credentials{Bearer: tokens["ops"]}
		badToken   = auth.Credentials{Bearer: "revoked-or-made-up"}
		good       = auth.Credentials{Bearer: goodJWT}
		expired    = auth.Credentials{Bearer: expiredJWT}
		fsKey      = auth.Credentials{FreeScoutKey: key}
		tokenAndFS = auth.Credentials{Bearer: tokens["ops"], FreeScoutKey: key}
		badAndFS   = auth.Credentials{Bearer: "revoked-or-made-up", FreeScoutKey: key}
	)
	anonymous := auth.Anonymous()
	opsCaller := &auth.Caller{ID: "token:ops", Scopes: []auth.Scope{auth.ScopeRead}, MailboxIDs: []int{2}}
	jwtCaller := &auth.Caller{ID: "jwt:user-1", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}}
	keyCaller := auth.WithFreeScoutKey(key)
	const (
		wantBearer = "credentials missing: send Authorization: Bearer <token>"
		wantKey    = "credentials missing: send X-FreeScout-API-Key"
		wantEither = "credentials missing: send Authorization: Bearer <token> or X-FreeScout-API-Key"
	)

	for _, tc := range []struct {
		modes   string
		cred    auth.Credentials
		want    *auth.Caller
		wantErr string
	}{
		{modes: "none", cred: none, want: anonymous},
		{modes: "none", cred: goodToken, want: anonymous},
		{modes: "none", cred: fsKey, want: anonymous},

		{modes: "tokens", cred: goodToken, want: opsCaller},
		{modes: "tokens", cred: badToken, wantErr: "token not recognised"},
		{modes: "tokens", cred: good, wantErr: "token not recognised"},
		{modes: "tokens", cred: none, wantErr: wantBearer},
		{modes: "tokens", cred: fsKey, wantErr: wantBearer},

		{modes: "jwt", cred: good, want: jwtCaller},
		{modes: "jwt", cred: expired, wantErr: "jwt expired"},
		{modes: "jwt", cred: goodToken, wantErr: "jwt is malformed"},
		{modes: "jwt", cred: none, wantErr: wantBearer},

		{modes: "freescout-key", cred: fsKey, want: keyCaller},
		{modes: "freescout-key", cred: tokenAndFS, want: keyCaller},
		{modes: "freescout-key", cred: goodToken, wantErr: wantKey},
		{modes: "freescout-key", cred: none, wantErr: wantKey},

		// none applies only when no credential of a listed mode is present.
		{modes: "tokens,none", cred: none, want: anonymous},
		{modes: "tokens,none", cred: fsKey, want: anonymous},
		{modes: "tokens,none", cred: goodToken, want: opsCaller},
		{modes: "tokens,none", cred: badToken, wantErr: "token not recognised"},
		{modes: "none,tokens", cred: badToken, wantErr: "token not recognised"},
		{modes: "none,tokens", cred: goodToken, want: opsCaller},
		{modes: "jwt,none", cred: expired, wantErr: "jwt expired"},

		// A Bearer is read by tokens and jwt, whichever order.
		{modes: "tokens,jwt", cred: goodToken, want: opsCaller},
		{modes: "tokens,jwt", cred: good, want: jwtCaller},
		{modes: "jwt,tokens", cred: goodToken, want: opsCaller},
		{modes: "jwt,tokens", cred: good, want: jwtCaller},
		// Rejected by both: the JWT's reason for a JWT, else the token's.
		{modes: "tokens,jwt", cred: expired, wantErr: "jwt expired"},
		{modes: "jwt,tokens", cred: expired, wantErr: "jwt expired"},
		{modes: "tokens,jwt", cred: badToken, wantErr: "token not recognised"},
		{modes: "jwt,tokens", cred: badToken, wantErr: "token not recognised"},
		{modes: "jwt,tokens,none", cred: badToken, wantErr: "token not recognised"},

		// The first mode that matches wins.
		{modes: "tokens,freescout-key", cred: tokenAndFS, want: opsCaller},
		{modes: "freescout-key,tokens", cred: tokenAndFS, want: keyCaller},
		{modes: "tokens,freescout-key", cred: badAndFS, want: keyCaller},
		{modes: "freescout-key,tokens", cred: badToken, wantErr: "token not recognised"},
		{modes: "tokens,freescout-key", cred: none, wantErr: wantEither},
		{modes: "jwt,freescout-key", cred: good, want: jwtCaller},
		{modes: "freescout-key,jwt", cred: expired, wantErr: "jwt expired"},

		{modes: "freescout-key,jwt,tokens,none", cred: none, want: anonymous},
		{modes: "freescout-key,jwt,tokens,none", cred: tokenAndFS, want: keyCaller},
		{modes: "jwt,tokens,freescout-key,none", cred: tokenAndFS, want: opsCaller},
		{modes: "jwt,tokens,freescout-key,none", cred: expired, wantErr: "jwt expired"},
	} {
		t.Run(tc.modes+"/"+describe(tc.cred, tokens["ops"], goodJWT, expiredJWT), func(t *testing.T) {
			modes, err := auth.ParseModes(tc.modes)
			if err != nil {
				t.Fatal(err)
			}
			cfg := auth.Config{Modes: modes}
			if strings.Contains(tc.modes, "tokens") {
				cfg.TokensFile = path
			}
			if strings.Contains(tc.modes, "jwt") {
				cfg.JWKSURL, cfg.Issuer, cfg.Audience = iss.URL(), iss.Issuer(), iss.Audience()
			}
			c, err := newAuthenticator(t, cfg).Authenticate(t.Context(), tc.cred)
			if tc.wantErr != "" {
				checkRejected(t, c, err, tc.wantErr, tc.cred.Bearer, tc.cred.FreeScoutKey, signature(tc.cred.Bearer))
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			checkCaller(t, c, *tc.want)
		})
	}
}

func describe(c auth.Credentials, token, goodJWT, expiredJWT string) string {
	var parts []string
	switch c.Bearer {
	case "":
	case token:
		parts = append(parts, "good token")
	case goodJWT:
		parts = append(parts, "good jwt")
	case expiredJWT:
		parts = append(parts, "expired jwt")
	default:
		parts = append(parts, "bad token")
	}
	if c.FreeScoutKey != "" {
		parts = append(parts, "freescout key")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "+")
}

// TestAuthenticateOverHTTP runs the pipeline as the gateway will: the
// credentials of a real request, read by FromHeader.
func TestAuthenticateOverHTTP(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := newAuthenticator(t, jwtConfig(iss, auth.ModeJWT, auth.ModeFreeScoutKey))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.Authenticate(r.Context(), auth.FromHeader(r.Header))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.Write([]byte(c.ID))
	}))
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
		body   string
	}{
		{name: "jwt", header: http.Header{"Authorization": {"Bearer " + iss.Token(t, map[string]any{"sub": "u"})}}, status: 200, body: "jwt:u"},
		{name: "key", header: http.Header{"X-FreeScout-API-Key": {"k"}}, status: 200, body: auth.WithFreeScoutKey("k").ID},
		{name: "nothing", header: http.Header{}, status: 401, body: "credentials missing: send Authorization: Bearer <token> or X-FreeScout-API-Key\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tc.header
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || string(body) != tc.body {
				t.Errorf("got %d %q; want %d %q", resp.StatusCode, body, tc.status, tc.body)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	iss := authtest.NewIssuer(t)
	path, _ := authtest.TokensFile(t)
	jwt := func(mod func(*auth.Config)) auth.Config {
		c := jwtConfig(iss)
		mod(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  auth.Config
		want string
	}{
		{name: "no modes", cfg: auth.Config{}, want: "AUTH: no mode"},
		{name: "unknown mode", cfg: auth.Config{Modes: []auth.Mode{"basic"}}, want: `AUTH: unknown mode "basic"`},
		{name: "repeated mode", cfg: auth.Config{Modes: []auth.Mode{auth.ModeNone, auth.ModeNone}}, want: `AUTH: mode "none" is listed twice`},
		{name: "tokens without file", cfg: auth.Config{Modes: []auth.Mode{auth.ModeTokens}}, want: "AUTH_TOKENS_FILE: required when AUTH lists tokens"},
		{name: "file without tokens", cfg: auth.Config{Modes: []auth.Mode{auth.ModeNone}, TokensFile: path}, want: "AUTH_TOKENS_FILE: set, but AUTH does not list tokens"},
		{name: "jwt without JWKS", cfg: jwt(func(c *auth.Config) { c.JWKSURL = "" }), want: "JWT_JWKS_URL: required when AUTH lists jwt"},
		{name: "jwt without issuer", cfg: jwt(func(c *auth.Config) { c.Issuer = "" }), want: "JWT_ISSUER: required when AUTH lists jwt"},
		{name: "jwt without audience", cfg: jwt(func(c *auth.Config) { c.Audience = "" }), want: "JWT_AUDIENCE: required when AUTH lists jwt"},
		{name: "JWKS URL not a URL", cfg: jwt(func(c *auth.Config) { c.JWKSURL = "::not a url" }), want: "JWT_JWKS_URL: want an http or https URL"},
		{name: "JWKS URL relative", cfg: jwt(func(c *auth.Config) { c.JWKSURL = "/jwks.json" }), want: "JWT_JWKS_URL: want an http or https URL"},
		{name: "JWKS URL without host", cfg: jwt(func(c *auth.Config) { c.JWKSURL = "https:///jwks.json" }), want: "JWT_JWKS_URL: want an http or https URL"},
		{name: "JWKS URL not http", cfg: jwt(func(c *auth.Config) { c.JWKSURL = "file:///etc/jwks.json" }), want: "JWT_JWKS_URL: want an http or https URL"},
		{name: "same claim twice", cfg: jwt(func(c *auth.Config) { c.MailboxesClaim = "scope" }), want: `JWT_MAILBOXES_CLAIM: must differ from JWT_SCOPES_CLAIM (both are "scope")`},
		{name: "JWKS without jwt", cfg: auth.Config{Modes: []auth.Mode{auth.ModeNone}, JWKSURL: iss.URL()}, want: "JWT_JWKS_URL: set, but AUTH does not list jwt"},
		{name: "issuer without jwt", cfg: auth.Config{Modes: []auth.Mode{auth.ModeNone}, Issuer: "i"}, want: "JWT_ISSUER: set, but AUTH does not list jwt"},
		{name: "audience without jwt", cfg: auth.Config{Modes: []auth.Mode{auth.ModeNone}, Audience: "a"}, want: "JWT_AUDIENCE: set, but AUTH does not list jwt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := auth.New(t.Context(), tc.cfg)
			if err == nil {
				a.Close()
				t.Fatal("New accepted the config")
			}
			if !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q; want one line starting %q", err, tc.want)
			}
		})
	}
}

// TestNewStopsWithContext: a start whose context ends while the JWKS is
// being fetched fails with the context's error.
func TestNewStopsWithContext(t *testing.T) {
	iss := authtest.NewIssuer(t)
	arrived := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	cfg := jwtConfig(iss)
	cfg.JWKSURL = srv.URL
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	a, err := auth.New(ctx, cfg)
	if err == nil {
		a.Close()
		t.Fatal("New succeeded though its context ended")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v; want context.Canceled", err)
	}
}

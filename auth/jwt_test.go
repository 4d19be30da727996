package auth_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
)

func TestJWT(t *testing.T) {
	iss := authtest.NewIssuer(t)
	other := authtest.NewIssuer(t) // keys the gateway does not trust
	a := newAuthenticator(t, jwtConfig(iss))
	now := time.Now()
	hour := time.Hour

	for _, tc := range []struct {
		name    string
		token   string
		want    *auth.Caller
		wantErr string
	}{
		{name: "good", token: iss.Token(t, map[string]any{"sub": "user-17", "scope": "read write"}),
			want: &auth.Caller{ID: "jwt:user-17", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}}},
		{name: "audience in a list", token: iss.Token(t, map[string]any{"sub": "u", "aud": []string{"other", iss.Audience()}}),
			want: &auth.Caller{ID: "jwt:u"}},
		{name: "nbf and iat in the past", token: iss.Token(t, map[string]any{"sub": "u", "nbf": now.Add(-hour).Unix(), "iat": now.Add(-hour).Unix()}),
			want: &auth.Caller{ID: "jwt:u"}},
		{name: "no iat", token: iss.Token(t, map[string]any{"sub": "u", "iat": nil}), want: &auth.Caller{ID: "jwt:u"}},
		{name: "expired", token: iss.Token(t, map[string]any{"sub": "u", "exp": now.Add(-hour).Unix()}), wantErr: "jwt expired"},
		{name: "no exp", token: iss.Token(t, map[string]any{"sub": "u", "exp": nil}), wantErr: "jwt has no exp claim"},
		{name: "exp not a number", token: iss.Token(t, map[string]any{"sub": "u", "exp": "tomorrow"}), wantErr: "jwt claims are malformed"},
		{name: "not yet valid", token: iss.Token(t, map[string]any{"sub": "u", "nbf": now.Add(hour).Unix()}), wantErr: "jwt is not valid yet"},
		{name: "issued in the future", token: iss.Token(t, map[string]any{"sub": "u", "iat": now.Add(hour).Unix()}), wantErr: "jwt is issued in the future"},
		{name: "wrong issuer", token: iss.Token(t, map[string]any{"sub": "u", "iss": "https://evil.example"}), wantErr: "jwt issuer does not match"},
		{name: "no issuer", token: iss.Token(t, map[string]any{"sub": "u", "iss": nil}), wantErr: "jwt has no iss claim"},
		{name: "wrong audience", token: iss.Token(t, map[string]any{"sub": "u", "aud": "another-api"}), wantErr: "jwt audience does not match"},
		{name: "no audience", token: iss.Token(t, map[string]any{"sub": "u", "aud": nil}), wantErr: "jwt has no aud claim"},
		{name: "missing sub", token: iss.Token(t, map[string]any{"scope": "read"}), wantErr: "jwt has no sub claim"},
		{name: "empty sub", token: iss.Token(t, map[string]any{"sub": ""}), wantErr: "jwt has no sub claim"},
		{name: "sub not a string", token: iss.Token(t, map[string]any{"sub": 17}), wantErr: "jwt sub claim is not a string"},
		{name: "alg none", token: unsigned(t, iss), wantErr: "jwt signing algorithm is not allowed"},
		{name: "HS256 keyed with the public key", token: hmacWithPublicKey(t, iss), wantErr: "jwt signing algorithm is not allowed"},
		{name: "signature of other claims", token: tampered(t, iss.Token(t, map[string]any{"sub": "u"}), "admin"), wantErr: "jwt signature is invalid"},
		{name: "unknown kid", token: other.Token(t, map[string]any{"sub": "u", "iss": iss.Issuer()}), wantErr: "jwt signing key is unknown"},
		{name: "kid of a trusted key, signed by another", token: withKID(t, other, iss.KeyID()), wantErr: "jwt signature is invalid"},
		{name: "malformed", token: "not.valid.base64!", wantErr: "jwt is malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: tc.token})
			if tc.wantErr != "" {
				checkRejected(t, c, err, tc.wantErr, tc.token, signature(tc.token))
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			checkCaller(t, c, *tc.want)
		})
	}
}

func TestJWTAlgorithms(t *testing.T) {
	for _, alg := range []string{"RS256", "PS384", "ES256", "ES512", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			iss := authtest.NewIssuer(t, authtest.WithAlgorithm(alg))
			a := newAuthenticator(t, jwtConfig(iss))
			c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: iss.Token(t, map[string]any{"sub": "u"})})
			if err != nil {
				t.Fatal(err)
			}
			checkCaller(t, c, auth.Caller{ID: "jwt:u"})
		})
	}
}

func TestJWTScopesAndMailboxes(t *testing.T) {
	iss := authtest.NewIssuer(t)
	def := newAuthenticator(t, jwtConfig(iss))
	custom := jwtConfig(iss)
	custom.ScopesClaim, custom.MailboxesClaim = "scp", "https://scoutgraph.example/mailboxes"
	cust := newAuthenticator(t, custom)
	all := auth.AllScopes

	for _, tc := range []struct {
		name      string
		a         *auth.Authenticator
		claims    map[string]any
		scopes    []auth.Scope
		mailboxes []int
		wantErr   string
	}{
		{name: "space-separated scopes", claims: map[string]any{"scope": "admin read"}, scopes: []auth.Scope{auth.ScopeRead, auth.ScopeAdmin}},
		{name: "scopes with unknown ones and extra spaces", claims: map[string]any{"scope": "  openid read  profile write "}, scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}},
		{name: "scope array", claims: map[string]any{"scope": []string{"write", "admin", "read", "offline"}}, scopes: all},
		{name: "repeated scopes", claims: map[string]any{"scope": "read read"}, scopes: []auth.Scope{auth.ScopeRead}},
		{name: "no scope claim", claims: map[string]any{}},
		{name: "empty scope", claims: map[string]any{"scope": ""}},
		{name: "scope a number", claims: map[string]any{"scope": 7}, wantErr: "jwt scope claim is malformed"},
		{name: "scope array with a number", claims: map[string]any{"scope": []any{"read", 7}}, wantErr: "jwt scope claim is malformed"},
		{name: "scope null", claims: map[string]any{"scope": json.RawMessage("null")}, wantErr: "jwt scope claim is malformed"},
		{name: "mailbox numbers", claims: map[string]any{"mailboxes": []int{3, 1}}, mailboxes: []int{1, 3}},
		{name: "mailbox numeric strings", claims: map[string]any{"mailboxes": []any{"2", 5, "2"}}, mailboxes: []int{2, 5}},
		{name: "no mailboxes", claims: map[string]any{"mailboxes": []int{}}, mailboxes: []int{}},
		{name: "mailbox not whole", claims: map[string]any{"mailboxes": []any{1.5}}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailbox zero", claims: map[string]any{"mailboxes": []any{0}}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailbox negative", claims: map[string]any{"mailboxes": []any{"-4"}}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailbox word", claims: map[string]any{"mailboxes": []any{"sales"}}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailbox too big", claims: map[string]any{"mailboxes": []any{json.RawMessage("1e30")}}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailbox boolean", claims: map[string]any{"mailboxes": []any{true}}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailboxes a string", claims: map[string]any{"mailboxes": "1,2"}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailboxes a number", claims: map[string]any{"mailboxes": 1}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "mailboxes null", claims: map[string]any{"mailboxes": json.RawMessage("null")}, wantErr: "jwt mailboxes claim is malformed"},
		{name: "custom claims", a: cust, claims: map[string]any{"scp": []string{"read"}, "https://scoutgraph.example/mailboxes": []int{4}, "scope": "admin", "mailboxes": "junk"},
			scopes: []auth.Scope{auth.ScopeRead}, mailboxes: []int{4}},
		{name: "custom claims absent", a: cust, claims: map[string]any{"scope": "admin", "mailboxes": []int{4}}},
		{name: "custom scopes claim malformed", a: cust, claims: map[string]any{"scp": 1}, wantErr: "jwt scp claim is malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a
			if a == nil {
				a = def
			}
			tc.claims["sub"] = "u"
			token := iss.Token(t, tc.claims)
			c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: token})
			if tc.wantErr != "" {
				checkRejected(t, c, err, tc.wantErr, token, signature(token))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkCaller(t, c, auth.Caller{ID: "jwt:u", Scopes: tc.scopes, MailboxIDs: tc.mailboxes})
		})
	}
}

// TestJWTKeyRotation rotates the issuer's key under a running
// Authenticator: the new key works from its first token (the unknown kid
// makes the Authenticator fetch the JWKS), the old one stops working once
// the JWKS fetched no longer has it, and unknown kids cannot make it fetch
// the JWKS again and again.
func TestJWTKeyRotation(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := newAuthenticator(t, jwtConfig(iss))
	authenticate := func(token string) (*auth.Caller, error) {
		return a.Authenticate(t.Context(), auth.Credentials{Bearer: token})
	}
	old := iss.Token(t, map[string]any{"sub": "before"})
	if _, err := authenticate(old); err != nil {
		t.Fatal(err)
	}
	if got := iss.Fetches(); got != 1 {
		t.Fatalf("JWKS fetched %d times at start; want 1", got)
	}

	iss.Rotate(t)
	// Until the Authenticator fetches the JWKS again, the old key stands.
	if _, err := authenticate(old); err != nil {
		t.Fatalf("old key before any refresh: %v", err)
	}
	c, err := authenticate(iss.Token(t, map[string]any{"sub": "after"}))
	if err != nil {
		t.Fatalf("new key: %v", err)
	}
	checkCaller(t, c, auth.Caller{ID: "jwt:after"})
	if got := iss.Fetches(); got != 2 {
		t.Fatalf("JWKS fetched %d times after the new kid; want 2", got)
	}

	c, err = authenticate(old)
	checkRejected(t, c, err, "jwt signing key is unknown", old, signature(old))

	// More unknown kids within the rate limit fetch nothing.
	stranger := authtest.NewIssuer(t)
	for range 5 {
		token := stranger.Token(t, map[string]any{"sub": "x", "iss": iss.Issuer()})
		c, err := authenticate(token)
		checkRejected(t, c, err, "jwt signing key is unknown", token)
	}
	if got := iss.Fetches(); got != 2 {
		t.Errorf("JWKS fetched %d times after unknown kids; want still 2", got)
	}
	if _, err := authenticate(iss.Token(t, map[string]any{"sub": "after"})); err != nil {
		t.Errorf("current key after unknown kids: %v", err)
	}
}

func TestJWKSDownAtStart(t *testing.T) {
	t.Run("then up", func(t *testing.T) {
		iss := authtest.NewIssuer(t)
		iss.SetAvailable(false)
		logs := &records{}
		cfg := jwtConfig(iss)
		cfg.Logger = slogger(logs)
		a := newAuthenticator(t, cfg)
		if msgs := logs.messages(); len(msgs) != 1 || !strings.Contains(msgs[0], "jwks unreachable at start") {
			t.Fatalf("logged %q; want one line saying the JWKS is unreachable", msgs)
		}
		iss.SetAvailable(true)
		c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: iss.Token(t, map[string]any{"sub": "u"})})
		if err != nil {
			t.Fatalf("once the JWKS is up: %v", err)
		}
		checkCaller(t, c, auth.Caller{ID: "jwt:u"})
	})
	t.Run("and still down", func(t *testing.T) {
		iss := authtest.NewIssuer(t)
		iss.SetAvailable(false)
		a := newAuthenticator(t, jwtConfig(iss))
		token := iss.Token(t, map[string]any{"sub": "u"})
		c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: token})
		checkRejected(t, c, err, "jwt signing keys are not available yet", token)
	})
	t.Run("nothing listening", func(t *testing.T) {
		iss := authtest.NewIssuer(t)
		srv := newServer(t, nil)
		srv.Close()
		cfg := jwtConfig(iss)
		cfg.JWKSURL = srv.URL + "/jwks"
		a := newAuthenticator(t, cfg)
		token := iss.Token(t, map[string]any{"sub": "u"})
		c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: token})
		checkRejected(t, c, err, "jwt signing keys are not available yet", token)
	})
}

func TestJWKSUnreachableAfterStartKeepsKeys(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := newAuthenticator(t, jwtConfig(iss))
	iss.SetAvailable(false)
	stranger := authtest.NewIssuer(t)
	// An unknown kid makes the Authenticator try the JWKS, which fails.
	token := stranger.Token(t, map[string]any{"sub": "x"})
	c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: token})
	checkRejected(t, c, err, "jwt signing key is unknown", token)
	if _, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: iss.Token(t, map[string]any{"sub": "u"})}); err != nil {
		t.Errorf("a failed refresh dropped the keys: %v", err)
	}
}

// unsigned is a token with alg none and the issuer's kid.
func unsigned(t *testing.T, iss *authtest.Issuer) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, claimsFor(iss))
	tok.Header["kid"] = iss.KeyID()
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hmacWithPublicKey is the classic confusion attack: HS256 keyed with the
// PEM of the issuer's public key.
func hmacWithPublicKey(t *testing.T, iss *authtest.Issuer) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(iss.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsFor(iss))
	tok.Header["kid"] = iss.KeyID()
	s, err := tok.SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// withKID is a token signed by signer's key under another kid.
func withKID(t *testing.T, signer *authtest.Issuer, kid string) string {
	t.Helper()
	parts := strings.Split(signer.Token(t, map[string]any{"sub": "u"}), ".")
	header, err := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT", "kid": kid})
	if err != nil {
		t.Fatal(err)
	}
	parts[0] = base64.RawURLEncoding.EncodeToString(header)
	return strings.Join(parts, ".")
}

// tampered swaps the sub of token, keeping its signature.
func tampered(t *testing.T, token, sub string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["sub"] = sub
	if payload, err = json.Marshal(claims); err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func claimsFor(iss *authtest.Issuer) jwt.MapClaims {
	return jwt.MapClaims{"iss": iss.Issuer(), "aud": iss.Audience(), "sub": "u", "exp": time.Now().Add(time.Hour).Unix()}
}

// signature is the signature part of a JWT, or "".
func signature(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || slices.Contains(parts, "") {
		return ""
	}
	return parts[2]
}

// Package authtest is what tests need to authenticate against scoutgraph:
// an in-process identity provider that publishes a JWKS over real HTTP and
// signs JWTs, and a writer of AUTH_TOKENS_FILE files.
//
// Tokens come out ready to pass auth.Authenticator's checks (iss, aud, iat
// and a one-hour exp filled in); a test states the claims it is about, sub
// among them, and leaves a default claim out by giving it as nil.
package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/scoutgraph/scoutgraph/auth"
)

// DefaultAudience is the aud of an Issuer's tokens unless WithAudience says
// otherwise.
const DefaultAudience = "scoutgraph-test"

// Issuer is an identity provider for tests: it serves its JWKS on an
// httptest server and signs tokens with its current key.
type Issuer struct {
	server      *httptest.Server
	alg         string
	audience    string
	fetches     atomic.Int64
	unavailable atomic.Bool

	mu      sync.Mutex
	current signingKey
	jwks    []byte
}

type signingKey struct {
	kid     string
	private crypto.Signer
}

// Option changes how an Issuer signs.
type Option func(*Issuer)

// WithAlgorithm makes the Issuer sign with alg: ES256 (the default), ES384,
// ES512, RS256, RS384, RS512, PS256, PS384, PS512 or EdDSA.
func WithAlgorithm(alg string) Option { return func(i *Issuer) { i.alg = alg } }

// WithAudience sets the aud the Issuer's tokens carry by default.
func WithAudience(aud string) Option { return func(i *Issuer) { i.audience = aud } }

// NewIssuer starts an Issuer with one key; the test's cleanup stops it.
func NewIssuer(t testing.TB, opts ...Option) *Issuer {
	t.Helper()
	i := &Issuer{alg: "ES256", audience: DefaultAudience}
	for _, o := range opts {
		o(i)
	}
	if jwt.GetSigningMethod(i.alg) == nil {
		t.Fatalf("authtest: unknown algorithm %q", i.alg)
	}
	i.server = httptest.NewServer(http.HandlerFunc(i.serveJWKS))
	t.Cleanup(i.server.Close)
	i.Rotate(t)
	return i
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	if i.unavailable.Load() {
		http.Error(w, "jwks unavailable", http.StatusServiceUnavailable)
		return
	}
	i.fetches.Add(1)
	i.mu.Lock()
	body := i.jwks
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// URL is the JWKS URL (JWT_JWKS_URL).
func (i *Issuer) URL() string { return i.server.URL + "/.well-known/jwks.json" }

// Issuer is the iss of the Issuer's tokens (JWT_ISSUER).
func (i *Issuer) Issuer() string { return i.server.URL }

// Audience is the aud of the Issuer's tokens (JWT_AUDIENCE).
func (i *Issuer) Audience() string { return i.audience }

// Fetches is how many times the JWKS has been served.
func (i *Issuer) Fetches() int { return int(i.fetches.Load()) }

// SetAvailable makes the JWKS endpoint answer (true, the start) or fail
// with 503 (false).
func (i *Issuer) SetAvailable(ok bool) { i.unavailable.Store(!ok) }

// KeyID is the kid of the current key.
func (i *Issuer) KeyID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.current.kid
}

// PublicKey is the public half of the current key.
func (i *Issuer) PublicKey() crypto.PublicKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.current.private.Public()
}

// Token signs claims with the current key, its kid in the header. iss, aud,
// iat and exp (an hour from now) are filled in unless claims has them; a
// claim given as nil is left out.
func (i *Issuer) Token(t testing.TB, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	all := jwt.MapClaims{"iss": i.Issuer(), "aud": i.audience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
			continue
		}
		all[k] = v
	}
	i.mu.Lock()
	key := i.current
	i.mu.Unlock()
	token := jwt.NewWithClaims(jwt.GetSigningMethod(i.alg), all)
	token.Header["kid"] = key.kid
	signed, err := token.SignedString(key.private)
	if err != nil {
		t.Fatalf("authtest: sign token: %v", err)
	}
	return signed
}

// Rotate makes a new key current and publishes a JWKS holding only it: the
// old key's tokens stop verifying once a verifier has fetched the JWKS
// again.
func (i *Issuer) Rotate(t testing.TB) {
	t.Helper()
	private, err := newKey(i.alg)
	if err != nil {
		t.Fatalf("authtest: generate %s key: %v", i.alg, err)
	}
	key := signingKey{kid: randomHex(t, 8), private: private}
	jwk, err := jwkset.NewJWKFromKey(private.Public(), jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.ALG(i.alg), KID: key.kid, USE: jwkset.UseSig},
	})
	if err != nil {
		t.Fatalf("authtest: jwk: %v", err)
	}
	set := jwkset.NewMemoryStorage()
	if err := set.KeyWrite(t.Context(), jwk); err != nil {
		t.Fatalf("authtest: jwks: %v", err)
	}
	body, err := set.JSONPublic(t.Context())
	if err != nil {
		t.Fatalf("authtest: jwks: %v", err)
	}
	i.mu.Lock()
	i.current, i.jwks = key, body
	i.mu.Unlock()
}

func newKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, private, err := ed25519.GenerateKey(rand.Reader)
		return private, err
	}
	return nil, fmt.Errorf("unsupported algorithm %q", alg)
}

// TokenCaller is one caller of a tokens file.
type TokenCaller struct {
	// Name is the caller's name; its Caller ID is "token:" + Name.
	Name string
	// Scopes are the caller's scopes.
	Scopes []auth.Scope
	// MailboxIDs are the mailboxes the caller sees; nil leaves mailboxIds
	// out (every mailbox).
	MailboxIDs []int
}

// TokensFile writes an AUTH_TOKENS_FILE for callers, each with a fresh
// random token, in a directory the test's cleanup removes. It returns the
// file's path and each caller's plain token by name.
func TokensFile(t testing.TB, callers ...TokenCaller) (path string, tokens map[string]string) {
	t.Helper()
	type entry struct {
		Name        string       `json:"name"`
		TokenSHA256 string       `json:"tokenSha256"`
		Scopes      []auth.Scope `json:"scopes"`
		MailboxIDs  *[]int       `json:"mailboxIds,omitempty"`
	}
	file := struct {
		Callers []entry `json:"callers"`
	}{Callers: []entry{}}
	tokens = make(map[string]string, len(callers))
	for _, c := range callers {
		token := randomHex(t, 32)
		tokens[c.Name] = token
		e := entry{Name: c.Name, TokenSHA256: auth.KeyHash(token), Scopes: c.Scopes}
		if c.MailboxIDs != nil {
			e.MailboxIDs = &c.MailboxIDs
		}
		file.Callers = append(file.Callers, e)
	}
	data, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		t.Fatalf("authtest: tokens file: %v", err)
	}
	path = filepath.Join(t.TempDir(), "tokens.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("authtest: tokens file: %v", err)
	}
	return path, tokens
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("authtest: random: %v", err)
	}
	return hex.EncodeToString(b)
}

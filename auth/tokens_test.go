package auth_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func tokensConfig(path string) auth.Config {
	return auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
}

func TestTokensFileErrors(t *testing.T) {
	h1, h2 := auth.KeyHash("one"), auth.KeyHash("two")
	entry := func(name, hash, rest string) string {
		return `{"name":"` + name + `","tokenSha256":"` + hash + `","scopes":["read"]` + rest + `}`
	}
	file := func(entries ...string) string { return `{"callers":[` + strings.Join(entries, ",") + `]}` }
	for _, tc := range []struct {
		name, content, want string
	}{
		{name: "not JSON", content: "callers: []", want: "not valid JSON"},
		{name: "no callers list", content: `{}`, want: `no "callers" list`},
		{name: "unknown top-level field", content: `{"callers":[],"tokens":[]}`, want: `unknown field "tokens"`},
		{name: "unknown caller field", content: file(entry("ops", h1, `,"colour":"red"`)), want: `unknown field "colour"`},
		{name: "data after the object", content: `{"callers":[]} {}`, want: "unexpected data after the JSON object"},
		{name: "empty name", content: file(entry("", h1, "")), want: "caller 1: name is empty"},
		{name: "repeated name", content: file(entry("ops", h1, ""), entry("ops", h2, "")), want: `caller 2 ("ops"): name is used twice`},
		{name: "short hash", content: file(entry("ops", h1[:63], "")), want: `caller 1 ("ops"): tokenSha256 is not 64 hex characters`},
		{name: "long hash", content: file(entry("ops", h1+"0", "")), want: `caller 1 ("ops"): tokenSha256 is not 64 hex characters`},
		{name: "hash not hex", content: file(entry("ops", strings.Repeat("z", 64), "")), want: `caller 1 ("ops"): tokenSha256 is not 64 hex characters`},
		{name: "plain token instead of hash", content: file(entry("ops", "secret-token", "")), want: `caller 1 ("ops"): tokenSha256 is not 64 hex characters`},
		{name: "repeated hash", content: file(entry("ops", h1, ""), entry("dev", h1, "")), want: `caller 2 ("dev"): tokenSha256 is also the token of "ops"`},
		{name: "no scopes", content: file(`{"name":"ops","tokenSha256":"` + h1 + `"}`), want: `caller 1 ("ops"): no scopes`},
		{name: "empty scopes", content: file(`{"name":"ops","tokenSha256":"` + h1 + `","scopes":[]}`), want: `caller 1 ("ops"): no scopes`},
		{name: "unknown scope", content: file(`{"name":"ops","tokenSha256":"` + h1 + `","scopes":["read","delete"]}`), want: `caller 1 ("ops"): unknown scope "delete"`},
		{name: "repeated scope", content: file(`{"name":"ops","tokenSha256":"` + h1 + `","scopes":["read","read"]}`), want: `caller 1 ("ops"): scope "read" is listed twice`},
		{name: "mailbox zero", content: file(entry("ops", h1, `,"mailboxIds":[1,0]`)), want: `caller 1 ("ops"): mailbox id 0 is not positive`},
		{name: "mailbox negative", content: file(entry("ops", h1, `,"mailboxIds":[-3]`)), want: `caller 1 ("ops"): mailbox id -3 is not positive`},
		{name: "mailbox repeated", content: file(entry("ops", h1, `,"mailboxIds":[2,2]`)), want: `caller 1 ("ops"): mailbox id 2 is listed twice`},
		{name: "mailboxes empty", content: file(entry("ops", h1, `,"mailboxIds":[]`)), want: `caller 1 ("ops"): mailboxIds is empty`},
		{name: "mailbox not whole", content: file(entry("ops", h1, `,"mailboxIds":[1.5]`)), want: "not valid JSON"},
		{name: "mailbox a string", content: file(entry("ops", h1, `,"mailboxIds":["1"]`)), want: "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.content)
			a, err := auth.New(t.Context(), tokensConfig(path))
			if err == nil {
				a.Close()
				t.Fatalf("New accepted %s", tc.content)
			}
			prefix := "AUTH_TOKENS_FILE " + path + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q; want %q then %q", err, prefix, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
			if strings.Contains(err.Error(), "secret-token") {
				t.Errorf("error %q echoes the file's token", err)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent.json")
		_, err := auth.New(t.Context(), tokensConfig(path))
		if err == nil || !strings.HasPrefix(err.Error(), "AUTH_TOKENS_FILE: open "+path) {
			t.Errorf("error = %v; want AUTH_TOKENS_FILE: open %s…", err, path)
		}
	})
}

func TestTokensFileCallers(t *testing.T) {
	path, tokens := authtest.TokensFile(t,
		authtest.TokenCaller{Name: "ops-dashboard", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}, MailboxIDs: []int{3, 1}},
		authtest.TokenCaller{Name: "admin", Scopes: auth.AllScopes},
	)
	a := newAuthenticator(t, tokensConfig(path))
	for _, tc := range []struct {
		name string
		want auth.Caller
	}{
		{name: "ops-dashboard", want: auth.Caller{ID: "token:ops-dashboard", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}, MailboxIDs: []int{3, 1}}},
		{name: "admin", want: auth.Caller{ID: "token:admin", Scopes: auth.AllScopes}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: tokens[tc.name]})
			if err != nil {
				t.Fatal(err)
			}
			checkCaller(t, c, tc.want)
			// The caller is the test's own: changing it changes nobody else's.
			c.Scopes[0], c.MailboxIDs = auth.ScopeAdmin, []int{99}
			again, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: tokens[tc.name]})
			if err != nil {
				t.Fatal(err)
			}
			checkCaller(t, again, tc.want)
		})
	}
	t.Run("upper-case hash", func(t *testing.T) {
		path := writeFile(t, `{"callers":[{"name":"ops","tokenSha256":"`+strings.ToUpper(auth.KeyHash("tok"))+`","scopes":["read"]}]}`)
		c, err := newAuthenticator(t, tokensConfig(path)).Authenticate(t.Context(), auth.Credentials{Bearer: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		checkCaller(t, c, auth.Caller{ID: "token:ops", Scopes: []auth.Scope{auth.ScopeRead}})
	})
	t.Run("no callers", func(t *testing.T) {
		path, _ := authtest.TokensFile(t)
		c, err := newAuthenticator(t, tokensConfig(path)).Authenticate(t.Context(), auth.Credentials{Bearer: "k3y-42"})
		checkRejected(t, c, err, "token not recognised", "k3y-42")
	})
	t.Run("the hash itself is no token", func(t *testing.T) {
		c, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: auth.KeyHash(tokens["admin"])})
		checkRejected(t, c, err, "token not recognised", tokens["admin"])
	})
}

func checkCaller(t *testing.T, got *auth.Caller, want auth.Caller) {
	t.Helper()
	if got == nil {
		t.Fatalf("no caller; want %v", want.ID)
	}
	if got.ID != want.ID || !slices.Equal(got.Scopes, want.Scopes) || !slices.Equal(got.MailboxIDs, want.MailboxIDs) ||
		(got.MailboxIDs == nil) != (want.MailboxIDs == nil) || got.APIKey != want.APIKey || got.Namespace != want.Namespace {
		t.Errorf("caller = %+v; want %+v", *got, want)
	}
}

func TestTokensReload(t *testing.T) {
	path, before := authtest.TokensFile(t, authtest.TokenCaller{Name: "ops", Scopes: []auth.Scope{auth.ScopeRead}})
	a := newAuthenticator(t, tokensConfig(path))
	authenticate := func(token string) (*auth.Caller, error) {
		return a.Authenticate(t.Context(), auth.Credentials{Bearer: token})
	}
	if _, err := authenticate(before["ops"]); err != nil {
		t.Fatal(err)
	}

	// A new file is moved into place, as deployments replace files.
	next, after := authtest.TokensFile(t, authtest.TokenCaller{Name: "dev", Scopes: []auth.Scope{auth.ScopeWrite}})
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	c, err := authenticate(after["dev"])
	if err != nil {
		t.Fatal(err)
	}
	checkCaller(t, c, auth.Caller{ID: "token:dev", Scopes: []auth.Scope{auth.ScopeWrite}})
	c, err = authenticate(before["ops"])
	checkRejected(t, c, err, "token not recognised", before["ops"])

	// A bad file is refused and the callers loaded before stay.
	if err := os.WriteFile(path, []byte(`{"callers":[{"name":"dev"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(t.Context()); err == nil || !strings.HasPrefix(err.Error(), "AUTH_TOKENS_FILE "+path+": ") {
		t.Errorf("Reload of a bad file = %v; want an AUTH_TOKENS_FILE error", err)
	}
	if _, err := authenticate(after["dev"]); err != nil {
		t.Errorf("after a failed reload: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(t.Context()); err == nil {
		t.Error("Reload of a missing file succeeded")
	}
	if _, err := authenticate(after["dev"]); err != nil {
		t.Errorf("after a failed reload: %v", err)
	}
}

// TestTokensReloadConcurrent reloads while callers authenticate (run with
// -race).
func TestTokensReloadConcurrent(t *testing.T) {
	path, tokens := authtest.TokensFile(t, authtest.TokenCaller{Name: "ops", Scopes: []auth.Scope{auth.ScopeRead}})
	a := newAuthenticator(t, tokensConfig(path))
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if _, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: tokens["ops"]}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 50 {
		if err := a.Reload(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestReloadWithoutTokens(t *testing.T) {
	a := newAuthenticator(t, auth.Config{Modes: []auth.Mode{auth.ModeNone}})
	if err := a.Reload(t.Context()); err != nil {
		t.Errorf("Reload without tokens mode = %v", err)
	}
}

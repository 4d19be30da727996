package gateway_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/graphiql"
)

// requireNode returns the e2e directory, or skips the test (fails under
// CI=true) when node, the npm packages, Chromium or the GraphiQL bundle are
// missing. `make deps` installs all of them.
func requireNode(t *testing.T, needBrowser bool) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	switch {
	case func() bool { _, err := exec.LookPath("node"); return err != nil }():
		missing = "node"
	case func() bool { _, err := os.Stat(filepath.Join(dir, "node_modules")); return err != nil }():
		missing = "e2e/node_modules (run make deps)"
	case needBrowser && func() bool { _, err := os.Stat("/usr/bin/chromium"); return err != nil }():
		missing = "/usr/bin/chromium (run make deps)"
	case needBrowser && !graphiql.Built():
		missing = "the GraphiQL bundle (run make graphiql before go test)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("missing %s", missing)
		}
		t.Skipf("SKIPPED: missing %s", missing)
	}
	return dir
}

// runNode runs one e2e script against a fresh gateway over the emulator.
// The scripts test the transports, GraphiQL and client libraries, not
// FreeScout (their sample mutation sets tags): they run against a current
// install whatever install the environment names.
func runNode(t *testing.T, script string, needBrowser bool) {
	runNodeOn(t, gatewaytest.Start(t, gatewaytest.Options{Install: &gatewaytest.Current}), script, needBrowser)
}

// runNodeOn runs one e2e script against env's gateway, with extra
// environment variables ("NAME=value").
func runNodeOn(t *testing.T, env *gatewaytest.Env, script string, needBrowser bool, extra ...string) {
	t.Helper()
	dir := requireNode(t, needBrowser)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SCOUTGRAPH_URL="+env.URL, "SCREENSHOT_DIR="+filepath.Join(dir, "out"))
	cmd.Env = append(cmd.Env, extra...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("node %s:\n%s", script, out.String())
	if err != nil {
		t.Fatalf("node %s: %v", script, err)
	}
}

// TestGraphQLOverHTTPAudit runs graphql-http's auditServer: every audit must
// be ok.
func TestGraphQLOverHTTPAudit(t *testing.T) { runNode(t, "audit.mjs", false) }

// TestGraphiQLInBrowser opens GraphiQL in Chromium, runs the default query,
// checks the result and that no request left for another host, and saves a
// screenshot to e2e/out/graphiql.png.
func TestGraphiQLInBrowser(t *testing.T) { runNode(t, "browser.mjs", true) }

// TestFrontendClients runs a query and a mutation with @apollo/client,
// @urql/core and graphql-request, and Apollo Client's persisted-queries
// link (APQ).
func TestFrontendClients(t *testing.T) { runNode(t, "clients.mjs", false) }

// TestCORSInBrowser: Chromium, on a page of an allowed origin (as a Vite
// dev server would serve it), calls the gateway with a bearer token and
// gets the answer; on a page of another origin it is refused.
func TestCORSInBrowser(t *testing.T) {
	requireNode(t, true)
	page := func() *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!doctype html><title>frontend</title><p>a frontend page"))
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	allowed, refused := page(), page()
	path, tokens := authtest.TokensFile(t, authtest.TokenCaller{Name: "frontend", Scopes: []auth.Scope{auth.ScopeRead}})
	env := gatewaytest.Start(t, gatewaytest.Options{Install: &gatewaytest.Current, Configure: func(c *gateway.Config) {
		c.CORSOrigins = []string{allowed.URL}
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
	}})
	runNodeOn(t, env, "cors.mjs", true, "ALLOWED_PAGE="+allowed.URL+"/", "REFUSED_PAGE="+refused.URL+"/", "TOKEN="+tokens["frontend"])
}

// TestSubscriptionClients subscribes with graphql-ws and graphql-sse (the
// npm clients), creates a conversation, and both hear FreeScout's webhook.
func TestSubscriptionClients(t *testing.T) {
	runNodeOn(t, gatewaytest.Start(t, gatewaytest.Options{Live: true}), "live.mjs", false)
}

// TestGraphiQLLiveInBrowser: in Chromium, one GraphiQL tab subscribes, a
// second runs a mutation, and the first shows the event; screenshots go to
// e2e/out/live-*.png.
func TestGraphiQLLiveInBrowser(t *testing.T) {
	runNodeOn(t, gatewaytest.Start(t, gatewaytest.Options{Live: true}), "browser-live.mjs", true)
}

// TestGraphiQLLiveWithToken: against a gateway that wants a token, GraphiQL's
// headers editor carries it, over HTTP and in the WebSocket's connection_init.
func TestGraphiQLLiveWithToken(t *testing.T) {
	path, tokens := authtest.TokensFile(t, authtest.TokenCaller{Name: "agent", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}})
	env := gatewaytest.Start(t, gatewaytest.Options{Live: true, Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
	}})
	runNodeOn(t, env, "browser-live.mjs", true, "TOKEN="+tokens["agent"])
}

package auth_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
)

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newAuthenticator starts an Authenticator the test's cleanup closes.
func newAuthenticator(t *testing.T, cfg auth.Config) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(a.Close)
	return a
}

// jwtConfig is the configuration that trusts iss.
func jwtConfig(iss *authtest.Issuer, modes ...auth.Mode) auth.Config {
	if len(modes) == 0 {
		modes = []auth.Mode{auth.ModeJWT}
	}
	return auth.Config{Modes: modes, JWKSURL: iss.URL(), Issuer: iss.Issuer(), Audience: iss.Audience()}
}

// checkRejected fails unless err is an ErrUnauthenticated whose message is
// want and holds none of secrets.
func checkRejected(t *testing.T, c *auth.Caller, err error, want string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("authenticated as %v; want rejection %q", c.ID, want)
	}
	if c != nil {
		t.Errorf("a caller (%v) came with the error %v", c.ID, err)
	}
	if !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("error %q does not match ErrUnauthenticated", err)
	}
	if err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains the credential", err)
		}
	}
}

// records is a slog.Handler that keeps what is logged.
type records struct {
	mu   sync.Mutex
	msgs []string
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *records) WithGroup(string) slog.Handler            { return r }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Message)
	return nil
}

func (r *records) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

func slogger(r *records) *slog.Logger { return slog.New(r) }

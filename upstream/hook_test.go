package upstream_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// budgetHook counts attempts, refuses those over limit, and records what
// After saw, with the value Before put in the context.
type budgetHook struct {
	limit int
	mu    sync.Mutex
	n     int
	seen  []string // route and context marker of each After
}

type marker struct{}

func (h *budgetHook) Before(ctx context.Context, a upstream.Attempt) (context.Context, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n >= h.limit {
		return ctx, errTooMany
	}
	h.n++
	return context.WithValue(ctx, marker{}, a.Route), nil
}

func (h *budgetHook) After(ctx context.Context, c upstream.Call) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, _ := ctx.Value(marker{}).(string)
	h.seen = append(h.seen, c.Route+"|"+v)
}

var errTooMany = errors.New("budget spent")

// TestHookSeesEveryCallAndMayRefuse: a derived client's hook runs around
// each attempt with its own context, and a refused attempt sends nothing.
func TestHookSeesEveryCallAndMayRefuse(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	hook := &budgetHook{limit: 2}
	c := e.client.With(upstream.WithHook(hook))
	for i := range 2 {
		if _, err := c.Users.Get(t.Context(), i+1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Users.Get(t.Context(), 3); !errors.Is(err, errTooMany) {
		t.Fatalf("third call: err %v, want the hook's refusal", err)
	}
	if n := e.emu.Count("GET /api/users/{id}"); n != 2 {
		t.Errorf("FreeScout saw %d calls, want 2 (the refused one is never sent)", n)
	}
	// After saw the two calls it let through, each with its own context;
	// not the one it refused.
	want := "GET /api/users/{id}|GET /api/users/{id}"
	if len(hook.seen) != 2 || hook.seen[0] != want || hook.seen[1] != want {
		t.Errorf("After saw %q", hook.seen)
	}
	// The parent's own hooks (the test observer) saw the two calls too, and
	// the parent is untouched by the derived client's hook.
	if _, err := e.client.Users.Get(t.Context(), 4); err != nil {
		t.Fatalf("parent client: %v", err)
	}
}

// TestDerivedClientKey: a derived client authenticates with its own key,
// the parent keeps the gateway's.
func TestDerivedClientKey(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	other := e.client.With(upstream.WithAPIKey("someone-elses-key"))
	if _, err := other.Users.Get(t.Context(), 1); !errors.Is(err, upstream.ErrUnauthorized) {
		t.Fatalf("derived client with a wrong key: err %v, want ErrUnauthorized", err)
	}
	if got := e.rec.last(t).Header.Get("X-FreeScout-API-Key"); got != "someone-elses-key" {
		t.Errorf("sent key %q", got)
	}
	if _, err := e.client.Users.Get(t.Context(), 1); err != nil {
		t.Fatalf("parent client: %v", err)
	}
	if got := e.rec.last(t).Header.Get("X-FreeScout-API-Key"); got != testKey {
		t.Errorf("parent sent key %q", got)
	}
}

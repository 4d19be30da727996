package persisted

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/errcode"
)

// step is one request of a scenario and what it must come to.
type step struct {
	name       string
	params     graphql.RawParams
	wantRan    string // the query that ran; "" when an error is wanted
	wantCode   errcode.Code
	wantMsg    string // the exact message, when it matters to clients
	registered bool   // the query is registered by this request
}

// runSteps runs the steps in order through one executor.
func runSteps(t *testing.T, cfg Config, steps []step) {
	t.Helper()
	exec := newExecutor(t, cfg)
	for _, s := range steps {
		o := run(t, exec, s.params)
		switch {
		case s.wantCode != "":
			if o.code != string(s.wantCode) || o.ran != "" {
				t.Errorf("%s: ran %q, code %q (%q); want code %s", s.name, o.ran, o.code, o.message, s.wantCode)
			}
			if s.wantMsg != "" && o.message != s.wantMsg {
				t.Errorf("%s: message %q, want %q", s.name, o.message, s.wantMsg)
			}
		case o.ran != s.wantRan:
			t.Errorf("%s: ran %q (code %q, %q); want %q", s.name, o.ran, o.code, o.message, s.wantRan)
		}
		if got := o.stats != nil && o.stats.Registered; got != s.registered {
			t.Errorf("%s: registered = %v, want %v", s.name, got, s.registered)
		}
	}
}

func TestAPQ(t *testing.T) {
	hello, echo := Hash(helloQuery), Hash(echoQuery)
	vars := map[string]any{"s": "x"}
	runSteps(t, Config{Mode: APQ, Store: NewStore(cache.NewMemory(), StoreOptions{})}, []step{
		{name: "query alone", params: graphql.RawParams{Query: helloQuery}, wantRan: helloQuery},
		{name: "unknown hash", params: graphql.RawParams{Extensions: pq(hello)},
			wantCode: errcode.PersistedQueryNotFound, wantMsg: "PersistedQueryNotFound"},
		{name: "hash and query", params: graphql.RawParams{Query: helloQuery, Extensions: pq(hello)},
			wantRan: helloQuery, registered: true},
		{name: "registered hash", params: graphql.RawParams{Extensions: pq(hello)}, wantRan: helloQuery},
		{name: "registered hash, sha256: prefix", params: graphql.RawParams{Extensions: pq("sha256:" + hello)}, wantRan: helloQuery},
		{name: "prefixed hash and query", params: graphql.RawParams{Query: echoQuery, Variables: vars, Extensions: pq("sha256:" + echo)},
			wantRan: echoQuery, registered: true},
		{name: "registered with variables", params: graphql.RawParams{Variables: vars, Extensions: pq(echo)}, wantRan: echoQuery},
		{name: "hash of another query", params: graphql.RawParams{Query: bumpQuery, Extensions: pq(hello)},
			wantCode: errcode.BadUserInput},
		{name: "a mismatch registers nothing", params: graphql.RawParams{Extensions: pq(Hash(bumpQuery))},
			wantCode: errcode.PersistedQueryNotFound},
	})
}

func TestAPQRegistersOnlyValidOperations(t *testing.T) {
	const invalid = "query Bad { goodbye }"
	const unparsable = "query Bad {"
	store := NewStore(cache.NewMemory(), StoreOptions{MaxQueryBytes: 64})
	long := "query Long { hello }" + strings.Repeat(" ", 64)
	runSteps(t, Config{Mode: APQ, Store: store}, []step{
		{name: "invalid", params: graphql.RawParams{Query: invalid, Extensions: pq(Hash(invalid))}, wantCode: errcode.Code("GRAPHQL_VALIDATION_FAILED")},
		{name: "invalid is not registered", params: graphql.RawParams{Extensions: pq(Hash(invalid))}, wantCode: errcode.PersistedQueryNotFound},
		{name: "unparsable", params: graphql.RawParams{Query: unparsable, Extensions: pq(Hash(unparsable))}, wantCode: errcode.Code("GRAPHQL_PARSE_FAILED")},
		{name: "unparsable is not registered", params: graphql.RawParams{Extensions: pq(Hash(unparsable))}, wantCode: errcode.PersistedQueryNotFound},
		{name: "bad variables", params: graphql.RawParams{Query: echoQuery, Extensions: pq(Hash(echoQuery))}, wantCode: errcode.Code("GRAPHQL_VALIDATION_FAILED")},
		{name: "bad variables are not registered", params: graphql.RawParams{Extensions: pq(Hash(echoQuery))}, wantCode: errcode.PersistedQueryNotFound},
		{name: "over MaxQueryBytes runs", params: graphql.RawParams{Query: long, Extensions: pq(Hash(long))}, wantRan: long},
		{name: "over MaxQueryBytes is not registered", params: graphql.RawParams{Extensions: pq(Hash(long))}, wantCode: errcode.PersistedQueryNotFound},
	})
}

func TestAPQStoreUnavailable(t *testing.T) {
	c := cache.NewMemory()
	c.Close()
	hello := Hash(helloQuery)
	runSteps(t, Config{Mode: APQ, Store: NewStore(c, StoreOptions{})}, []step{
		{name: "hash alone is answered as unknown", params: graphql.RawParams{Extensions: pq(hello)},
			wantCode: errcode.PersistedQueryNotFound, wantMsg: "PersistedQueryNotFound"},
		{name: "hash and query still runs", params: graphql.RawParams{Query: helloQuery, Extensions: pq(hello)}, wantRan: helloQuery},
	})
}

func TestMalformedPersistedQuery(t *testing.T) {
	hello := Hash(helloQuery)
	ext := func(v any) map[string]any { return map[string]any{"persistedQuery": v} }
	malformed := []struct {
		name string
		ext  map[string]any
	}{
		{"not an object", ext("x")},
		{"version 2", ext(map[string]any{"version": json.Number("2"), "sha256Hash": hello})},
		{"version 1.5", ext(map[string]any{"version": 1.5, "sha256Hash": hello})},
		{"version as a string", ext(map[string]any{"version": "1", "sha256Hash": hello})},
		{"no version", ext(map[string]any{"sha256Hash": hello})},
		{"no hash", ext(map[string]any{"version": 1})},
		{"hash not a string", ext(map[string]any{"version": 1, "sha256Hash": 5})},
		{"upper-case hash", ext(map[string]any{"version": 1, "sha256Hash": strings.ToUpper(hello)})},
		{"short hash", ext(map[string]any{"version": 1, "sha256Hash": hello[:40]})},
	}
	manifest := testManifest(t)
	for _, mode := range []Config{
		{Mode: APQ, Store: NewStore(cache.NewMemory(), StoreOptions{})},
		{Mode: Only, Manifest: manifest},
	} {
		exec := newExecutor(t, mode)
		for _, m := range malformed {
			for _, query := range []string{"", helloQuery} {
				o := run(t, exec, graphql.RawParams{Query: query, Extensions: m.ext})
				if o.code != string(errcode.BadUserInput) {
					t.Errorf("%s mode, %s, query %q: ran %q, code %q; want BAD_USER_INPUT", mode.Mode, m.name, query, o.ran, o.code)
				}
			}
		}
	}
	// Whole numbers in the forms the transports decode: json.Number
	// (gqlgen's GET and gqlhttp), float64 (encoding/json without UseNumber),
	// int (Go callers).
	exec := newExecutor(t, Config{Mode: APQ, Store: NewStore(cache.NewMemory(), StoreOptions{})})
	for _, v := range []any{json.Number("1"), 1.0, 1, int64(1)} {
		o := run(t, exec, graphql.RawParams{Query: helloQuery, Extensions: ext(map[string]any{"version": v, "sha256Hash": hello, "miss": true})})
		if o.ran != helloQuery {
			t.Errorf("version %#v: ran %q, code %q (%s); want the query", v, o.ran, o.code, o.message)
		}
	}
}

func TestOff(t *testing.T) {
	hello := Hash(helloQuery)
	runSteps(t, Config{Mode: Off}, []step{
		{name: "query alone", params: graphql.RawParams{Query: helloQuery}, wantRan: helloQuery},
		{name: "hash alone", params: graphql.RawParams{Extensions: pq(hello)},
			wantCode: errcode.PersistedQueryNotFound, wantMsg: "PersistedQueryNotSupported"},
		{name: "malformed extension alone", params: graphql.RawParams{Extensions: map[string]any{"persistedQuery": "x"}},
			wantCode: errcode.PersistedQueryNotFound, wantMsg: "PersistedQueryNotSupported"},
		{name: "hash and query", params: graphql.RawParams{Query: helloQuery, Extensions: pq(hello)}, wantRan: helloQuery},
		{name: "wrong hash and query: the extension is ignored", params: graphql.RawParams{Query: bumpQuery, Extensions: pq(hello)}, wantRan: bumpQuery},
		{name: "version 2 and query: ignored", params: graphql.RawParams{Query: helloQuery,
			Extensions: map[string]any{"persistedQuery": map[string]any{"version": 2}}}, wantRan: helloQuery},
		{name: "nothing was registered", params: graphql.RawParams{Extensions: pq(hello)},
			wantCode: errcode.PersistedQueryNotFound, wantMsg: "PersistedQueryNotSupported"},
	})
}

func TestOnly(t *testing.T) {
	hello, bump := Hash(helloQuery), Hash(bumpQuery)
	const untrusted = "query Other { hello }"
	runSteps(t, Config{Mode: Only, Manifest: testManifest(t)}, []step{
		{name: "trusted hash", params: graphql.RawParams{Extensions: pq(hello)}, wantRan: helloQuery},
		{name: "trusted hash, sha256: prefix", params: graphql.RawParams{Extensions: pq("sha256:" + hello)}, wantRan: helloQuery},
		{name: "hash listed with a prefix, sent bare", params: graphql.RawParams{Extensions: pq(bump)}, wantRan: bumpQuery},
		{name: "trusted hash and its body", params: graphql.RawParams{Query: helloQuery, Extensions: pq(hello)}, wantRan: helloQuery},
		{name: "trusted body alone", params: graphql.RawParams{Query: bumpQuery}, wantRan: bumpQuery},
		{name: "trusted hash, another body", params: graphql.RawParams{Query: bumpQuery, Extensions: pq(hello)},
			wantCode: errcode.PersistedQueryRequired},
		{name: "untrusted hash", params: graphql.RawParams{Extensions: pq(Hash(untrusted))}, wantCode: errcode.PersistedQueryRequired},
		{name: "untrusted hash and query (no registration)", params: graphql.RawParams{Query: untrusted, Extensions: pq(Hash(untrusted))},
			wantCode: errcode.PersistedQueryRequired},
		{name: "still untrusted", params: graphql.RawParams{Extensions: pq(Hash(untrusted))}, wantCode: errcode.PersistedQueryRequired},
		{name: "untrusted query", params: graphql.RawParams{Query: untrusted}, wantCode: errcode.PersistedQueryRequired},
		{name: "trusted body, reformatted", params: graphql.RawParams{Query: "query Hello {hello}"}, wantCode: errcode.PersistedQueryRequired},
		{name: "introspection is not trusted either", params: graphql.RawParams{Query: "{ __typename }"}, wantCode: errcode.PersistedQueryRequired},
	})
}

func TestErrorsCarryErrcode(t *testing.T) {
	exec := newExecutor(t, Config{Mode: Only, Manifest: testManifest(t)})
	ctx := graphql.StartOperationTrace(t.Context())
	_, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: "{ __typename }"})
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", errs)
	}
	var gerr *gqlerror.Error = errs[0]
	e := errcode.As(gerr)
	if e == nil || e.Code != errcode.PersistedQueryRequired || e.Message != gerr.Message || gerr.Extensions["code"] != string(errcode.PersistedQueryRequired) {
		t.Errorf("error %#v (cause %#v): want extensions.code and an *errcode.Error cause, both PERSISTED_QUERY_REQUIRED", gerr, e)
	}
}

func TestStats(t *testing.T) {
	exec := newExecutor(t, Config{Mode: APQ, Store: NewStore(cache.NewMemory(), StoreOptions{})})
	var got []Stats
	exec.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if st := GetStats(ctx); st != nil {
			got = append(got, *st)
		} else {
			got = append(got, Stats{Hash: "none"})
		}
		return next(ctx)
	})
	hello := Hash(helloQuery)
	run(t, exec, graphql.RawParams{Query: helloQuery})
	run(t, exec, graphql.RawParams{Query: helloQuery, Extensions: pq(hello)})
	run(t, exec, graphql.RawParams{Extensions: pq("sha256:" + hello)})
	want := []Stats{{Hash: "none"}, {Hash: hello, SentQuery: true, Registered: true}, {Hash: hello}}
	if len(got) != len(want) {
		t.Fatalf("stats of %d operations, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("operation %d: stats %+v, want %+v", i, got[i], want[i])
		}
	}
	if st := GetStats(t.Context()); st != nil {
		t.Errorf("GetStats without an operation = %+v, want nil", st)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	store := NewStore(cache.NewMemory(), StoreOptions{})
	manifest := testManifest(t)
	logger := testLogger(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no logger", Config{Mode: Off}, "no logger"},
		{"apq without store", Config{Mode: APQ, Logger: logger}, "apq mode needs a store"},
		{"only without manifest", Config{Mode: Only, Store: store, Logger: logger}, "only mode needs a manifest"},
		{"manifest in apq mode", Config{Mode: APQ, Store: store, Manifest: manifest, Logger: logger}, "a manifest is used in only mode, not in apq mode"},
		{"manifest in off mode", Config{Mode: Off, Manifest: manifest, Logger: logger}, "not in off mode"},
		{"no mode", Config{Logger: logger}, `unknown mode ""`},
	}
	for _, tt := range tests {
		if ext, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, %v; want an error saying %q", tt.name, ext, err, tt.want)
		}
	}
	for _, cfg := range []Config{{Mode: Off}, {Mode: APQ, Store: store}, {Mode: Only, Manifest: manifest}, {Mode: Off, Store: store}} {
		cfg.Logger = logger
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%s mode): %v", cfg.Mode, err)
		}
	}
}

// TestAPQSharedAcrossReplicas: two gateway replicas, each with its own
// executor, Store and Redis connection, over one Redis. A query registered
// through one runs by its hash through the other.
func TestAPQSharedAcrossReplicas(t *testing.T) {
	open := redisReplicas(t)
	c1 := open()
	replica1 := newExecutor(t, Config{Mode: APQ, Store: NewStore(c1, StoreOptions{})})
	replica2 := newExecutor(t, Config{Mode: APQ, Store: NewStore(open(), StoreOptions{})})
	hash := Hash(helloQuery)
	t.Cleanup(func() { c1.Delete(context.Background(), DefaultPrefix+hash) })

	if o := run(t, replica2, graphql.RawParams{Extensions: pq(hash)}); o.code != string(errcode.PersistedQueryNotFound) {
		t.Fatalf("replica 2 before registration: ran %q, code %q; want PERSISTED_QUERY_NOT_FOUND", o.ran, o.code)
	}
	if o := run(t, replica1, graphql.RawParams{Query: helloQuery, Extensions: pq(hash)}); o.ran != helloQuery || !o.stats.Registered {
		t.Fatalf("replica 1 registration: ran %q, code %q, stats %+v", o.ran, o.code, o.stats)
	}
	if o := run(t, replica2, graphql.RawParams{Extensions: pq(hash)}); o.ran != helloQuery {
		t.Errorf("replica 2 by hash: ran %q, code %q (%s); want the query registered through replica 1", o.ran, o.code, o.message)
	}
}

package persisted

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// entry is one operation of a test manifest, written as Apollo's tool does.
func entry(name, typ, body string) map[string]any {
	return map[string]any{"id": Hash(body), "name": name, "type": typ, "body": body}
}

// manifestJSON returns an Apollo persisted-query manifest of ops.
func manifestJSON(t testing.TB, ops ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"format":     "apollo-persisted-query-manifest",
		"version":    1,
		"operations": ops,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testManifest returns the manifest of the tests' four operations; Bump is
// listed with a "sha256:"-prefixed id.
func testManifest(t testing.TB) *Manifest {
	t.Helper()
	bump := entry("Bump", "mutation", bumpQuery)
	bump["id"] = "sha256:" + Hash(bumpQuery)
	m, err := ParseManifest(manifestJSON(t,
		entry("Hello", "query", helloQuery),
		entry("Echo", "query", echoQuery),
		bump,
		entry("Ticks", "subscription", ticksQuery),
	))
	if err != nil {
		t.Fatalf("ParseManifest: %v", err)
	}
	return m
}

func TestManifestLookups(t *testing.T) {
	m := testManifest(t)
	if m.Len() != 4 {
		t.Errorf("Len = %d, want 4", m.Len())
	}
	ops := m.Operations()
	if len(ops) != 4 || ops[2].Name != "Bump" || ops[2].ID != Hash(bumpQuery) || ops[2].Type != "mutation" || ops[2].Body != bumpQuery {
		t.Errorf("Operations()[2] = %+v; want Bump with its bare hex id", ops[2])
	}
	for _, h := range []string{Hash(bumpQuery), "sha256:" + Hash(bumpQuery)} {
		if op, ok := m.ByHash(h); !ok || op.Name != "Bump" {
			t.Errorf("ByHash(%s) = %+v, %v; want Bump", h, op, ok)
		}
	}
	for _, h := range []string{Hash("{ hello }"), strings.ToUpper(Hash(helloQuery)), "nope"} {
		if op, ok := m.ByHash(h); ok {
			t.Errorf("ByHash(%s) = %+v; want none", h, op)
		}
	}
	if op, ok := m.ByBody(echoQuery); !ok || op.Name != "Echo" {
		t.Errorf("ByBody(echo) = %+v, %v; want Echo", op, ok)
	}
	if op, ok := m.ByBody(echoQuery + " "); ok {
		t.Errorf("ByBody(echo plus a space) = %+v; want none (byte-identical only)", op)
	}
}

func TestLoadManifest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "persisted-query-manifest.json")
	if err := os.WriteFile(path, manifestJSON(t, entry("Hello", "query", helloQuery)), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := LoadManifest(path)
	if err != nil || m.Len() != 1 {
		t.Fatalf("LoadManifest = %v, %v; want one operation", m, err)
	}
	missing := filepath.Join(dir, "missing.json")
	if _, err := LoadManifest(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadManifest(missing) = %v; want an error naming the file", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifest(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("LoadManifest(version 2) = %v; want an error naming the file and the version", err)
	}
}

func TestParseManifestErrors(t *testing.T) {
	hello := func() map[string]any { return entry("Hello", "query", helloQuery) }
	with := func(key string, v any) map[string]any {
		e := hello()
		if v == nil {
			delete(e, key)
		} else {
			e[key] = v
		}
		return e
	}
	sum := Hash(helloQuery)
	tests := []struct {
		name string
		data []byte
		want string // a part of the error
	}{
		{"not JSON", []byte(`{"format":`), "not valid JSON"},
		{"two objects", append(manifestJSON(t, hello()), []byte(` {}`)...), "data after the manifest object"},
		{"no format", []byte(`{"version":1,"operations":[]}`), `no format member`},
		{"other format", []byte(`{"format":"graphql-codegen","version":1}`), `format "graphql-codegen"`},
		{"no version", []byte(`{"format":"apollo-persisted-query-manifest","operations":[]}`), "no version member"},
		{"version 2", []byte(`{"format":"apollo-persisted-query-manifest","version":2}`), "version 2, want 1"},
		{"no operations", manifestJSON(t), "no operations"},
		{"no id", manifestJSON(t, with("id", nil)), `operations[0] ("Hello"): no id`},
		{"empty id", manifestJSON(t, with("id", "")), `operations[0] ("Hello"): no id`},
		{"no name", manifestJSON(t, with("name", nil)), "operations[0]: no name"},
		{"no type", manifestJSON(t, with("type", nil)), "no type"},
		{"no body", manifestJSON(t, with("body", nil)), "no body"},
		{"id of another body", manifestJSON(t, with("id", Hash(echoQuery))), "is not the SHA-256 of the body, which is " + sum},
		{"upper-case id", manifestJSON(t, with("id", strings.ToUpper(sum))), "is not a SHA-256 in lowercase hex"},
		{"sha1 id", manifestJSON(t, with("id", sum[:40])), "is not a SHA-256 in lowercase hex"},
		{"sha1-prefixed id", manifestJSON(t, with("id", "sha1:"+sum)), "is not a SHA-256 in lowercase hex"},
		{"duplicate id", manifestJSON(t, hello(), entry("Echo", "query", echoQuery), hello()), "operations[2] (\"Hello\"): id " + sum + " repeats operations[0]"},
		{"unknown type", manifestJSON(t, with("type", "fragment")), `type "fragment", want query, mutation or subscription`},
		{"wrong type", manifestJSON(t, with("type", "mutation")), `type "mutation", but the body is a query`},
		{"wrong name", manifestJSON(t, with("name", "Hi")), `name "Hi", but the body's operation is named "Hello"`},
		{"body does not parse", manifestJSON(t, entry("Hello", "query", "query Hello {")), "body does not parse"},
		{"two operations", manifestJSON(t, entry("Hello", "query", helloQuery+"\n"+echoQuery)), "body holds 2 operations, want 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(tt.data)
			if err == nil {
				t.Fatalf("ParseManifest = %d operations, no error; want %q", m.Len(), tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
		})
	}
}

func TestParseManifestAccepts(t *testing.T) {
	const withFragment = "query Hello { ...F }\nfragment F on Query { hello }"
	e := entry("Hello", "query", withFragment)
	e["clientName"] = "web" // a member the format does not define
	m, err := ParseManifest(manifestJSON(t, e))
	if err != nil {
		t.Fatalf("ParseManifest(operation with a fragment and an extra member): %v", err)
	}
	if _, ok := m.ByHash(Hash(withFragment)); !ok {
		t.Error("the operation is not found by its hash")
	}
}

func TestManifestValidate(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSDL})
	if err := testManifest(t).Validate(schema); err != nil {
		t.Errorf("Validate(matching schema): %v", err)
	}
	const stale = "query Stale { goodbye }"
	m, err := ParseManifest(manifestJSON(t, entry("Hello", "query", helloQuery), entry("Stale", "query", stale)))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Validate(schema)
	if err == nil || !strings.Contains(err.Error(), `operations[1] ("Stale", id `+Hash(stale)+")") || !strings.Contains(err.Error(), "goodbye") {
		t.Errorf("Validate(stale operation) = %v; want an error naming it and the field", err)
	}
}

package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// writeManifest writes an Apollo persisted-query manifest of bodies (each
// one operation named as in the map's key) and returns its path and each
// operation's id, by name: the SHA-256 of its body in lowercase hex. The
// ids of the names in prefixed are written "sha256:<hex>", GraphQL
// Codegen's form.
func writeManifest(t *testing.T, bodies map[string]string, prefixed ...string) (string, map[string]string) {
	t.Helper()
	type op struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	}
	ids := map[string]string{}
	var ops []op
	for name, body := range bodies {
		sum := sha256.Sum256([]byte(body))
		ids[name] = hex.EncodeToString(sum[:])
		id := ids[name]
		for _, p := range prefixed {
			if p == name {
				id = "sha256:" + id
			}
		}
		typ, _, _ := strings.Cut(body, " ")
		ops = append(ops, op{ID: id, Name: name, Type: typ, Body: body})
	}
	b, err := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "persisted-query-manifest.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, ids
}

// TestTrustedDocuments: the binary with PERSISTED_QUERIES=only and
// PERSISTED_QUERIES_FILE naming an Apollo persisted-query manifest runs a
// listed document named by its id (bare or "sha256:", over POST or GET,
// whichever form the manifest wrote it in) or sent as its exact text, and
// refuses anything else with PERSISTED_QUERY_REQUIRED and its message,
// FreeScout getting nothing: an unlisted query, a listed one changed by a
// byte, an unknown id, a listed id with another text, and an unlisted query
// sent with its own hash as APQ would register it (which registers nothing:
// its hash alone is refused after).
func TestTrustedDocuments(t *testing.T) {
	const (
		conversationDoc = `query Conversation($id: ID!) { conversation(id: $id) { id subject } }`
		mailboxesDoc    = `query Mailboxes { mailboxes(first: 1) { nodes { id } } }`
		unlisted        = `{ conversation(id: "1") { id subject } }`
	)
	manifest, ids := writeManifest(t, map[string]string{"Conversation": conversationDoc, "Mailboxes": mailboxesDoc}, "Mailboxes")
	up := gatewaytest.StartUpstream(t, 0)
	gw := gatewaytest.StartProcessT(t, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey,
		"PERSISTED_QUERIES=only", "PERSISTED_QUERIES_FILE="+manifest, "LOG_LEVEL=warn")
	conversation := singleConversation(t, up, 1)
	byID := func(id string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": id}}
	}
	vars := map[string]any{"id": "1"}
	unlistedSum := sha256.Sum256([]byte(unlisted))
	unlistedID := hex.EncodeToString(unlistedSum[:])
	const (
		notOne      = "only trusted documents may run, and this query is not one"
		noSuchHash  = "only trusted documents may run, and no trusted document has this hash"
		anotherText = "the query is not the trusted document with this hash"
	)
	for _, tc := range []struct {
		name   string
		body   map[string]any // the request's parameters
		get    bool
		data   string // the answer; "" when refused
		msg    string // the refusal's message
		route  string // the FreeScout call it makes
		status int
	}{
		{name: "a listed document by its id", body: map[string]any{"extensions": byID(ids["Conversation"]), "variables": vars},
			data: conversation, route: "GET /api/conversations/{id}"},
		{name: "a listed document by its id, over GET", get: true, body: map[string]any{"extensions": byID(ids["Conversation"]), "variables": vars},
			data: conversation, route: "GET /api/conversations/{id}"},
		{name: "a listed document by its sha256: id", body: map[string]any{"extensions": byID("sha256:" + ids["Conversation"]), "variables": vars},
			data: conversation, route: "GET /api/conversations/{id}"},
		{name: "a document the manifest lists by a sha256: id, by its bare id", body: map[string]any{"extensions": byID(ids["Mailboxes"])},
			data: `{"mailboxes":{"nodes":[{"id":"1"}]}}`, route: "GET /api/mailboxes"},
		{name: "a listed document's exact text", body: map[string]any{"query": conversationDoc, "variables": vars},
			data: conversation, route: "GET /api/conversations/{id}"},
		{name: "a listed document's text with its id", body: map[string]any{"query": conversationDoc, "extensions": byID(ids["Conversation"]), "variables": vars},
			data: conversation, route: "GET /api/conversations/{id}"},
		{name: "an unlisted query", body: map[string]any{"query": unlisted}, msg: notOne},
		{name: "an unlisted query over GET", get: true, body: map[string]any{"query": unlisted}, msg: notOne},
		{name: "__typename, unlisted", body: map[string]any{"query": `{ __typename }`}, msg: notOne},
		{name: "a listed document changed by a space", body: map[string]any{"query": conversationDoc + " ", "variables": vars}, msg: notOne},
		{name: "an unknown id", body: map[string]any{"extensions": byID(strings.Repeat("ab", 32))}, msg: noSuchHash},
		{name: "a listed id with another text", body: map[string]any{"query": unlisted, "extensions": byID(ids["Conversation"])}, msg: anotherText},
		{name: "an unlisted query with its own hash, as APQ registers", body: map[string]any{"query": unlisted, "extensions": byID(unlistedID)}, msg: noSuchHash},
		{name: "that hash alone afterwards", body: map[string]any{"extensions": byID(unlistedID)}, msg: noSuchHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up.ResetCounts()
			var r *gatewaytest.Response
			if tc.get {
				r = getGraphQL(t, gw.URL, tc.body)
			} else {
				var err error
				if r, err = gatewaytest.Post(t.Context(), gw.URL, tc.body, nil); err != nil {
					t.Fatal(err)
				}
			}
			if r.Status != http.StatusOK {
				t.Errorf("status %d, want 200", r.Status)
			}
			if tc.data != "" {
				if len(r.Errors) != 0 || !sameJSON(r.Data, tc.data) {
					t.Errorf("data %s, errors %+v; want %s", r.Data, r.Errors, tc.data)
				}
				if n, m := up.Total(), up.Count(tc.route); n != 1 || m != 1 {
					t.Errorf("FreeScout got %d calls, %d of them %s; want that one", n, m, tc.route)
				}
				return
			}
			if len(r.Errors) != 1 || r.Errors[0].Code() != "PERSISTED_QUERY_REQUIRED" || r.Errors[0].Message != tc.msg || len(r.Data) != 0 {
				t.Errorf("data %s, errors %+v; want no data and one PERSISTED_QUERY_REQUIRED %q", r.Data, r.Errors, tc.msg)
			}
			if n := up.Total(); n != 0 {
				t.Errorf("FreeScout got %d calls, want none", n)
			}
		})
	}
}

// singleConversation is the answer of `conversation(id) { id subject }` as
// the emulator's data makes it, read straight from the emulator.
func singleConversation(t *testing.T, up *gatewaytest.Upstream, id int) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, up.URL+"/api/conversations/"+strconv.Itoa(id), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-FreeScout-API-Key", gatewaytest.APIKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct {
		ID      int    `json:"id"`
		Subject string `json:"subject"`
	}
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil || c.ID != id {
		t.Fatalf("conversation %d from the emulator: %v (id %d)", id, err, c.ID)
	}
	b, err := json.Marshal(map[string]any{"conversation": map[string]any{"id": strconv.Itoa(c.ID), "subject": c.Subject}})
	if err != nil {
		t.Fatal(err)
	}
	up.ResetCounts()
	return string(b)
}

// sameJSON reports whether got holds the same JSON value as want.
func sameJSON(got json.RawMessage, want string) bool {
	var g, w any
	return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
}

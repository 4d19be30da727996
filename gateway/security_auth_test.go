package gateway_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// post sends query with header h and fails the test on a transport error.
func post(t *testing.T, env *gatewaytest.Env, query string, h http.Header) *gatewaytest.Response {
	t.Helper()
	r, err := env.Post(t.Context(), map[string]any{"query": query}, h)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func codeOf(r *gatewaytest.Response) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// TestAuthTokens: callers from a tokens file, with their scopes.
func TestAuthTokens(t *testing.T) {
	path, tokens := authtest.TokensFile(t,
		authtest.TokenCaller{Name: "reader", Scopes: []auth.Scope{auth.ScopeRead}},
		authtest.TokenCaller{Name: "writer", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}},
		authtest.TokenCaller{Name: "admin", Scopes: auth.AllScopes},
	)
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
	}})
	const query = `{ conversations(first: 1) { totalCount } }`
	const write = `mutation { updateConversation(input: {id: "1", subject: "auth"}) { userErrors { code } } }`
	const admin = `mutation { deleteWebhook(input: {id: "999"}) { userErrors { code } } }`

	for _, tc := range []struct {
		name, token, query string
		status             int
		code               string
	}{
		{"no token", "", query, 401, "UNAUTHENTICATED"},
		{"a token nobody has", "not-a-token", query, 401, "UNAUTHENTICATED"},
		{"reader queries", tokens["reader"], query, 200, ""},
		{"reader may not write", tokens["reader"], write, 200, "FORBIDDEN"},
		{"writer writes", tokens["writer"], write, 200, ""},
		{"writer may not administer", tokens["writer"], admin, 200, "FORBIDDEN"},
		{"admin administers", tokens["admin"], admin, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.Upstream.ResetCounts()
			h := http.Header{}
			if tc.token != "" {
				h = bearer(tc.token)
			}
			r := post(t, env, tc.query, h)
			if r.Status != tc.status || codeOf(r) != tc.code {
				t.Fatalf("status %d, errors %+v; want %d %q", r.Status, r.Errors, tc.status, tc.code)
			}
			if tc.code != "" && env.Upstream.Total() != 0 {
				t.Errorf("a refused operation reached FreeScout (%d calls)", env.Upstream.Total())
			}
			if tc.status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// TestAuthMailboxes: a caller restricted to mailbox 1 sees only its
// conversations and mailbox; another mailbox's objects are NOT_FOUND, in
// reads and in writes.
func TestAuthMailboxes(t *testing.T) {
	path, tokens := authtest.TokensFile(t, authtest.TokenCaller{Name: "support", Scopes: auth.AllScopes, MailboxIDs: []int{1}})
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
	}})
	h := bearer(tokens["support"])
	var list struct {
		Conversations struct {
			Nodes []struct {
				ID      string
				Mailbox struct{ ID string }
			}
		}
		Mailboxes struct{ Nodes []struct{ ID string } }
	}
	post(t, env, `{ conversations(first: 100) { nodes { id mailbox { id } } } mailboxes { nodes { id } } }`, h).MustData(t, &list)
	if len(list.Conversations.Nodes) == 0 || len(list.Mailboxes.Nodes) != 1 || list.Mailboxes.Nodes[0].ID != "1" {
		t.Fatalf("listed %+v", list)
	}
	for _, c := range list.Conversations.Nodes {
		if c.Mailbox.ID != "1" {
			t.Fatalf("conversation %s of mailbox %s listed", c.ID, c.Mailbox.ID)
		}
	}
	// A conversation of mailbox 2, found without the restriction.
	var other struct {
		Conversations struct{ Nodes []struct{ ID string } }
	}
	r, err := gatewaytest.Post(t.Context(), env.URL, map[string]any{"query": `{ conversations(first: 1, filter: {mailboxIds: ["2"]}) { nodes { id } } }`}, h)
	if err != nil {
		t.Fatal(err)
	}
	r.MustData(t, &other)
	if len(other.Conversations.Nodes) != 0 {
		t.Fatalf("mailbox 2's list answered %v", other.Conversations.Nodes)
	}
	foreign := conversationOfMailbox(t, env, 2)
	if r := post(t, env, `{ conversation(id: "`+foreign+`") { id } }`, h); codeOf(r) != "NOT_FOUND" {
		t.Errorf("conversation %s of mailbox 2: errors %+v, want NOT_FOUND", foreign, r.Errors)
	}
	if r := post(t, env, `{ mailbox(id: "2") { id } }`, h); codeOf(r) != "NOT_FOUND" {
		t.Errorf("mailbox 2: errors %+v", r.Errors)
	}
	env.Upstream.ResetCounts()
	r = post(t, env, `mutation { updateConversationTags(input: {conversationId: "`+foreign+`", tags: ["x"]}) { userErrors { field code } } }`, h)
	if !strings.Contains(string(r.Data), `"field":["conversationId"],"code":"NOT_FOUND"`) || env.Upstream.Count("PUT /api/conversations/{id}/tags") != 0 {
		t.Errorf("tags of a foreign conversation: %s; writes sent %d", r.Data, env.Upstream.Count("PUT /api/conversations/{id}/tags"))
	}
}

// conversationOfMailbox finds a conversation of a mailbox straight from the
// emulator.
func conversationOfMailbox(t *testing.T, env *gatewaytest.Env, mailbox int) string {
	t.Helper()
	res, err := http.Get(env.Upstream.URL + "/api/conversations?mailboxId=" + strconv.Itoa(mailbox) + "&api_key=" + gatewaytest.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Embedded struct {
			Conversations []struct{ ID int } `json:"conversations"`
		} `json:"_embedded"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || len(body.Embedded.Conversations) == 0 {
		t.Fatalf("conversations of mailbox %d: %v", mailbox, err)
	}
	return strconv.Itoa(body.Embedded.Conversations[0].ID)
}

// TestAuthJWT: callers from JWTs signed by a JWKS, with their scopes and
// mailboxes from claims, and key rotation without a restart.
func TestAuthJWT(t *testing.T) {
	iss := authtest.NewIssuer(t)
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeJWT}, JWKSURL: iss.URL(), Issuer: iss.Issuer(), Audience: iss.Audience()}
	}})
	const query = `{ mailboxes { nodes { id } } }`
	read := iss.Token(t, map[string]any{"sub": "agent-7", "scope": "read", "mailboxes": []int{2}})
	var boxes struct {
		Mailboxes struct{ Nodes []struct{ ID string } }
	}
	post(t, env, query, bearer(read)).MustData(t, &boxes)
	if len(boxes.Mailboxes.Nodes) != 1 || boxes.Mailboxes.Nodes[0].ID != "2" {
		t.Errorf("mailboxes %+v; want mailbox 2 only", boxes)
	}
	if r := post(t, env, `mutation { updateConversationTags(input: {conversationId: "1", tags: ["x"]}) { userErrors { code } } }`, bearer(read)); codeOf(r) != "FORBIDDEN" {
		t.Errorf("a read token writes: %+v", r.Errors)
	}
	for name, tok := range map[string]string{
		"expired":        iss.Token(t, map[string]any{"sub": "a", "scope": "read", "exp": 1000}),
		"wrong audience": iss.Token(t, map[string]any{"sub": "a", "scope": "read", "aud": "someone-else"}),
		"not a jwt":      "abc.def.ghi",
	} {
		if r := post(t, env, query, bearer(tok)); r.Status != 401 || codeOf(r) != "UNAUTHENTICATED" || strings.Contains(r.Errors[0].Message, tok) {
			t.Errorf("%s: status %d, errors %+v", name, r.Status, r.Errors)
		}
	}
	// The identity provider rotates its key: tokens signed with the new one
	// work at once; the old key no longer does.
	iss.Rotate(t)
	fresh := iss.Token(t, map[string]any{"sub": "agent-7", "scope": "read"})
	if r := post(t, env, query, bearer(fresh)); r.Status != 200 || len(r.Errors) > 0 {
		t.Errorf("a token of the new key: status %d, errors %+v", r.Status, r.Errors)
	}
	if r := post(t, env, query, bearer(read)); r.Status != 401 {
		t.Errorf("a token of the removed key: status %d, want 401", r.Status)
	}
}

// TestAuthFreeScoutKey: a caller's own FreeScout key is used for its calls
// and its cache entries are kept apart; FreeScout rejecting it is the
// caller's UNAUTHENTICATED, not the gateway's trouble.
func TestAuthFreeScoutKey(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeFreeScoutKey, auth.ModeNone}}
	}})
	own := http.Header{"X-Freescout-Api-Key": {gatewaytest.APIKey}} // the emulator knows one key
	const query = `{ customer(id: "1") { company } }`
	env.Upstream.Log.Reset()
	for _, h := range []http.Header{own, nil, own, nil} {
		if r := post(t, env, query, h); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
	}
	if n := env.Upstream.Count("GET /api/customers/{id}"); n != 2 {
		t.Errorf("%d customer fetches; want 2, one per key's cache", n)
	}
	r := post(t, env, query, http.Header{"X-Freescout-Api-Key": {"wrong-key-of-the-caller"}})
	if codeOf(r) != "UNAUTHENTICATED" {
		t.Errorf("a wrong own key: errors %+v, want UNAUTHENTICATED", r.Errors)
	}
	var keys []string
	for _, req := range env.Upstream.Log.Requests() {
		keys = append(keys, req.Header.Get("X-FreeScout-API-Key"))
	}
	if !strings.Contains(strings.Join(keys, ","), "wrong-key-of-the-caller") {
		t.Errorf("the caller's key never reached FreeScout: %v", keys)
	}
}

// TestAuthModesInOrder: tokens then none: a token is checked, a request
// without one is anonymous, a bad token is refused rather than anonymous.
func TestAuthModesInOrder(t *testing.T) {
	path, tokens := authtest.TokensFile(t, authtest.TokenCaller{Name: "reader", Scopes: []auth.Scope{auth.ScopeRead}})
	env := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens, auth.ModeNone}, TokensFile: path}
	}})
	const write = `mutation { updateConversation(input: {id: "1", subject: "x"}) { userErrors { code } } }`
	if r := post(t, env, write, nil); len(r.Errors) > 0 {
		t.Errorf("anonymous (every scope): %+v", r.Errors)
	}
	if r := post(t, env, write, bearer(tokens["reader"])); codeOf(r) != "FORBIDDEN" {
		t.Errorf("the reader: %+v", r.Errors)
	}
	if r := post(t, env, write, bearer("bad")); r.Status != 401 {
		t.Errorf("a bad token: status %d, want 401", r.Status)
	}
}

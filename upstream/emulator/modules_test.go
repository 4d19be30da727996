package emulator_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// moduleEndpoints are the endpoints of each optional module, with a request each would
// answer successfully with the module installed.
func moduleEndpoints() []struct {
	module, title, method, path string
	body                        any
	status                      int // with the module
} {
	return []struct {
		module, title, method, path string
		body                        any
		status                      int
	}{
		{"tags", "Tags", http.MethodGet, "/api/tags", nil, http.StatusOK},
		{"tags", "Tags", http.MethodPut, "/api/conversations/1/tags", map[string]any{"tags": []string{"vip"}}, http.StatusNoContent},
		{"customfields", "Custom Fields", http.MethodGet, "/api/mailboxes/1/custom_fields", nil, http.StatusOK},
		{"customfields", "Custom Fields", http.MethodPut, "/api/conversations/1/custom_fields",
			map[string]any{"customFields": []any{map[string]any{"id": 37, "value": "Direct"}}}, http.StatusNoContent},
		{"crm", "CRM", http.MethodPut, "/api/customers/1/customer_fields",
			map[string]any{"customerFields": []any{map[string]any{"id": 11, "value": 30}}}, http.StatusNoContent},
		{"timetracking", "Time Tracking", http.MethodGet, "/api/conversations/1/timelogs", nil, http.StatusOK},
	}
}

func TestMissingModuleEndpoints(t *testing.T) {
	for _, ep := range moduleEndpoints() {
		t.Run(ep.module+" "+ep.method+" "+ep.path, func(t *testing.T) {
			with := newClient(t)
			if res := with.do(ep.method, ep.path, ep.body); res.status != ep.status {
				t.Fatalf("with the module: status %d: %s", res.status, res.body)
			}
			without := newClientWith(t, emulator.Options{APIKey: apiKey, WithoutModules: []string{ep.module}})
			for _, path := range []string{ep.path, strings.Replace(ep.path, "/1/", "/9999/", 1)} { // before any lookup
				res := without.do(ep.method, path, ep.body)
				body := res.json(t)
				if res.status != http.StatusBadRequest || body["errorCode"] != "BAD REQUEST" ||
					!strings.Contains(str(body["message"]), ep.title) || !strings.Contains(str(body["message"]), "not installed or not active") {
					t.Errorf("%s %s: status %d, body %s", ep.method, path, res.status, res.body)
				}
			}
			others := newClientWith(t, emulator.Options{APIKey: apiKey, WithoutModules: otherModules(ep.module)})
			if res := others.do(ep.method, ep.path, ep.body); res.status != ep.status {
				t.Errorf("without the other modules: status %d: %s", res.status, res.body)
			}
		})
	}
}

// otherModules lists the optional modules but one.
func otherModules(but string) []string {
	return slices.DeleteFunc(emulator.OptionalModules(), func(m string) bool { return m == but })
}

// TestMissingModuleData checks that what a missing module adds to other answers is left
// out, not an error.
func TestMissingModuleData(t *testing.T) {
	tests := []struct {
		module string
		check  func(t *testing.T, c *client)
	}{
		{"tags", func(t *testing.T, c *client) {
			if emb := obj(c.get("/api/conversations/1?embed=threads,tags")["_embedded"]); emb["tags"] != nil || emb["threads"] == nil {
				t.Errorf("embed=threads,tags: _embedded keys %v", slices.Sorted(mapKeys(emb)))
			}
			if all, tagged := len(c.allConversations("")), len(c.allConversations("tag=vip")); all != tagged {
				t.Errorf("the tag filter is not ignored: %d of %d", tagged, all)
			}
		}},
		{"timetracking", func(t *testing.T, c *client) {
			if conv := c.get("/api/conversations/1?embed=timelogs"); conv["_embedded"] != nil { // nothing is embedded
				t.Errorf("embed=timelogs: _embedded %v", conv["_embedded"])
			}
			for _, conv := range c.allConversations("embed=timelogs,threads") {
				if _, has := obj(conv["_embedded"])["timelogs"]; has {
					t.Fatalf("list item %v embeds timelogs", conv["id"])
				}
			}
		}},
		{"customfields", func(t *testing.T, c *client) {
			if _, has := c.get("/api/conversations/1")["customFields"]; has {
				t.Error("conversation 1 has customFields")
			}
			for _, conv := range c.allConversations("") {
				if _, has := conv["customFields"]; has {
					t.Fatalf("list item %v has customFields", conv["id"])
				}
			}
			// a new conversation's customFields are unknown, so ignored rather than checked
			_, created := c.createObject("/api/conversations", map[string]any{"type": "email", "mailboxId": 1, "subject": "No fields",
				"customer": map[string]any{"email": "nofields@example.org"}, "threads": []any{map[string]any{"type": "customer", "text": "Hi"}},
				"customFields": []any{map[string]any{"id": 999, "value": "x"}}})
			if _, has := created["customFields"]; has || created["id"] == nil {
				t.Errorf("created conversation = %v", created)
			}
		}},
		{"crm", func(t *testing.T, c *client) {
			if _, has := c.get("/api/customers/1")["customerFields"]; has {
				t.Error("customer 1 has customerFields")
			}
			_, created := c.createObject("/api/customers", map[string]any{"firstName": "No", "lastName": "Fields", "email": "nofields@example.org"})
			if _, has := created["customerFields"]; has || created["id"] == nil {
				t.Errorf("created customer = %v", created)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			tt.check(t, newClientWith(t, emulator.Options{APIKey: apiKey, WithoutModules: []string{tt.module}}))
		})
	}
	if got, want := len(tests), len(emulator.OptionalModules()); got != want {
		t.Errorf("%d modules tested, %d optional", got, want)
	}
}

func mapKeys(m map[string]any) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestShapesWithoutModules compares the conversation and customer answers of an install
// without any optional module, current and old, with the reference: only the modules' keys
// are missing.
func TestShapesWithoutModules(t *testing.T) {
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			without := emulator.OptionalModules()
			c := newClientWith(t, emulator.Options{APIKey: apiKey, ModuleVersion: version, WithoutModules: without})
			rules := rulesFor(version, without...)
			tests := []struct {
				file  string
				paths []string
			}{
				{"get_conversation.json", []string{"/api/conversations/1?embed=threads,timelogs,tags", "/api/conversations/2?embed=threads,timelogs,tags"}},
				{"list_conversations.json", []string{"/api/conversations?embed=threads,tags,timelogs&pageSize=1000&" + allStatuses}},
				{"get_customer.json", []string{"/api/customers/1", "/api/customers/2", "/api/customers/3"}},
			}
			for _, tt := range tests {
				s := loadShapeWith(t, tt.file, rules)
				for _, p := range tt.paths {
					s.check(t, fmt.Sprintf("%s (%s)", p, tt.file), decodeAny(t, c.expect(http.StatusOK, http.MethodGet, p, nil).body))
				}
			}
		})
	}
}

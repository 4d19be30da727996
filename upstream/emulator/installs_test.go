package emulator_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// TestLaravelErrors: an emulator with LaravelErrors answers validation errors as some
// installs do, 422 with Laravel's errors object keyed by dotted paths; other errors, and
// every answer of an emulator without it, keep FreeScout's documented form.
func TestLaravelErrors(t *testing.T) {
	bad := map[string]any{
		"type": "email", "mailboxId": 1, "subject": "",
		"customer": map[string]any{"email": "not-an-address"},
		"threads":  []any{map[string]any{"type": "message", "text": "hi", "user": 99999}},
	}
	documented := newClient(t).expect(http.StatusBadRequest, http.MethodPost, "/api/conversations", bad).json(t)
	var want map[string][]string
	for _, e := range documented["_embedded"].(map[string]any)["errors"].([]any) {
		f := e.(map[string]any)
		if want == nil {
			want = map[string][]string{}
		}
		path := f["path"].(string)
		dotted := ""
		for _, r := range path {
			switch r {
			case '[':
				dotted += "."
			case ']':
			default:
				dotted += string(r)
			}
		}
		want[dotted] = append(want[dotted], f["message"].(string))
	}
	if len(want) < 3 {
		t.Fatalf("the documented answer has %d failing fields, want several: %v", len(want), documented)
	}

	c := newClientWith(t, emulator.Options{APIKey: apiKey, LaravelErrors: true})
	before := len(c.allConversations("status=active,pending,closed,spam"))
	res := c.expect(http.StatusUnprocessableEntity, http.MethodPost, "/api/conversations", bad)
	var got struct {
		Message string              `json:"message"`
		Errors  map[string][]string `json:"errors"`
		Other   json.RawMessage     `json:"_embedded"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Message != "The given data was invalid." || !reflect.DeepEqual(got.Errors, want) || got.Other != nil {
		t.Errorf("laravel answer %s\nwant errors %v", res.body, want)
	}
	if n, _ := strconv.Atoi(res.header.Get("Content-Length")); n != len(res.body) {
		t.Errorf("Content-Length %q for a body of %d bytes", res.header.Get("Content-Length"), len(res.body))
	}
	// Not validation errors: as documented.
	if body := c.expect(http.StatusNotFound, http.MethodGet, "/api/conversations/99999", nil).json(t); body["message"] != "Not found" {
		t.Errorf("404 under LaravelErrors: %v", body)
	}
	noTags := newClientWith(t, emulator.Options{APIKey: apiKey, LaravelErrors: true, WithoutModules: []string{"tags"}})
	if body := noTags.expect(http.StatusBadRequest, http.MethodGet, "/api/tags", nil).json(t); body["errorCode"] != "BAD REQUEST" {
		t.Errorf("module missing under LaravelErrors: %v", body)
	}
	// A write answered so wrote nothing, as any validation error.
	if after := len(c.allConversations("status=active,pending,closed,spam")); after != before {
		t.Errorf("conversations: %d, then %d", before, after)
	}
}

// TestFaultRelay: a landed fault with Relay passes the real answer on, changed: a create
// answered 200 without Resource-ID still carries its object, and it was made.
func TestFaultRelay(t *testing.T) {
	c := newClient(t)
	c.em.InjectFault("POST /api/customers", emulator.Fault{Land: true, Relay: true, Status: http.StatusOK, DropHeaders: []string{"Resource-ID"}, Times: 1})
	res := c.expect(http.StatusOK, http.MethodPost, "/api/customers", map[string]any{"firstName": "Relayed", "email": "relayed@example.org"})
	if id := res.header.Get("Resource-ID"); id != "" {
		t.Errorf("Resource-ID %q survived", id)
	}
	body := res.json(t)
	id := int(body["id"].(float64))
	if got := c.get("/api/customers/" + strconv.Itoa(id)); got["firstName"] != "Relayed" {
		t.Errorf("the relayed create did not land: %v", got)
	}
	c.em.InjectFault("POST /api/customers", emulator.Fault{Land: true, Relay: true, Body: "{}", Times: 1})
	res = c.expect(http.StatusCreated, http.MethodPost, "/api/customers", map[string]any{"firstName": "Bodiless"})
	if string(res.body) != "{}" || res.header.Get("Resource-ID") == "" {
		t.Errorf("a relayed answer with another body: %s, Resource-ID %q", res.body, res.header.Get("Resource-ID"))
	}
}

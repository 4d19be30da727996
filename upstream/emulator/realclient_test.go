package emulator_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The tests in this file pin what the reference's "What real clients show" says real
// installs do beyond (and against) the docs. The 201 bodies, the dates and the list items'
// threadsCount are in shape_test.go, the webhook list in webhooks_test.go.

// firstConversation returns the id of the first conversation the list query finds.
func (c *client) firstConversation(query string) int {
	c.t.Helper()
	list := items(c.t, c.get("/api/conversations?pageSize=1&"+query), "conversations")
	if len(list) == 0 {
		c.t.Fatalf("no conversation for %s", query)
	}
	return num(list[0]["id"])
}

func TestOrdinaryThreadsHaveNoActionType(t *testing.T) {
	c := newClient(t)
	for _, conv := range c.allConversations("embed=threads") {
		for _, th := range threadsOf(conv) {
			if a := obj(th["action"]); a == nil || a["type"] != "" || a["text"] != "" {
				t.Fatalf("conversation %v thread %v (%v): action %v", conv["id"], th["id"], th["type"], th["action"])
			}
		}
	}
}

func TestUpdateAddsLineItems(t *testing.T) {
	c := newClient(t)
	id := c.firstConversation("status=active&mailboxId=1&assignedTo=")
	path := fmt.Sprintf("/api/conversations/%d", id)
	before := c.get(path)
	count := num(before["threadsCount"])
	// the members' order is the order of the changes (a raw body: encoding a map sorts keys)
	c.expect(http.StatusNoContent, http.MethodPut, path,
		`{"status":"closed","byUser":1,"assignTo":3,"customerId":9,"mailboxId":2,"subject":"Moved"}`)
	after := c.get(path)
	if num(after["threadsCount"]) != count+4 || after["preview"] != before["preview"] || after["subject"] != "Moved" {
		t.Errorf("threadsCount %v (was %d), preview %q (was %q), subject %v", after["threadsCount"], count, after["preview"], before["preview"], after["subject"])
	}
	customer := c.get("/api/customers/9")
	customerName := str(customer["firstName"]) + " " + str(customer["lastName"])
	want := []struct{ action, text, status string }{ // newest first: the reverse of the body's order
		{"moved-from-mailbox", "Olivia Bennett moved conversation from another mailbox", "closed"},
		{"changed-ticket-customer", "Olivia Bennett changed the customer to " + customerName, "closed"},
		{"changed-ticket-assignee", "Olivia Bennett assigned to Sofia Alvarez", "closed"},
		{"changed-ticket-status", "Olivia Bennett marked as Closed", "closed"},
	}
	threads := threadsOf(after)
	for i, w := range want {
		th := threads[i]
		a := obj(th["action"])
		if th["type"] != "lineitem" || a["type"] != w.action || a["text"] != w.text || th["status"] != w.status || th["state"] != "published" ||
			num(obj(th["createdBy"])["id"]) != 1 || obj(th["createdBy"])["type"] != "user" || th["body"] != "" {
			t.Errorf("line item %d = %v, want %+v by user 1", i, th, w)
		}
	}
	if a := obj(threads[1]["action"]); num(obj(threads[1]["customer"])["id"]) != 9 || a == nil {
		t.Errorf("customer line item's customer = %v", threads[1]["customer"])
	}
	if num(obj(threads[2]["assignedTo"])["id"]) != 3 {
		t.Errorf("assignee line item's assignedTo = %v", threads[2]["assignedTo"])
	}
	if threads[4]["type"] == "lineitem" {
		t.Errorf("a fifth line item: %v", threads[4])
	}

	t.Run("unassigning is recorded too", func(t *testing.T) {
		c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{"byUser": 2, "assignTo": nil})
		th := threadsOf(c.get(path))[0]
		if a := obj(th["action"]); a["type"] != "changed-ticket-assignee" || a["text"] != "Marcus Chen assigned to anyone" || th["assignedTo"] != nil {
			t.Errorf("unassign line item = %v", th)
		}
	})
	t.Run("no change, no line item", func(t *testing.T) {
		n := num(c.get(path)["threadsCount"])
		c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{"byUser": 1, "status": "closed", "mailboxId": 2, "customerId": 9, "subject": "Again"})
		if got := c.get(path); num(got["threadsCount"]) != n || got["subject"] != "Again" {
			t.Errorf("threadsCount %v, want %d; subject %v", got["threadsCount"], n, got["subject"])
		}
	})
	t.Run("a customer change without byUser", func(t *testing.T) {
		c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{"customerId": 8})
		th := threadsOf(c.get(path))[0]
		if a := obj(th["action"]); a["type"] != "changed-ticket-customer" || !strings.HasPrefix(str(a["text"]), "Changed the customer to ") || th["createdBy"] != nil {
			t.Errorf("line item = %v", th)
		}
	})
}

// TestUpdateChecksByUserOnlyForChanges: byUser is required, and checked, only when the status,
// the assignee or the mailbox changes.
func TestUpdateChecksByUserOnlyForChanges(t *testing.T) {
	c := newClient(t)
	id := c.firstConversation("status=pending&mailboxId=1&assignedTo=2")
	path := fmt.Sprintf("/api/conversations/%d", id)
	tests := []struct {
		name string
		body map[string]any
		want []string // error paths; nil: 204
	}{
		{"same status without byUser", map[string]any{"status": "pending"}, nil},
		{"same assignee without byUser", map[string]any{"assignTo": 2}, nil},
		{"same mailbox without byUser", map[string]any{"mailboxId": 1}, nil},
		{"unknown byUser and no change", map[string]any{"byUser": 999, "status": "pending", "subject": "Kept"}, nil},
		{"new status without byUser", map[string]any{"status": "active"}, []string{"byUser"}},
		{"new assignee without byUser", map[string]any{"assignTo": 3}, []string{"byUser"}},
		{"unassign without byUser", map[string]any{"assignTo": nil}, []string{"byUser"}},
		{"new mailbox without byUser", map[string]any{"mailboxId": 2}, []string{"byUser"}},
		{"new status by an unknown user", map[string]any{"byUser": 999, "status": "active"}, []string{"byUser"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(http.MethodPut, path, tt.body)
			if tt.want == nil {
				if res.status != http.StatusNoContent {
					t.Fatalf("status %d: %s", res.status, res.body)
				}
				return
			}
			if paths := errorPaths(t, res); !slices.Equal(paths, tt.want) {
				t.Errorf("error paths = %v, want %v", paths, tt.want)
			}
		})
	}
	if got := c.get(path); got["status"] != "pending" || num(obj(got["assignee"])["id"]) != 2 || num(got["mailboxId"]) != 1 || got["subject"] != "Kept" {
		t.Errorf("after the updates: status %v assignee %v mailbox %v subject %v", got["status"], got["assignee"], got["mailboxId"], got["subject"])
	}
}

func TestCreateThreadTo(t *testing.T) {
	c := newClient(t)
	id := c.firstConversation("status=active&mailboxId=1")
	path := fmt.Sprintf("/api/conversations/%d/threads", id)
	tests := []struct {
		name string
		body map[string]any
		to   []string
	}{
		{"explicit recipients", map[string]any{"type": "message", "text": "Hi", "user": 1,
			"to": []string{"first@example.org", "second@example.org"}, "cc": []string{"cc@example.org"}, "bcc": []string{"bcc@example.org"}},
			[]string{"first@example.org", "second@example.org"}},
		{"a reply defaults to the customer", map[string]any{"type": "message", "text": "Hi", "user": 1}, nil},
	}
	customerEmail := str(obj(c.get(fmt.Sprintf("/api/conversations/%d", id))["customer"])["email"])
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tid := c.create(path, tt.body)
			th := threadsOf(c.get(fmt.Sprintf("/api/conversations/%d", id)))[0]
			want := tt.to
			if want == nil {
				want = []string{customerEmail}
			}
			if num(th["id"]) != tid || fmt.Sprint(th["to"]) != fmt.Sprint(want) {
				t.Errorf("thread %v to = %v, want %v", th["id"], th["to"], want)
			}
			if tt.body["cc"] != nil && (fmt.Sprint(th["cc"]) != "[cc@example.org]" || fmt.Sprint(th["bcc"]) != "[bcc@example.org]") {
				t.Errorf("cc %v bcc %v", th["cc"], th["bcc"])
			}
		})
	}
	if paths := errorPaths(t, c.do(http.MethodPost, path, map[string]any{"type": "message", "text": "Hi", "user": 1, "to": []string{"nope"}})); !slices.Equal(paths, []string{"to[0]"}) {
		t.Errorf("invalid to: %v", paths)
	}
}

func TestCreateConversationDraftThreads(t *testing.T) {
	c := newClient(t)
	base := func(threads ...any) map[string]any {
		return map[string]any{"type": "email", "mailboxId": 1, "subject": "Draft", "customer": map[string]any{"email": "draft@example.org"}, "threads": threads}
	}
	t.Run("a draft reply beside a published customer thread", func(t *testing.T) {
		id := c.create("/api/conversations", base(
			map[string]any{"type": "message", "text": "Not sent yet", "user": 1, "state": "draft"},
			map[string]any{"type": "customer", "text": "Hello"}))
		conv := c.get(fmt.Sprintf("/api/conversations/%d", id))
		threads := threadsOf(conv)
		if conv["state"] != "published" || threads[0]["state"] != "draft" || threads[1]["state"] != "published" {
			t.Errorf("conversation %v, threads %v / %v", conv["state"], threads[0]["state"], threads[1]["state"])
		}
		if w := obj(conv["customerWaitingSince"]); w["latestReplyFrom"] != "customer" {
			t.Errorf("a draft counts as a reply: %v", w)
		}
	})
	t.Run("only drafts: a draft conversation", func(t *testing.T) {
		id := c.create("/api/conversations", base(map[string]any{"type": "message", "text": "Draft", "user": 1, "state": "draft"}))
		conv := c.get(fmt.Sprintf("/api/conversations/%d", id))
		drafts := items(t, c.get("/api/mailboxes/1/folders"), "folders")
		folder := 0
		for _, f := range drafts {
			if f["name"] == "Drafts" {
				folder = num(f["id"])
			}
		}
		if conv["state"] != "draft" || num(conv["folderId"]) != folder {
			t.Errorf("state %v folder %v, want draft in Drafts (%d)", conv["state"], conv["folderId"], folder)
		}
	})
	t.Run("an unknown state", func(t *testing.T) {
		paths := errorPaths(t, c.do(http.MethodPost, "/api/conversations", base(map[string]any{"type": "customer", "text": "x", "state": "sent"})))
		if !slices.Equal(paths, []string{"threads[0].state"}) {
			t.Errorf("paths %v", paths)
		}
	})
}

func TestCreateCustomerEmail(t *testing.T) {
	c := newClient(t)
	emailsOf := func(id int) []string {
		var out []string
		for _, e := range obj(c.get(fmt.Sprintf("/api/customers/%d", id))["_embedded"])["emails"].([]any) {
			out = append(out, str(obj(e)["value"]))
		}
		return out
	}
	tests := []struct {
		name string
		body map[string]any
		want []string
	}{
		{"email alone", map[string]any{"firstName": "Solo", "email": "solo@example.org"}, []string{"solo@example.org"}},
		{"email first, then emails", map[string]any{"email": "one@example.org", "emails": []any{map[string]any{"value": "two@example.org"}}},
			[]string{"one@example.org", "two@example.org"}},
		{"email repeated in emails", map[string]any{"email": "Three@example.org", "emails": []any{map[string]any{"value": "three@example.org", "type": "home"}}},
			[]string{"three@example.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := emailsOf(c.create("/api/customers", tt.body)); !slices.Equal(got, tt.want) {
				t.Errorf("emails = %v, want %v", got, tt.want)
			}
		})
	}
	if res := c.do(http.MethodPost, "/api/customers", map[string]any{"email": "solo@example.org"}); res.status != http.StatusConflict {
		t.Errorf("existing email: status %d", res.status)
	}
	if paths := errorPaths(t, c.do(http.MethodPost, "/api/customers", map[string]any{"email": "not-an-email"})); !slices.Equal(paths, []string{"email"}) {
		t.Errorf("invalid email: %v", paths)
	}
}

// TestPhoneLookupMatchesDigits: a phone lookup matches the digits only, as a substring.
func TestPhoneLookupMatchesDigits(t *testing.T) {
	c := newClient(t)
	id := c.create("/api/customers", map[string]any{"firstName": "Phoebe", "lastName": "Dial", "email": "phoebe@example.org",
		"phones": []any{map[string]any{"value": "+1 (555) 010-4477", "type": "work"}}})
	conv := c.create("/api/conversations", map[string]any{"type": "phone", "mailboxId": 3, "subject": "Call back",
		"customer": map[string]any{"id": id}, "threads": []any{map[string]any{"type": "note", "text": "Called", "user": 1}}})
	tests := []struct {
		lookup string
		found  bool
	}{
		{"+1 (555) 010-4477", true},
		{"15550104477", true},
		{"555-010", true},
		{"0104477", true},
		{"4477", true},
		{"555 4477", false},
		{"+44 555 010", false},
		{"phone", false},
	}
	for _, tt := range tests {
		t.Run(tt.lookup, func(t *testing.T) {
			customers := ids(items(t, c.get("/api/customers?pageSize=100&phone="+url.QueryEscape(tt.lookup)), "customers"))
			if slices.Contains(customers, id) != tt.found {
				t.Errorf("GET /api/customers?phone=: %v, want customer %d found: %v", customers, id, tt.found)
			}
			convs := ids(c.allConversations("customerPhone=" + url.QueryEscape(tt.lookup)))
			if slices.Contains(convs, conv) != tt.found {
				t.Errorf("customerPhone filter: %v, want conversation %d found: %v", convs, conv, tt.found)
			}
		})
	}
}

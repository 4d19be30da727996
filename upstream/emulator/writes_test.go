package emulator_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// fieldsByID maps a conversation's customFields (or a customer's customerFields) by id.
func fieldsByID(list any) map[int]map[string]any {
	out := map[int]map[string]any{}
	for _, f := range list.([]any) {
		out[num(obj(f)["id"])] = obj(f)
	}
	return out
}

func threadsOf(conv map[string]any) []map[string]any {
	var out []map[string]any
	for _, th := range obj(conv["_embedded"])["threads"].([]any) {
		out = append(out, obj(th))
	}
	return out
}

func TestCreateConversation(t *testing.T) {
	c := newClient(t)
	field := c.fieldIDs(1)
	vendor, priority, amount, purchased := field("Vendor"), field("Priority"), field("Amount"), field("Purchase Date")
	_, before, _, _ := page(t, c.get("/api/customers?pageSize=1"))
	id := c.create("/api/conversations", map[string]any{
		"type": "email", "mailboxId": 1, "subject": "Hi there",
		"customer": map[string]any{"email": "mark@example.org"},
		"threads": []any{
			map[string]any{"text": "This is the message from a user", "type": "message", "user": 2},
			map[string]any{"text": "This is the note from a user", "type": "note", "user": 2},
			map[string]any{"text": "This is the message from a customer", "type": "customer", "cc": []string{"antony@example.org"},
				"customer": map[string]any{"email": "mark@example.org", "firstName": "Mark"}},
		},
		"imported": true, "assignTo": 3, "status": "pending",
		"customFields": []any{map[string]any{"id": vendor, "value": "SoftwareOne"}, map[string]any{"id": priority, "value": 3},
			map[string]any{"id": amount, "value": 42}, map[string]any{"id": purchased, "value": "2025-03-15"}},
		"createdAt": "2020-03-16T14:07:23Z",
	})
	if id != 241 {
		t.Errorf("new conversation id = %d, want 241", id)
	}
	conv := c.get(fmt.Sprintf("/api/conversations/%d", id))
	checks := map[string][2]any{
		"subject":      {conv["subject"], "Hi there"},
		"status":       {conv["status"], "pending"},
		"state":        {conv["state"], "published"},
		"number":       {num(conv["number"]), 1241},
		"threadsCount": {num(conv["threadsCount"]), 3},
		"mailboxId":    {num(conv["mailboxId"]), 1},
		"assignee":     {num(obj(conv["assignee"])["id"]), 3},
		"customer":     {str(obj(conv["customer"])["email"]), "mark@example.org"},
		"createdAt":    {conv["createdAt"], "2020-03-16T14:07:23Z"},
		"createdBy":    {fmt.Sprint(obj(conv["createdBy"])["type"], " ", obj(conv["createdBy"])["email"]), "customer mark@example.org"},
		"cc":           {fmt.Sprint(conv["cc"]), "[antony@example.org]"},
		"closedAt":     {conv["closedAt"], nil},
		"source":       {fmt.Sprint(obj(conv["source"])["type"], " ", obj(conv["source"])["via"]), "api customer"},
	}
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %v, want %v", name, v[0], v[1])
		}
	}
	threads := threadsOf(conv)
	if len(threads) != 3 || threads[0]["body"] != "This is the message from a user" || threads[2]["type"] != "customer" {
		t.Errorf("threads not stored newest first as sent: %v", threads)
	}
	if cb := obj(threads[0]["createdBy"]); cb["type"] != "user" || num(cb["id"]) != 2 {
		t.Errorf("message thread createdBy = %v", cb)
	}
	fields := fieldsByID(conv["customFields"])
	for fid, want := range map[int][2]string{vendor: {"SoftwareOne", ""}, priority: {"3", "High"}, amount: {"42", ""}, purchased: {"2025-03-15", ""}} {
		if f := fields[fid]; f == nil || f["value"] != want[0] || f["text"] != want[1] {
			t.Errorf("custom field %d = %v, want value %q text %q", fid, f, want[0], want[1])
		}
	}
	_, after, _, _ := page(t, c.get("/api/customers?pageSize=1"))
	if after != before+1 {
		t.Errorf("customers: %d then %d; the new email should create one customer", before, after)
	}

	t.Run("customer matched by email, then by id", func(t *testing.T) {
		first := c.get("/api/customers/1")
		email := str(obj(obj(first["_embedded"])["emails"].([]any)[1])["value"]) // the second address
		for _, ref := range []map[string]any{{"email": strings.ToUpper(email)}, {"id": 1, "email": "ignored@example.org"}} {
			id := c.create("/api/conversations", map[string]any{
				"type": "chat", "mailboxId": 2, "subject": "Matched", "customer": ref,
				"threads": []any{map[string]any{"type": "customer", "text": "Hello"}},
			})
			conv := c.get(fmt.Sprintf("/api/conversations/%d", id))
			if num(obj(conv["customer"])["id"]) != 1 || conv["status"] != "active" {
				t.Errorf("customer ref %v: customer %v, status %v", ref, conv["customer"], conv["status"])
			}
		}
		_, now, _, _ := page(t, c.get("/api/customers?pageSize=1"))
		if now != after {
			t.Errorf("matching created a customer")
		}
	})
	t.Run("imported closed conversation", func(t *testing.T) {
		id := c.create("/api/conversations", map[string]any{
			"type": "phone", "mailboxId": 3, "subject": "Call", "customer": map[string]any{"firstName": "Walk-in"},
			"threads":  []any{map[string]any{"type": "note", "text": "Called", "user": 7}},
			"imported": true, "status": "closed", "createdAt": "2024-01-02T03:04:05Z", "closedAt": "2024-01-03T03:04:05Z",
		})
		conv := c.get(fmt.Sprintf("/api/conversations/%d", id))
		if conv["closedAt"] != "2024-01-03T03:04:05Z" || num(conv["closedBy"]) != 7 || num(obj(conv["closedByUser"])["id"]) != 7 {
			t.Errorf("closed conversation: closedAt %v closedBy %v closedByUser %v", conv["closedAt"], conv["closedBy"], conv["closedByUser"])
		}
		if cb := obj(conv["createdBy"]); cb["type"] != "user" || num(cb["id"]) != 7 {
			t.Errorf("createdBy = %v", cb)
		}
		if cu := obj(conv["customer"]); cu["firstName"] != "Walk-in" || cu["email"] != nil {
			t.Errorf("phone customer = %v", cu)
		}
	})
}

func TestCreateConversationValidation(t *testing.T) {
	c := newClient(t)
	priority, currency := c.fieldIDs(1)("Priority"), c.fieldIDs(2)("Currency")
	valid := func() map[string]any {
		return map[string]any{
			"type": "email", "mailboxId": 1, "subject": "S", "customer": map[string]any{"email": "x@example.org"},
			"threads": []any{map[string]any{"type": "customer", "text": "T"}},
		}
	}
	with := func(key string, v any) map[string]any {
		b := valid()
		if v == nil {
			delete(b, key)
		} else {
			b[key] = v
		}
		return b
	}
	tests := []struct {
		name string
		body any
		want []string
	}{
		{"empty body", map[string]any{}, []string{"type", "mailboxId", "subject", "customer", "threads"}},
		{"empty subject and wrong status", with("status", "Wrong"), []string{"status"}},
		{"blank subject", with("subject", "  "), []string{"subject"}},
		{"bad type", with("type", "fax"), []string{"type"}},
		{"unknown mailbox", with("mailboxId", 99), []string{"mailboxId"}},
		{"customer without id or email", with("customer", map[string]any{"firstName": "A"}), []string{"customer.email"}},
		{"unknown customer id", with("customer", map[string]any{"id": 999}), []string{"customer.id"}},
		{"no threads", with("threads", []any{}), []string{"threads"}},
		{"message without user", with("threads", []any{map[string]any{"type": "message", "text": "T"}}), []string{"threads[0].user"}},
		{"unknown user", with("threads", []any{map[string]any{"type": "note", "text": "T", "user": 99}}), []string{"threads[0].user"}},
		{"thread without text", with("threads", []any{map[string]any{"type": "customer"}}), []string{"threads[0].text"}},
		{"unknown assignee", with("assignTo", 99), []string{"assignTo"}},
		{"bad createdAt", with("createdAt", "yesterday"), []string{"createdAt"}},
		{"custom field of another mailbox", with("customFields", []any{map[string]any{"id": currency, "value": "1"}}), []string{"customFields[0].id"}},
		{"bad dropdown value", with("customFields", []any{map[string]any{"id": priority, "value": 9}}), []string{"customFields[0].value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := errorPaths(t, c.do(http.MethodPost, "/api/conversations", tt.body))
			if !slices.Equal(paths, tt.want) {
				t.Errorf("error paths = %v, want %v", paths, tt.want)
			}
		})
	}
	t.Run("rejected value is echoed", func(t *testing.T) {
		res := c.do(http.MethodPost, "/api/conversations", with("status", "Wrong"))
		e := items(t, res.json(t), "errors")[0]
		if e["rejectedValue"] != "Wrong" || e["source"] != "JSON" || !strings.HasPrefix(str(e["message"]), "Expected one of these: 'active'") {
			t.Errorf("error = %v", e)
		}
	})
	t.Run("nothing was created", func(t *testing.T) {
		if _, total, _, _ := page(t, c.get("/api/conversations?"+allStatuses)); total != 240 {
			t.Errorf("%d conversations after failed creates", total)
		}
	})
}

func TestInvalidJSONBody(t *testing.T) {
	c := newClient(t)
	for _, body := range []string{"{", "[1,2]", `"text"`, "null"} {
		for _, target := range [][2]string{{http.MethodPost, "/api/conversations"}, {http.MethodPut, "/api/conversations/1"}, {http.MethodPost, "/api/customers"}} {
			if res := c.do(target[0], target[1], body); res.status != http.StatusBadRequest || res.json(t)["errorCode"] != "BAD REQUEST" {
				t.Errorf("%s %s with %q: status %d %s", target[0], target[1], body, res.status, res.body)
			}
		}
	}
}

func TestUpdateConversation(t *testing.T) {
	c := newClient(t)
	conv := c.get("/api/conversations?status=active&pageSize=1&mailboxId=1")
	id := num(items(t, conv, "conversations")[0]["id"])
	path := fmt.Sprintf("/api/conversations/%d", id)

	t.Run("byUser is required for status, assignTo and mailboxId", func(t *testing.T) {
		for _, body := range []map[string]any{{"status": "closed"}, {"assignTo": 2}, {"mailboxId": 2}} {
			if paths := errorPaths(t, c.do(http.MethodPut, path, body)); !slices.Equal(paths, []string{"byUser"}) {
				t.Errorf("%v: error paths = %v", body, paths)
			}
		}
	})
	t.Run("invalid values", func(t *testing.T) {
		tests := []struct {
			body map[string]any
			want []string
		}{
			{map[string]any{"byUser": 1, "status": "open-ish"}, []string{"status"}},
			{map[string]any{"byUser": 99, "status": "closed"}, []string{"byUser"}},
			{map[string]any{"byUser": 1, "assignTo": 99}, []string{"assignTo"}},
			{map[string]any{"byUser": 1, "mailboxId": 99}, []string{"mailboxId"}},
			{map[string]any{"customerId": 999}, []string{"customerId"}},
			{map[string]any{"subject": ""}, []string{"subject"}},
		}
		for _, tt := range tests {
			if paths := errorPaths(t, c.do(http.MethodPut, path, tt.body)); !slices.Equal(paths, tt.want) {
				t.Errorf("%v: error paths = %v, want %v", tt.body, paths, tt.want)
			}
		}
	})
	t.Run("close, reassign, move, rename", func(t *testing.T) {
		res := c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{
			"byUser": 1, "status": "closed", "assignTo": 2, "mailboxId": 2, "customerId": 9, "subject": 0,
		})
		if len(res.body) != 0 {
			t.Errorf("204 with a body: %s", res.body)
		}
		got := c.get(path)
		if got["status"] != "closed" || num(got["closedBy"]) != 1 || got["closedAt"] == nil ||
			num(obj(got["assignee"])["id"]) != 2 || num(got["mailboxId"]) != 2 ||
			num(obj(got["customer"])["id"]) != 9 || got["subject"] != "0" || got["userUpdatedAt"] == nil {
			t.Errorf("after update: %v", got)
		}
		for _, f := range got["customFields"].([]any) {
			if fid := num(obj(f)["id"]); fid < 7 || fid > 12 {
				t.Errorf("field %d of the old mailbox kept after the move", fid)
			}
		}
	})
	t.Run("reopen and unassign", func(t *testing.T) {
		c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{"byUser": 1, "status": "active", "assignTo": nil})
		got := c.get(path)
		if got["status"] != "active" || got["closedAt"] != nil || got["closedBy"] != nil || got["assignee"] != nil {
			t.Errorf("after reopen: %v", got)
		}
	})
	t.Run("unknown conversation", func(t *testing.T) {
		c.expect(http.StatusNotFound, http.MethodPut, "/api/conversations/9999", map[string]any{"subject": "x"})
	})
}

func TestDeleteConversation(t *testing.T) {
	c := newClient(t)
	res := c.expect(http.StatusNoContent, http.MethodDelete, "/api/conversations/12", nil)
	if len(res.body) != 0 {
		t.Errorf("204 with a body: %s", res.body)
	}
	body := c.expect(http.StatusNotFound, http.MethodGet, "/api/conversations/12", nil).json(t)
	if body["message"] != "Not found" || body["errorCode"] != nil {
		t.Errorf("404 body = %v", body)
	}
	c.expect(http.StatusNotFound, http.MethodDelete, "/api/conversations/12", nil)
	c.expect(http.StatusNotFound, http.MethodGet, "/api/conversations/12/timelogs", nil)
	if _, total, _, _ := page(t, c.get("/api/conversations?"+allStatuses)); total != 239 {
		t.Errorf("%d conversations after delete", total)
	}
}

func TestUpdateCustomFields(t *testing.T) {
	c := newClient(t)
	// a Support conversation, with a field of every type
	field := c.fieldIDs(1)
	priority, product, vendor, comments, purchased, amount := field("Priority"), field("Product"), field("Vendor"),
		field("Comments"), field("Purchase Date"), field("Amount")
	currency := c.fieldIDs(2)("Currency")
	id := num(items(t, c.get("/api/conversations?mailboxId=1&pageSize=1&"+allStatuses), "conversations")[0]["id"])
	path := fmt.Sprintf("/api/conversations/%d", id)
	put := func(fields ...any) response {
		return c.do(http.MethodPut, path+"/custom_fields", map[string]any{"customFields": fields})
	}
	f := func(id int, v any) map[string]any { return map[string]any{"id": id, "value": v} }

	if res := put(f(priority, 2), f(vendor, "AWS Marketplace"), f(comments, "line one\nline two"), f(purchased, "2025-02-28"), f(amount, 12.5)); res.status != http.StatusNoContent {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if res := put(f(product, "4"), f(amount, "13")); res.status != http.StatusNoContent { // merge: others stay
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	fields := fieldsByID(c.get(path)["customFields"])
	want := map[int][2]string{priority: {"2", "Medium"}, product: {"4", "Integrations"}, vendor: {"AWS Marketplace", ""},
		comments: {"line one\nline two", ""}, purchased: {"2025-02-28", ""}, amount: {"13", ""}}
	for fid, w := range want {
		if got := fields[fid]; got == nil || got["value"] != w[0] || got["text"] != w[1] {
			t.Errorf("field %d = %v, want value %q text %q", fid, got, w[0], w[1])
		}
	}
	if put(f(vendor, "")).status != http.StatusNoContent {
		t.Fatal("clearing a field failed")
	}
	if _, ok := fieldsByID(c.get(path)["customFields"])[vendor]; ok {
		t.Errorf("field %d not cleared by an empty value", vendor)
	}

	tests := []struct {
		name  string
		field map[string]any
		path  string
	}{
		{"dropdown option that does not exist", f(priority, 9), "customFields[0].value"},
		{"dropdown label instead of id", f(priority, "High"), "customFields[0].value"},
		{"dropdown fraction", f(priority, 2.5), "customFields[0].value"},
		{"date not ISO", f(purchased, "03/15/2025"), "customFields[0].value"},
		{"date that does not exist", f(purchased, "2025-02-30"), "customFields[0].value"},
		{"date with a time", f(purchased, "2025-02-28T10:00:00Z"), "customFields[0].value"},
		{"number given text", f(amount, "twelve"), "customFields[0].value"},
		{"number given NaN", f(amount, "NaN"), "customFields[0].value"},
		{"number given a boolean", f(amount, true), "customFields[0].value"},
		{"singleline given an object", f(vendor, map[string]any{"a": 1}), "customFields[0].value"},
		{"singleline too long", f(vendor, strings.Repeat("x", 256)), "customFields[0].value"},
		{"field of another mailbox", f(currency, "1"), "customFields[0].id"},
		{"unknown field", f(999, "1"), "customFields[0].id"},
		{"field without id", map[string]any{"value": "1"}, "customFields[0].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := errorPaths(t, put(f(priority, 3), tt.field))
			if want := strings.Replace(tt.path, "[0]", "[1]", 1); !slices.Equal(paths, []string{want}) {
				t.Errorf("error paths = %v, want [%s]", paths, want)
			}
		})
	}
	if got := fieldsByID(c.get(path)["customFields"])[priority]; got["value"] != "2" {
		t.Errorf("a rejected update changed Priority to %v", got["value"])
	}
	if paths := errorPaths(t, c.do(http.MethodPut, path+"/custom_fields", map[string]any{})); !slices.Equal(paths, []string{"customFields"}) {
		t.Errorf("missing customFields: paths %v", paths)
	}
	c.expect(http.StatusNotFound, http.MethodPut, "/api/conversations/9999/custom_fields", map[string]any{"customFields": []any{}})
}

func tagCounters(t *testing.T, c *client) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tg := range items(t, c.get("/api/tags?pageSize=1000"), "tags") {
		out[str(tg["name"])] = num(tg["counter"])
	}
	return out
}

func TestUpdateTags(t *testing.T) {
	c := newClient(t)
	before := tagCounters(t, c)
	if _, ok := before["brand-new"]; ok {
		t.Fatal("sample data already has the tag")
	}
	const id = 20
	path := fmt.Sprintf("/api/conversations/%d/tags", id)
	old := items(t, c.get(fmt.Sprintf("/api/tags?conversationId=%d", id)), "tags")

	c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{"tags": []string{"legacy", "brand-new", "Brand-New"}})
	got := items(t, c.get(fmt.Sprintf("/api/tags?conversationId=%d", id)), "tags")
	var names []string
	for _, tg := range got {
		names = append(names, str(tg["name"]))
	}
	if !slices.Equal(names, []string{"legacy", "brand-new"}) {
		t.Errorf("tags = %v", names)
	}
	after := tagCounters(t, c)
	if after["brand-new"] != 1 || after["legacy"] != before["legacy"]+1 {
		t.Errorf("counters: brand-new %d, legacy %d (was %d)", after["brand-new"], after["legacy"], before["legacy"])
	}
	for _, tg := range old {
		if n := str(tg["name"]); after[n] != before[n]-1 {
			t.Errorf("removed tag %s: counter %d, was %d", n, after[n], before[n])
		}
	}
	conv := c.get(fmt.Sprintf("/api/conversations/%d?embed=tags", id))
	if tags := obj(conv["_embedded"])["tags"].([]any); len(tags) != 2 {
		t.Errorf("embedded tags = %v", tags)
	}
	if list := items(t, c.get(fmt.Sprintf("/api/conversations?tag=brand-new&%s", allStatuses)), "conversations"); len(list) != 1 || num(list[0]["id"]) != id {
		t.Errorf("tag filter finds %v", ids(list))
	}

	c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{"tags": []string{}})
	if got := items(t, c.get(fmt.Sprintf("/api/tags?conversationId=%d", id)), "tags"); len(got) != 0 {
		t.Errorf("tags after clearing: %v", got)
	}
	if after := tagCounters(t, c); after["brand-new"] != 0 {
		t.Errorf("brand-new counter %d after clearing", after["brand-new"])
	}
	if paths := errorPaths(t, c.do(http.MethodPut, path, map[string]any{})); !slices.Equal(paths, []string{"tags"}) {
		t.Errorf("missing tags: %v", paths)
	}
	if paths := errorPaths(t, c.do(http.MethodPut, path, map[string]any{"tags": []any{"ok", ""}})); !slices.Equal(paths, []string{"tags[1]"}) {
		t.Errorf("empty tag name: %v", paths)
	}
	c.expect(http.StatusNotFound, http.MethodPut, "/api/conversations/9999/tags", map[string]any{"tags": []string{"x"}})
}

func TestCreateThread(t *testing.T) {
	c := newClient(t)
	pending := num(items(t, c.get("/api/conversations?status=pending&pageSize=1"), "conversations")[0]["id"])
	active := num(items(t, c.get("/api/conversations?status=active&pageSize=1&mailboxId=1"), "conversations")[0]["id"])
	path := func(id int) string { return fmt.Sprintf("/api/conversations/%d", id) }

	tests := []struct {
		name       string
		conv       int
		body       map[string]any
		wantStatus string
	}{
		{"customer reply reactivates", pending, map[string]any{"type": "customer", "text": "Any news?", "customer": map[string]any{"id": 3}}, "active"},
		{"user reply makes pending", active, map[string]any{"type": "message", "text": "Done.", "user": 1}, "pending"},
		{"note changes nothing", active, map[string]any{"type": "note", "text": "FYI", "user": 2}, "pending"},
		{"explicit status wins", active, map[string]any{"type": "message", "text": "Closing.", "user": 1, "status": "closed",
			"cc": []string{"anna@example.org"}, "attachments": []any{
				map[string]any{"fileName": "file.txt", "mimeType": "text/plain", "data": "ZmlsZQ=="},
				map[string]any{"fileName": "file2.txt", "mimeType": "text/plain", "fileUrl": "https://example.org/uploads/file2.txt"},
			}}, "closed"},
		{"draft reply keeps status", pending, map[string]any{"type": "message", "text": "Draft", "user": 1, "state": "draft"}, "active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := num(c.get(path(tt.conv))["threadsCount"])
			tid := c.create(path(tt.conv)+"/threads", tt.body)
			conv := c.get(path(tt.conv))
			if conv["status"] != tt.wantStatus {
				t.Errorf("status = %v, want %s", conv["status"], tt.wantStatus)
			}
			if num(conv["threadsCount"]) != before+1 {
				t.Errorf("threadsCount = %v, want %d", conv["threadsCount"], before+1)
			}
			newest := threadsOf(conv)[0]
			if num(newest["id"]) != tid || newest["body"] != tt.body["text"] || newest["type"] != tt.body["type"] {
				t.Errorf("newest thread = %v", newest)
			}
			if tt.body["attachments"] != nil {
				atts := obj(newest["_embedded"])["attachments"].([]any)
				if len(atts) != 2 || num(obj(atts[0])["size"]) != 4 || obj(atts[1])["fileUrl"] != "https://example.org/uploads/file2.txt" {
					t.Errorf("attachments = %v", atts)
				}
				if conv["closedAt"] == nil || num(conv["closedBy"]) != 1 {
					t.Errorf("closed by the thread: closedAt %v closedBy %v", conv["closedAt"], conv["closedBy"])
				}
			}
		})
	}
	t.Run("validation", func(t *testing.T) {
		tests := []struct {
			body map[string]any
			want []string
		}{
			{map[string]any{}, []string{"type", "text"}},
			{map[string]any{"type": "customer", "text": "x"}, []string{"customer"}},
			{map[string]any{"type": "message", "text": "x"}, []string{"user"}},
			{map[string]any{"type": "reply", "text": "x"}, []string{"type"}},
			{map[string]any{"type": "note", "text": "x", "user": 1, "state": "gone"}, []string{"state"}},
			{map[string]any{"type": "note", "text": "x", "user": 1, "cc": []string{"not-an-email"}}, []string{"cc[0]"}},
			{map[string]any{"type": "note", "text": "x", "user": 1, "attachments": []any{map[string]any{"fileName": "a", "data": "%%%"}}}, []string{"attachments[0].data"}},
			{map[string]any{"type": "note", "text": "x", "user": 1, "attachments": []any{map[string]any{"fileName": "a"}}}, []string{"attachments[0].data"}},
		}
		for _, tt := range tests {
			if paths := errorPaths(t, c.do(http.MethodPost, path(active)+"/threads", tt.body)); !slices.Equal(paths, tt.want) {
				t.Errorf("%v: error paths = %v, want %v", tt.body, paths, tt.want)
			}
		}
		c.expect(http.StatusNotFound, http.MethodPost, "/api/conversations/9999/threads", map[string]any{"type": "note", "text": "x", "user": 1})
	})
}

func TestTimelogs(t *testing.T) {
	c := newClient(t)
	for _, conv := range c.allConversations("embed=timelogs") {
		embedded := obj(conv["_embedded"])["timelogs"].([]any)
		if len(embedded) < 2 {
			continue
		}
		body := c.get(fmt.Sprintf("/api/conversations/%v/timelogs?pageSize=1", conv["id"]))
		_, total, pages, _ := page(t, body)
		if total != len(embedded) || pages != total {
			t.Errorf("timelogs page: total %d pages %d, embedded %d", total, pages, len(embedded))
		}
		first := items(t, body, "timelogs")[0]
		if num(first["id"]) != num(obj(embedded[0])["id"]) || str(first["createdAt"]) < str(obj(embedded[1])["createdAt"]) {
			t.Errorf("timelogs not newest first: %v", embedded) // their date format: see TestShapesMatchReference
		}
		return
	}
	t.Fatal("no sample conversation has two timelogs")
}

func TestCustomers(t *testing.T) {
	c := newClient(t)
	full := map[string]any{
		"firstName": "Mark", "lastName": "Morrison", "phone": "777-777-777", "photoUrl": "https://example.org/upload/customer.jpg",
		"jobTitle": "Secretary", "photoType": "unknown", "notes": "Nothing special to say", "company": "Example, Inc",
		"address":        map[string]any{"city": "LA", "state": "California", "zip": "123123", "country": "US", "address": "1419 Westwood Blvd"},
		"emails":         []any{map[string]any{"value": "mark@example.org", "type": "home"}},
		"phones":         []any{map[string]any{"value": "777-777-777", "type": "home"}},
		"socialProfiles": []any{map[string]any{"value": "@markexample", "type": "twitter"}},
		"websites":       []any{map[string]any{"value": "https://example.org"}},
	}
	id := c.create("/api/customers", full)
	path := fmt.Sprintf("/api/customers/%d", id)
	cu := c.get(path)
	emb := obj(cu["_embedded"])
	if cu["firstName"] != "Mark" || cu["company"] != "Example, Inc" || obj(emb["address"])["city"] != "LA" ||
		len(emb["phones"].([]any)) != 1 || num(obj(emb["phones"].([]any)[0])["id"]) != 0 ||
		num(obj(emb["emails"].([]any)[0])["id"]) <= 0 || len(cu["customerFields"].([]any)) != 0 {
		t.Errorf("created customer = %v", cu)
	}
	if list := items(t, c.get("/api/customers?email=MARK%40example.org"), "customers"); len(list) != 1 || num(list[0]["id"]) != id {
		t.Errorf("email filter: %v", ids(list))
	} else if _, has := list[0]["customerFields"]; has {
		t.Error("list items carry customerFields")
	}

	t.Run("duplicate email is a conflict", func(t *testing.T) {
		res := c.expect(http.StatusConflict, http.MethodPost, "/api/customers", map[string]any{"emails": []any{map[string]any{"value": "Mark@example.org"}}})
		if res.json(t)["errorCode"] != "CONFLICT" {
			t.Errorf("409 body: %s", res.body)
		}
	})
	t.Run("validation", func(t *testing.T) {
		tests := []struct {
			body map[string]any
			want []string
		}{
			{map[string]any{"firstName": strings.Repeat("x", 41)}, []string{"firstName"}},
			{map[string]any{"photoType": "polaroid"}, []string{"photoType"}},
			{map[string]any{"emails": []any{map[string]any{"value": "nope"}}}, []string{"emails[0].value"}},
			{map[string]any{"emails": []any{map[string]any{"value": "a@example.org", "type": "pager"}}}, []string{"emails[0].type"}},
			{map[string]any{"address": map[string]any{"country": "USA"}}, []string{"address.country"}},
		}
		for _, tt := range tests {
			if paths := errorPaths(t, c.do(http.MethodPost, "/api/customers", tt.body)); !slices.Equal(paths, tt.want) {
				t.Errorf("%v: paths %v, want %v", tt.body, paths, tt.want)
			}
		}
	})
	t.Run("update replaces or adds emails", func(t *testing.T) {
		c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{"emails_add": []string{"mark.new1@example.org"}, "jobTitle": "Director"})
		emails := func() []string {
			var out []string
			for _, e := range obj(c.get(path)["_embedded"])["emails"].([]any) {
				out = append(out, str(obj(e)["value"]))
			}
			return out
		}
		if got := emails(); !slices.Equal(got, []string{"mark@example.org", "mark.new1@example.org"}) {
			t.Errorf("after emails_add: %v", got)
		}
		c.expect(http.StatusNoContent, http.MethodPut, path, map[string]any{
			"emails": []string{"admin@example.org", "mark@example.org"}, "emails_add": []string{"ignored@example.org"},
		})
		if got := emails(); !slices.Equal(got, []string{"admin@example.org", "mark@example.org"}) {
			t.Errorf("after emails: %v", got)
		}
		if got := c.get(path); got["jobTitle"] != "Director" || got["firstName"] != "Mark" {
			t.Errorf("partial update: %v", got)
		}
		c.expect(http.StatusConflict, http.MethodPut, "/api/customers/2", map[string]any{"emails_add": []string{"admin@example.org"}})
		c.expect(http.StatusNotFound, http.MethodPut, "/api/customers/9999", map[string]any{"firstName": "X"})
	})
	t.Run("customer fields", func(t *testing.T) {
		put := func(fields ...any) response {
			return c.do(http.MethodPut, path+"/customer_fields", map[string]any{"customerFields": fields})
		}
		c.expect(http.StatusNoContent, http.MethodPut, path+"/customer_fields", map[string]any{"customerFields": []any{
			map[string]any{"id": 11, "value": 25}, map[string]any{"id": 2, "value": "1"},
		}})
		if res := put(map[string]any{"id": 4, "value": 5}); res.status != http.StatusNoContent {
			t.Fatalf("status %d", res.status)
		}
		fields := fieldsByID(c.get(path)["customerFields"])
		for fid, w := range map[int][2]string{11: {"25", ""}, 2: {"1", "Male"}, 4: {"5", "Platinum"}} {
			if f := fields[fid]; f == nil || f["value"] != w[0] || f["text"] != w[1] || str(f["name"]) == "" {
				t.Errorf("field %d = %v", fid, f)
			}
		}
		for _, bad := range []map[string]any{{"id": 2, "value": 9}, {"id": 11, "value": "old"}, {"id": 13, "value": "1990-02-31"}, {"id": 99, "value": "x"}} {
			if res := put(bad); res.status != http.StatusBadRequest {
				t.Errorf("%v: status %d", bad, res.status)
			}
		}
		c.expect(http.StatusNotFound, http.MethodPut, "/api/customers/9999/customer_fields", map[string]any{"customerFields": []any{}})
	})
	t.Run("list filters and sorting", func(t *testing.T) {
		list := items(t, c.get("/api/customers?sortField=firstName&sortOrder=asc&pageSize=100"), "customers")
		for i := 1; i < len(list); i++ {
			if strings.ToLower(str(list[i-1]["firstName"])) > strings.ToLower(str(list[i]["firstName"])) {
				t.Fatalf("not sorted by firstName: %v then %v", list[i-1]["firstName"], list[i]["firstName"])
			}
		}
		if got := items(t, c.get("/api/customers?firstName=mark&lastName=MORRISON"), "customers"); len(got) != 1 {
			t.Errorf("name filter: %v", ids(got))
		}
		if got := items(t, c.get("/api/customers?phone="+url.QueryEscape("(777) 777-777")), "customers"); len(got) != 1 {
			t.Errorf("phone filter: %v", ids(got))
		}
		if got := items(t, c.get("/api/customers?updatedSince=2025-11-04T00-00-00Z"), "customers"); len(got) != 1 || num(got[0]["id"]) != id {
			t.Errorf("updatedSince: %v", ids(got))
		}
		c.expect(http.StatusNotFound, http.MethodGet, "/api/customers/9999", nil)
	})
}

func TestUsers(t *testing.T) {
	c := newClient(t)
	id := c.create("/api/users", map[string]any{
		"firstName": "John", "lastName": "Doe", "email": "johndoe@example.org", "password": "123456789",
		"alternateEmails": "johndoe777@example.org", "jobTitle": "Support agent", "phone": "777-777-777",
		"timezone": "Europe/Paris", "photoUrl": "https://example.org/upload/customer.jpg",
	})
	u := c.get(fmt.Sprintf("/api/users/%d", id))
	if u["role"] != "user" || u["email"] != "johndoe@example.org" || u["timezone"] != "Europe/Paris" || u["password"] != nil {
		t.Errorf("created user = %v", u)
	}
	if got := items(t, c.get("/api/mailboxes?userId="+fmt.Sprint(id)), "mailboxes"); len(got) != 0 {
		t.Errorf("a new user has access to %v", ids(got))
	}
	if got := items(t, c.get("/api/users?email=JOHNDOE%40example.org"), "users"); len(got) != 1 {
		t.Errorf("email filter: %v", ids(got))
	}
	c.expect(http.StatusConflict, http.MethodPost, "/api/users", map[string]any{"firstName": "J", "lastName": "D", "email": "johndoe@example.org"})
	if paths := errorPaths(t, c.do(http.MethodPost, "/api/users", map[string]any{"email": "bad"})); !slices.Equal(paths, []string{"firstName", "lastName", "email"}) {
		t.Errorf("paths %v", paths)
	}

	t.Run("delete reassigns per mailbox", func(t *testing.T) {
		// user 2 works in Support (1) and Billing (2)
		assigned := func(user, mailbox int) []int {
			return ids(c.allConversations(fmt.Sprintf("assignedTo=%d&mailboxId=%d", user, mailbox)))
		}
		support, billing := assigned(2, 1), assigned(2, 2)
		if len(support) == 0 || len(billing) == 0 {
			t.Fatal("user 2 has no conversations in both mailboxes")
		}
		before6 := assigned(6, 2)
		if paths := errorPaths(t, c.do(http.MethodDelete, "/api/users/2", nil)); !slices.Equal(paths, []string{"byUserId"}) {
			t.Errorf("without byUserId: %v", paths)
		}
		if paths := errorPaths(t, c.do(http.MethodDelete, "/api/users/2?byUserId=1&assignTo[2]=99", nil)); !slices.Equal(paths, []string{"assignTo[2]"}) {
			t.Errorf("unknown assignee: %v", paths)
		}
		// the reference's encoded form: assignTo=assignTo%5B2%5D%3D6
		c.expect(http.StatusNoContent, http.MethodDelete, "/api/users/2?byUserId=1&assignTo="+url.QueryEscape("assignTo[2]=6"), nil)
		if got := assigned(6, 2); len(got) != len(before6)+len(billing) {
			t.Errorf("user 6 has %d Billing conversations, want %d", len(got), len(before6)+len(billing))
		}
		for _, cid := range support {
			if conv := c.get(fmt.Sprintf("/api/conversations/%d", cid)); conv["assignee"] != nil {
				t.Errorf("conversation %d still assigned: %v", cid, conv["assignee"])
			}
		}
		c.expect(http.StatusNotFound, http.MethodGet, "/api/users/2", nil)
		c.expect(http.StatusNotFound, http.MethodDelete, "/api/users/2?byUserId=1", nil)
		if got := items(t, c.get("/api/mailboxes?userId=2"), "mailboxes"); len(got) != 0 {
			t.Errorf("deleted user keeps mailboxes %v", ids(got))
		}
		for _, f := range items(t, c.get("/api/mailboxes/1/folders"), "folders") {
			if num(f["userId"]) == 2 {
				t.Errorf("deleted user's folder %v still listed", f)
			}
		}
		// the bracket form
		support4 := assigned(4, 1)
		c.expect(http.StatusNoContent, http.MethodDelete, "/api/users/4?byUserId=1&assignTo[1]=3&assignTo[3]=7", nil)
		for _, cid := range support4 {
			if conv := c.get(fmt.Sprintf("/api/conversations/%d", cid)); num(obj(conv["assignee"])["id"]) != 3 {
				t.Errorf("conversation %d assignee %v, want 3", cid, conv["assignee"])
			}
		}
	})
}

func TestMailboxes(t *testing.T) {
	c := newClient(t)
	tests := []struct {
		query string
		want  []int
	}{
		{"", []int{1, 2, 3}},
		{"?userId=1", []int{1, 2, 3}},
		{"?userId=5", []int{2}},
		{"?userId=7", []int{1, 3}}, // Support and Sales
		{"?userId=15", []int{1}},
		{"?userId=33", []int{1, 2}},
		{"?userId=99", []int{}},
		{"?pageSize=2&page=2", []int{3}},
	}
	for _, tt := range tests {
		if got := ids(items(t, c.get("/api/mailboxes"+tt.query), "mailboxes")); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
		}
	}
	c.expect(http.StatusNotFound, http.MethodGet, "/api/mailboxes/9/custom_fields", nil)
	c.expect(http.StatusNotFound, http.MethodGet, "/api/mailboxes/9/folders", nil)
	folders := items(t, c.get("/api/mailboxes/2/folders?userId=5"), "folders")
	for _, f := range folders {
		if u := f["userId"]; u != nil && num(u) != 5 {
			t.Errorf("userId=5 lists folder of user %v", u)
		}
	}
	if len(folders) != 8 {
		t.Errorf("userId=5: %d folders, want 6 shared + Mine + Starred", len(folders))
	}
	if got := items(t, c.get("/api/mailboxes/1/folders?folderId=4"), "folders"); len(got) != 1 || got[0]["name"] != "Closed" {
		t.Errorf("folderId=4: %v", got)
	}
}

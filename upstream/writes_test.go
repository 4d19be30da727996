package upstream_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// fieldValues maps a conversation's or customer's field values by id to "value|text".
func fieldValues(fs []upstream.CustomFieldValue) map[int]string {
	out := map[int]string{}
	for _, f := range fs {
		out[f.ID] = string(f.Value) + "|" + string(f.Text)
	}
	return out
}

// assertJSONBody checks that the last request carried exactly want as its JSON body.
func assertJSONBody(t *testing.T, req seenRequest, want string) {
	t.Helper()
	if got := string(req.Body); got != want {
		t.Errorf("%s %s body:\n got %s\nwant %s", req.Method, req.URL.Path, got, want)
	}
	if ct := req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestConversationCreate(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	priority, vendor, amount := fieldID(t, e.client, 1, "Priority"), fieldID(t, e.client, 1, "Vendor"), fieldID(t, e.client, 1, "Amount")
	imported := true
	createdAt := upstream.NewTime(utc(2024, 5, 1, 10, 0, 0))
	closedAt := upstream.NewTime(utc(2024, 5, 2, 8, 30, 0))
	tests := []struct {
		name  string
		in    upstream.NewConversation
		check func(t *testing.T, c *upstream.Conversation)
	}{
		{
			name: "email with threads, custom fields and assignee",
			in: upstream.NewConversation{
				Type: "email", MailboxID: 1, Subject: "Printer on fire",
				Customer: upstream.CustomerRef{Email: "new.person@example.org", FirstName: "New", LastName: "Person"},
				Threads: []upstream.NewThread{
					{Type: "message", Text: "We are on it.", User: 2},
					{Type: "customer", Text: "My printer is on fire.", Cc: []string{"boss@example.org"}, Bcc: []string{"audit@example.org"}},
				},
				Imported: &imported, AssignTo: 2, Status: "pending",
				CustomFields: []upstream.CustomFieldWrite{{ID: priority, Value: 3}, {ID: vendor, Value: "SoftwareOne"}, {ID: amount, Value: 12}},
				CreatedAt:    &createdAt,
			},
			check: func(t *testing.T, c *upstream.Conversation) {
				if c.Type != "email" || c.MailboxID != 1 || c.Subject != "Printer on fire" || c.Status != "pending" || c.State != "published" {
					t.Errorf("conversation = %+v", c)
				}
				if c.Assignee == nil || c.Assignee.ID != 2 {
					t.Errorf("assignee = %+v", c.Assignee)
				}
				if c.Customer == nil || c.Customer.Email != "new.person@example.org" || c.Customer.FirstName != "New" || c.Customer.LastName != "Person" {
					t.Errorf("customer = %+v", c.Customer)
				}
				if !c.CreatedAt.Equal(createdAt.Time) {
					t.Errorf("createdAt = %v, want %v", c.CreatedAt, createdAt)
				}
				if c.ThreadsCount != 2 || len(c.Embedded.Threads) != 2 || c.Embedded.Threads[0].Type != "message" || c.Embedded.Threads[1].Type != "customer" {
					t.Fatalf("threads = %+v", c.Embedded.Threads)
				}
				if th := c.Embedded.Threads[0]; th.CreatedBy == nil || th.CreatedBy.Type != "user" || th.CreatedBy.ID != 2 || th.Body != "We are on it." {
					t.Errorf("newest thread = %+v", th)
				}
				if !slices.Contains(c.Cc, "boss@example.org") || !slices.Contains(c.Bcc, "audit@example.org") {
					t.Errorf("cc %v bcc %v", c.Cc, c.Bcc)
				}
				want := map[int]string{priority: "3|High", vendor: "SoftwareOne|", amount: "12|"}
				if got := fieldValues(c.CustomFields); !mapsEqual(got, want) {
					t.Errorf("custom fields = %v, want %v", got, want)
				}
			},
		},
		{
			name: "closed import with closedAt",
			in: upstream.NewConversation{
				Type: "email", MailboxID: 2, Subject: "Old invoice",
				Customer: upstream.CustomerRef{ID: 1},
				Threads:  []upstream.NewThread{{Type: "note", Text: "Imported from the old system", User: 5}},
				Imported: &imported, Status: "closed", CreatedAt: &createdAt, ClosedAt: &closedAt,
			},
			check: func(t *testing.T, c *upstream.Conversation) {
				if c.Status != "closed" || !c.ClosedAt.Equal(closedAt.Time) || c.Customer == nil || c.Customer.ID != 1 || c.MailboxID != 2 {
					t.Errorf("status %s closedAt %v customer %+v mailbox %d", c.Status, c.ClosedAt, c.Customer, c.MailboxID)
				}
			},
		},
		{
			name: "phone conversation with a customer named by first name",
			in: upstream.NewConversation{
				Type: "phone", MailboxID: 3, Subject: "Call back",
				Customer: upstream.CustomerRef{FirstName: "Caller", Phone: "+1 555 0100"},
				Threads:  []upstream.NewThread{{Type: "message", Text: "Called, no answer.", User: 4}},
			},
			check: func(t *testing.T, c *upstream.Conversation) {
				if c.Type != "phone" || c.Customer == nil || c.Customer.FirstName != "Caller" || c.Status != "active" {
					t.Errorf("type %s customer %+v status %s", c.Type, c.Customer, c.Status)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _, err := e.client.Conversations.Create(t.Context(), &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(tt.in)
			assertJSONBody(t, e.rec.last(t), string(want))
			c, err := e.client.Conversations.Get(t.Context(), id, upstream.EmbedThreads)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != id {
				t.Errorf("created id %d, got conversation %d", id, c.ID)
			}
			tt.check(t, c)
		})
	}

	t.Run("validation error", func(t *testing.T) {
		_, _, err := e.client.Conversations.Create(t.Context(), &upstream.NewConversation{
			Type: "fax", MailboxID: 1, Customer: upstream.CustomerRef{Email: "x@example.org"},
			Threads: []upstream.NewThread{{Type: "message", Text: "hi", User: 2}}, AssignTo: 999,
		})
		var ue *upstream.Error
		if !errors.Is(err, upstream.ErrBadRequest) || !errors.As(err, &ue) {
			t.Fatalf("err = %v, want a bad request", err)
		}
		paths := map[string]upstream.FieldError{}
		for _, f := range ue.Fields {
			paths[f.Path] = f
		}
		if f := paths["type"]; f.RejectedValue != "fax" || !strings.Contains(f.Message, "Expected one of these") || f.Source != "JSON" {
			t.Errorf("type error = %+v", f)
		}
		if f := paths["subject"]; f.Message != "may not be empty" || f.RejectedValue != "" { // sent as ""
			t.Errorf("subject error = %+v", f)
		}
		if f := paths["assignTo"]; f.RejectedValue != float64(999) {
			t.Errorf("assignTo error = %+v", f)
		}
		if ue.Code != "BAD REQUEST" || ue.Message != "Bad request" {
			t.Errorf("error = %+v", ue)
		}
	})
}

func mapsEqual(a, b map[int]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestConversationUpdateDeleteFieldsTags(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()
	newConv := func(t *testing.T, mailbox int) int {
		t.Helper()
		id, _, err := e.client.Conversations.Create(ctx, &upstream.NewConversation{
			Type: "email", MailboxID: mailbox, Subject: "Fixture", Customer: upstream.CustomerRef{ID: 2},
			Threads: []upstream.NewThread{{Type: "customer", Text: "Hello"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	t.Run("update", func(t *testing.T) {
		id := newConv(t, 1)
		priority := fieldID(t, e.client, 1, "Priority")
		if err := e.client.Conversations.UpdateCustomFields(ctx, id, []upstream.CustomFieldWrite{{ID: priority, Value: 2}}); err != nil {
			t.Fatal(err)
		}
		in := &upstream.ConversationUpdate{ByUser: ptr(1), Status: ptr("closed"), AssignTo: ptr(5), MailboxID: ptr(2), CustomerID: ptr(7), Subject: ptr("Moved to billing")}
		if err := e.client.Conversations.Update(ctx, id, in); err != nil {
			t.Fatal(err)
		}
		// FreeScout applies the changes in key order: the documented one.
		req := e.rec.last(t)
		assertJSONBody(t, req, `{"byUser":1,"status":"closed","assignTo":5,"mailboxId":2,"customerId":7,"subject":"Moved to billing"}`)
		if req.Method != http.MethodPut || req.URL.Path != "/api/conversations/"+fmtInt(id) {
			t.Errorf("request %s %s", req.Method, req.URL.Path)
		}
		c, err := e.client.Conversations.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != "closed" || c.ClosedAt.IsZero() || c.ClosedBy != 1 || c.Assignee == nil || c.Assignee.ID != 5 ||
			c.MailboxID != 2 || c.Customer == nil || c.Customer.ID != 7 || c.Subject != "Moved to billing" {
			t.Errorf("after update: %+v", c)
		}
		if len(c.CustomFields) != 0 {
			t.Errorf("fields of the old mailbox stayed: %+v", c.CustomFields)
		}

		// Only the given fields are sent; subject alone needs no byUser.
		if err := e.client.Conversations.Update(ctx, id, &upstream.ConversationUpdate{Subject: ptr("Again")}); err != nil {
			t.Fatal(err)
		}
		assertJSONBody(t, e.rec.last(t), `{"subject":"Again"}`)
		if err := e.client.Conversations.Update(ctx, id, &upstream.ConversationUpdate{Status: ptr("active")}); !errors.Is(err, upstream.ErrBadRequest) {
			t.Errorf("status without byUser: err = %v, want ErrBadRequest", err)
		}
		if err := e.client.Conversations.Update(ctx, 99999, &upstream.ConversationUpdate{Subject: ptr("x")}); !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("unknown conversation: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("custom fields", func(t *testing.T) {
		id := newConv(t, 2)
		fields := []upstream.CustomFieldWrite{{ID: 7, Value: 2}, {ID: 8, Value: 7}, {ID: 9, Value: 129.99}, {ID: 10, Value: "INV-1"}, {ID: 11, Value: "2025-01-31"}, {ID: 12, Value: "line 1\nline 2"}}
		if err := e.client.Conversations.UpdateCustomFields(ctx, id, fields); err != nil {
			t.Fatal(err)
		}
		assertJSONBody(t, e.rec.last(t), `{"customFields":[{"id":7,"value":2},{"id":8,"value":7},{"id":9,"value":129.99},{"id":10,"value":"INV-1"},{"id":11,"value":"2025-01-31"},{"id":12,"value":"line 1\nline 2"}]}`)
		c, err := e.client.Conversations.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{7: "2|EUR", 8: "7|Enterprise", 9: "129.99|", 10: "INV-1|", 11: "2025-01-31|", 12: "line 1\nline 2|"}
		if got := fieldValues(c.CustomFields); !mapsEqual(got, want) {
			t.Errorf("fields = %v, want %v", got, want)
		}
		// Several fields merge one by one; an invalid dropdown id is a field error.
		if err := e.client.Conversations.UpdateCustomFields(ctx, id, []upstream.CustomFieldWrite{{ID: 10, Value: "INV-2"}}); err != nil {
			t.Fatal(err)
		}
		err = e.client.Conversations.UpdateCustomFields(ctx, id, []upstream.CustomFieldWrite{{ID: 8, Value: 3}})
		var ue *upstream.Error
		if !errors.As(err, &ue) || !errors.Is(err, upstream.ErrBadRequest) || len(ue.Fields) != 1 || !strings.HasPrefix(ue.Fields[0].Path, "customFields[0]") || ue.Fields[0].RejectedValue != float64(3) {
			t.Errorf("invalid option: %v (%+v)", err, ue)
		}
		c, err = e.client.Conversations.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want[10] = "INV-2|"
		if got := fieldValues(c.CustomFields); !mapsEqual(got, want) {
			t.Errorf("fields after merge = %v, want %v", got, want)
		}
	})

	t.Run("tags", func(t *testing.T) {
		id := newConv(t, 1)
		before, _, err := e.client.Tags.List(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.client.Conversations.UpdateTags(ctx, id, []string{"vip", "brand-new-tag"}); err != nil {
			t.Fatal(err)
		}
		assertJSONBody(t, e.rec.last(t), `{"tags":["vip","brand-new-tag"]}`)
		tags, _, err := e.client.Tags.List(ctx, &upstream.TagListOptions{ConversationID: id})
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(tags))
		for i, tg := range tags {
			names[i] = tg.Name
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"brand-new-tag", "vip"}) {
			t.Errorf("tags = %v", names)
		}
		after, _, err := e.client.Tags.List(ctx, nil)
		if err != nil || len(after) != len(before)+1 {
			t.Errorf("tag count %d → %d (%v), want one new tag", len(before), len(after), err)
		}
		// nil clears every tag, sent as an empty list.
		if err := e.client.Conversations.UpdateTags(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
		assertJSONBody(t, e.rec.last(t), `{"tags":[]}`)
		tags, _, err = e.client.Tags.List(ctx, &upstream.TagListOptions{ConversationID: id})
		if err != nil || len(tags) != 0 {
			t.Errorf("tags after clearing = %v, %v", tags, err)
		}
	})

	t.Run("threads", func(t *testing.T) {
		id := newConv(t, 1)
		imported := true
		at := upstream.NewTime(utc(2023, 1, 2, 3, 4, 5))
		tests := []struct {
			name  string
			in    upstream.NewThread
			check func(t *testing.T, c *upstream.Conversation, th upstream.Thread)
		}{
			{"note", upstream.NewThread{Type: "note", Text: "Internal note", User: 3},
				func(t *testing.T, c *upstream.Conversation, th upstream.Thread) {
					if th.Type != "note" || th.Body != "Internal note" || th.CreatedBy == nil || th.CreatedBy.ID != 3 || c.Status != "active" {
						t.Errorf("thread %+v, status %s", th, c.Status)
					}
				}},
			{"reply makes pending", upstream.NewThread{Type: "message", Text: "Reply", User: 2, Cc: []string{"a@example.org"}, Bcc: []string{"b@example.org"}},
				func(t *testing.T, c *upstream.Conversation, th upstream.Thread) {
					if th.Type != "message" || c.Status != "pending" || !slices.Equal(th.Cc, []string{"a@example.org"}) || !slices.Equal(th.Bcc, []string{"b@example.org"}) {
						t.Errorf("thread %+v, status %s", th, c.Status)
					}
				}},
			{"customer reply with attachments and explicit status", upstream.NewThread{
				Type: "customer", Text: "Here you go", Customer: &upstream.CustomerRef{Email: "mark@example.org"},
				Status: "closed", State: "published",
				Attachments: []upstream.AttachmentUpload{
					{FileName: "file.txt", MimeType: "text/plain", Data: "ZmlsZQ=="},
					{FileName: "file2.txt", MimeType: "text/plain", FileURL: "https://example.org/uploads/file2.txt"},
				},
			}, func(t *testing.T, c *upstream.Conversation, th upstream.Thread) {
				a := th.Embedded.Attachments
				if c.Status != "closed" || len(a) != 2 || a[0].FileName != "file.txt" || a[0].Size != 4 || a[0].MimeType != "text/plain" ||
					a[1].FileURL != "https://example.org/uploads/file2.txt" || a[0].ID == 0 {
					t.Errorf("thread %+v, attachments %+v, status %s", th, a, c.Status)
				}
				if th.CreatedBy == nil || th.CreatedBy.Type != "customer" || th.CreatedBy.Email != "mark@example.org" {
					t.Errorf("createdBy = %+v", th.CreatedBy)
				}
			}},
			{"imported with createdAt", upstream.NewThread{Type: "note", Text: "Old", User: 1, Imported: &imported, CreatedAt: &at},
				func(t *testing.T, c *upstream.Conversation, th upstream.Thread) {
					if !th.CreatedAt.Equal(at.Time) {
						t.Errorf("createdAt = %v, want %v", th.CreatedAt, at)
					}
				}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, err := e.client.Conversations.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				thID, _, err := e.client.Conversations.CreateThread(ctx, id, &tt.in)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := json.Marshal(tt.in)
				assertJSONBody(t, e.rec.last(t), string(want))
				c, err := e.client.Conversations.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if c.ThreadsCount != before.ThreadsCount+1 || c.Embedded.Threads[0].ID != thID {
					t.Fatalf("threads %d → %d, newest %d, created %d", before.ThreadsCount, c.ThreadsCount, c.Embedded.Threads[0].ID, thID)
				}
				tt.check(t, c, c.Embedded.Threads[0])
			})
		}
		if _, _, err := e.client.Conversations.CreateThread(ctx, 99999, &upstream.NewThread{Type: "note", Text: "x", User: 1}); !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("thread on unknown conversation: %v", err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		id := newConv(t, 3)
		if err := e.client.Conversations.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if req := e.rec.last(t); req.Method != http.MethodDelete || req.URL.Path != "/api/conversations/"+fmtInt(id) || len(req.Body) != 0 {
			t.Errorf("request %s %s %q", req.Method, req.URL.Path, req.Body)
		}
		if _, err := e.client.Conversations.Get(ctx, id); !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("get after delete: %v", err)
		}
		if _, _, err := e.client.Conversations.ListTimelogs(ctx, id, nil); !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("timelogs after delete: %v", err)
		}
		if err := e.client.Conversations.Delete(ctx, id); !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
	})
}

func TestCustomerWrites(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()
	in := &upstream.NewCustomer{
		FirstName: "Mark", LastName: "Morrison", Phone: "777-777-777", PhotoURL: "https://example.org/upload/customer.jpg",
		JobTitle: "Secretary", PhotoType: "unknown", Notes: "Nothing special to say", Company: "Example, Inc",
		Address:        &upstream.AddressInput{City: "LA", State: "California", Zip: "123123", Country: "US", Address: "1419 Westwood Blvd"},
		Emails:         []upstream.EntryInput{{Value: "mark@example.org", Type: "home"}},
		Phones:         []upstream.EntryInput{{Value: "777-777-777", Type: "home"}},
		SocialProfiles: []upstream.EntryInput{{Value: "@markexample", Type: "twitter"}},
		Websites:       []upstream.EntryInput{{Value: "https://example.org"}},
	}
	id, _, err := e.client.Customers.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// The reference's example body, key for key.
	assertJSONBody(t, e.rec.last(t), `{"firstName":"Mark","lastName":"Morrison","phone":"777-777-777","photoUrl":"https://example.org/upload/customer.jpg","jobTitle":"Secretary","photoType":"unknown","address":{"city":"LA","state":"California","zip":"123123","country":"US","address":"1419 Westwood Blvd"},"notes":"Nothing special to say","company":"Example, Inc","emails":[{"value":"mark@example.org","type":"home"}],"phones":[{"value":"777-777-777","type":"home"}],"socialProfiles":[{"value":"@markexample","type":"twitter"}],"websites":[{"value":"https://example.org"}]}`)
	c, err := e.client.Customers.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	entries := func(es []upstream.Entry) string {
		var parts []string
		for _, e := range es {
			parts = append(parts, e.Value+"/"+e.Type)
		}
		return strings.Join(parts, ",")
	}
	em := c.Embedded
	if c.ID != id || c.FirstName != "Mark" || c.LastName != "Morrison" || c.Company != "Example, Inc" || c.JobTitle != "Secretary" ||
		c.PhotoType != "unknown" || c.PhotoURL != "https://example.org/upload/customer.jpg" || c.Notes != "Nothing special to say" ||
		entries(em.Emails) != "mark@example.org/home" || entries(em.Phones) != "777-777-777/home" ||
		entries(em.SocialProfiles) != "@markexample/twitter" || entries(em.Websites) != "https://example.org/" ||
		em.Address == nil || *em.Address.City != "LA" || *em.Address.Country != "US" || *em.Address.Address != "1419 Westwood Blvd" ||
		c.CreatedAt.IsZero() {
		t.Errorf("created customer = %+v, embedded %+v", c, em)
	}
	if em.Emails[0].ID == 0 {
		t.Error("email entries are numbered, got id 0")
	}

	t.Run("conflict", func(t *testing.T) {
		_, _, err := e.client.Customers.Create(ctx, &upstream.NewCustomer{FirstName: "Dup", Emails: []upstream.EntryInput{{Value: "MARK@example.org"}}})
		var ue *upstream.Error
		if !errors.Is(err, upstream.ErrConflict) || !errors.As(err, &ue) || ue.Code != "CONFLICT" || ue.StatusCode != 409 {
			t.Errorf("duplicate email: %v", err)
		}
	})

	t.Run("update", func(t *testing.T) {
		up := &upstream.CustomerUpdate{
			FirstName: ptr("Marcus"), Company: ptr("Other, Ltd"),
			Emails:    []string{"mark@example.org", "admin@example.org"},
			EmailsAdd: []string{"ignored@example.org"}, // no effect when emails is set
			Phones:    []upstream.EntryInput{{Value: "888-888-888", Type: "work"}},
			Websites:  []upstream.EntryInput{{Value: "https://example.com"}},
			Address:   &upstream.AddressInput{City: "Paris", Country: "FR"},
		}
		if err := e.client.Customers.Update(ctx, id, up); err != nil {
			t.Fatal(err)
		}
		assertJSONBody(t, e.rec.last(t), `{"firstName":"Marcus","address":{"city":"Paris","country":"FR"},"company":"Other, Ltd","emails":["mark@example.org","admin@example.org"],"emails_add":["ignored@example.org"],"phones":[{"value":"888-888-888","type":"work"}],"websites":[{"value":"https://example.com"}]}`)
		c, err := e.client.Customers.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		em := c.Embedded
		if c.FirstName != "Marcus" || c.LastName != "Morrison" || c.Company != "Other, Ltd" || c.Notes != "Nothing special to say" {
			t.Errorf("after update: %+v", c)
		}
		if got := entries(em.Emails); !strings.HasPrefix(got, "mark@example.org/home,admin@example.org/") || strings.Contains(got, "ignored") {
			t.Errorf("emails = %s", got)
		}
		if entries(em.Phones) != "888-888-888/work" || entries(em.Websites) != "https://example.com/" || *em.Address.City != "Paris" || em.Address.State != nil {
			t.Errorf("phones %s websites %s address %+v", entries(em.Phones), entries(em.Websites), em.Address)
		}
		// emails_add alone adds.
		if err := e.client.Customers.Update(ctx, id, &upstream.CustomerUpdate{EmailsAdd: []string{"mark.new1@example.org"}}); err != nil {
			t.Fatal(err)
		}
		c, err = e.client.Customers.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := entries(c.Embedded.Emails); !strings.Contains(got, "mark.new1@example.org") || !strings.Contains(got, "admin@example.org") {
			t.Errorf("emails after emails_add = %s", got)
		}
		if err := e.client.Customers.Update(ctx, 99999, &upstream.CustomerUpdate{Notes: ptr("x")}); !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("unknown customer: %v", err)
		}
	})

	t.Run("customer fields", func(t *testing.T) {
		age, gender, account := customerFieldID(t, e.client, "Age"), customerFieldID(t, e.client, "Gender"), customerFieldID(t, e.client, "Account ID")
		fields := []upstream.CustomerFieldWrite{{ID: age, Value: "30"}, {ID: gender, Value: "2"}, {ID: account, Value: "ACC-1"}}
		if err := e.client.Customers.UpdateFields(ctx, id, fields); err != nil {
			t.Fatal(err)
		}
		assertJSONBody(t, e.rec.last(t), fmt.Sprintf(`{"customerFields":[{"id":%d,"value":"30"},{"id":%d,"value":"2"},{"id":%d,"value":"ACC-1"}]}`, age, gender, account))
		c, err := e.client.Customers.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{age: "30|", gender: "2|Female", account: "ACC-1|"}
		if got := fieldValues(c.CustomerFields); !mapsEqual(got, want) {
			t.Errorf("customer fields = %v, want %v", got, want)
		}
		if err := e.client.Customers.UpdateFields(ctx, id, []upstream.CustomerFieldWrite{{ID: 999, Value: "x"}}); !errors.Is(err, upstream.ErrBadRequest) {
			t.Errorf("unknown field: %v", err)
		}
	})
}

func TestUserWrites(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()
	in := &upstream.NewUser{
		FirstName: "John", LastName: "Doe", Email: "johndoe@example.org", Password: "123456789",
		AlternateEmails: "johndoe777@example.org", JobTitle: "Support agent", Phone: "777-777-777",
		Timezone: "Europe/Paris", PhotoURL: "https://example.org/upload/customer.jpg",
	}
	id, _, err := e.client.Users.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	assertJSONBody(t, e.rec.last(t), `{"firstName":"John","lastName":"Doe","email":"johndoe@example.org","password":"123456789","alternateEmails":"johndoe777@example.org","jobTitle":"Support agent","phone":"777-777-777","timezone":"Europe/Paris","photoUrl":"https://example.org/upload/customer.jpg"}`)
	u, err := e.client.Users.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != id || u.FirstName != "John" || u.LastName != "Doe" || u.Email != "johndoe@example.org" || u.Role != "user" ||
		u.AlternateEmails != "johndoe777@example.org" || u.JobTitle != "Support agent" || u.Phone != "777-777-777" ||
		u.Timezone != "Europe/Paris" || u.PhotoURL != "https://example.org/upload/customer.jpg" || u.CreatedAt.IsZero() {
		t.Errorf("created user = %+v", u)
	}
	if _, _, err := e.client.Users.Create(ctx, in); !errors.Is(err, upstream.ErrConflict) {
		t.Errorf("duplicate user: %v", err)
	}
	if _, _, err := e.client.Users.Create(ctx, &upstream.NewUser{FirstName: "No", LastName: "Mail", Email: "not-an-address"}); !errors.Is(err, upstream.ErrBadRequest) {
		t.Errorf("invalid email: %v", err)
	}
	if _, err := e.client.Users.Get(ctx, 99999); !errors.Is(err, upstream.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestUserDelete(t *testing.T) {
	tests := []struct {
		name     string
		in       *upstream.UserDelete
		rawQuery string // exactly what goes on the wire
		reassign map[int]int
	}{
		{"reassign per mailbox", &upstream.UserDelete{ByUserID: 1, Reassign: map[int]int{2: 5, 1: 2}},
			"assignTo%5B1%5D=2&assignTo%5B2%5D=5&byUserId=1", map[int]int{1: 2, 2: 5}},
		{"unassign", &upstream.UserDelete{ByUserID: 1},
			"byUserId=1", map[int]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, emulator.Options{})
			ctx := t.Context()
			const victim = 6 // works in mailboxes 1 and 2
			before, _, err := e.client.Conversations.List(ctx, &upstream.ConversationListOptions{
				AssignedTo: victim, Statuses: allStatuses, ListOptions: upstream.ListOptions{PageSize: 1000},
			})
			if err != nil {
				t.Fatal(err)
			}
			mailboxes := map[int]bool{}
			for _, c := range before {
				mailboxes[c.MailboxID] = true
			}
			if !mailboxes[1] || !mailboxes[2] {
				t.Fatalf("user %d should hold conversations in mailboxes 1 and 2: %v", victim, mailboxes)
			}

			if err := e.client.Users.Delete(ctx, victim, tt.in); err != nil {
				t.Fatal(err)
			}
			req := e.rec.last(t)
			if req.Method != http.MethodDelete || req.URL.Path != "/api/users/6" || req.URL.RawQuery != tt.rawQuery {
				t.Errorf("request %s %s?%s, want query %s", req.Method, req.URL.Path, req.URL.RawQuery, tt.rawQuery)
			}
			for m, u := range tt.reassign {
				if got := req.URL.Query().Get("assignTo[" + fmtInt(m) + "]"); got != fmtInt(u) {
					t.Errorf("server reads assignTo[%d] = %q, want %d", m, got, u)
				}
			}

			if _, err := e.client.Users.Get(ctx, victim); !errors.Is(err, upstream.ErrNotFound) {
				t.Errorf("deleted user still readable: %v", err)
			}
			for _, old := range before {
				c, err := e.client.Conversations.Get(ctx, old.ID)
				if err != nil {
					t.Fatal(err)
				}
				want, reassigned := tt.reassign[c.MailboxID]
				switch {
				case reassigned && (c.Assignee == nil || c.Assignee.ID != want):
					t.Errorf("conversation %d (mailbox %d): assignee %+v, want %d", c.ID, c.MailboxID, c.Assignee, want)
				case !reassigned && c.Assignee != nil:
					t.Errorf("conversation %d (mailbox %d): assignee %+v, want none", c.ID, c.MailboxID, c.Assignee)
				}
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		e := newEnv(t, emulator.Options{})
		if err := e.client.Users.Delete(t.Context(), 6, nil); !errors.Is(err, upstream.ErrBadRequest) {
			t.Errorf("without byUserId: %v", err)
		}
		if q := e.rec.last(t).URL.RawQuery; q != "" {
			t.Errorf("nil UserDelete sent query %q", q)
		}
		err := e.client.Users.Delete(t.Context(), 6, &upstream.UserDelete{ByUserID: 1, Reassign: map[int]int{9: 2}})
		var ue *upstream.Error
		if !errors.As(err, &ue) || len(ue.Fields) != 1 || ue.Fields[0].Path != "assignTo[9]" {
			t.Errorf("unknown mailbox: %v", err)
		}
		if err := e.client.Users.Delete(t.Context(), 99999, &upstream.UserDelete{ByUserID: 1}); !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}
	})
}

func TestWebhooks(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()
	in := &upstream.NewWebhook{URL: "https://example.org/freescout", Events: []string{"convo.created", "customer.updated"}}
	id, _, err := e.client.Webhooks.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	assertJSONBody(t, e.rec.last(t), `{"url":"https://example.org/freescout","events":["convo.created","customer.updated"]}`)
	id2, _, err := e.client.Webhooks.Create(ctx, &upstream.NewWebhook{URL: "https://example.org/other", Events: []string{"convo.deleted"}})
	if err != nil || id2 == id {
		t.Fatalf("second webhook: id %d (first %d), %v", id2, id, err)
	}
	if err := e.client.Webhooks.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if req := e.rec.last(t); req.Method != http.MethodDelete || req.URL.Path != "/api/webhooks/"+fmtInt(id) {
		t.Errorf("request %s %s", req.Method, req.URL.Path)
	}
	if err := e.client.Webhooks.Delete(ctx, id); !errors.Is(err, upstream.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if err := e.client.Webhooks.Delete(ctx, id2); err != nil {
		t.Errorf("delete the other: %v", err)
	}
	_, _, err = e.client.Webhooks.Create(ctx, &upstream.NewWebhook{URL: "ftp://example.org", Events: []string{"convo.exploded"}})
	var ue *upstream.Error
	if !errors.As(err, &ue) || !errors.Is(err, upstream.ErrBadRequest) || len(ue.Fields) != 2 {
		t.Errorf("invalid webhook: %v", err)
	}
}

// everyEndpoint is the API reference's 24 endpoints, keyed as the emulator
// counts them and as the client reports them to its observer.
var everyEndpoint = []string{
	"POST /api/conversations", "GET /api/conversations/{id}", "GET /api/conversations",
	"PUT /api/conversations/{id}", "DELETE /api/conversations/{id}", "PUT /api/conversations/{id}/custom_fields",
	"POST /api/customers", "GET /api/customers/{id}", "GET /api/customers", "PUT /api/customers/{id}",
	"PUT /api/customers/{id}/customer_fields",
	"GET /api/mailboxes", "GET /api/mailboxes/{id}/custom_fields", "GET /api/mailboxes/{id}/folders",
	"GET /api/tags", "PUT /api/conversations/{id}/tags", "POST /api/conversations/{id}/threads",
	"GET /api/conversations/{id}/timelogs",
	"POST /api/users", "GET /api/users/{id}", "GET /api/users", "DELETE /api/users/{id}",
	"POST /api/webhooks", "DELETE /api/webhooks/{id}",
}

// callEveryEndpoint calls each of the 24 endpoints once, successfully.
func callEveryEndpoint(t *testing.T, c *upstream.Client) {
	t.Helper()
	ctx := t.Context()
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	convID, _, err := c.Conversations.Create(ctx, &upstream.NewConversation{
		Type: "email", MailboxID: 1, Subject: "Sweep", Customer: upstream.CustomerRef{Email: "sweep@example.org"},
		Threads: []upstream.NewThread{{Type: "customer", Text: "Hi"}},
	})
	check("create conversation", err)
	defs, _, err := c.Mailboxes.ListCustomFields(ctx, 1)
	check("custom field definitions", err)
	text := slices.IndexFunc(defs, func(f upstream.CustomField) bool { return f.Type == upstream.FieldSingleLine })
	if text < 0 {
		t.Fatalf("mailbox 1 has no single-line custom field: %+v", defs)
	}
	_, err = c.Conversations.Get(ctx, convID)
	check("get conversation", err)
	_, _, err = c.Conversations.List(ctx, &upstream.ConversationListOptions{CustomerEmail: "sweep@example.org"})
	check("list conversations", err)
	check("update conversation", c.Conversations.Update(ctx, convID, &upstream.ConversationUpdate{Subject: ptr("Sweep 2")}))
	check("custom fields", c.Conversations.UpdateCustomFields(ctx, convID, []upstream.CustomFieldWrite{{ID: defs[text].ID, Value: "x"}}))
	check("tags", c.Conversations.UpdateTags(ctx, convID, []string{"sweep"}))
	_, _, err = c.Conversations.CreateThread(ctx, convID, &upstream.NewThread{Type: "note", Text: "n", User: 1})
	check("create thread", err)
	_, _, err = c.Conversations.ListTimelogs(ctx, convID, nil)
	check("timelogs", err)
	check("delete conversation", c.Conversations.Delete(ctx, convID))
	custID, _, err := c.Customers.Create(ctx, &upstream.NewCustomer{FirstName: "Sweep", Emails: []upstream.EntryInput{{Value: "sweep2@example.org"}}})
	check("create customer", err)
	_, err = c.Customers.Get(ctx, custID)
	check("get customer", err)
	_, _, err = c.Customers.List(ctx, &upstream.CustomerListOptions{Email: "sweep2@example.org"})
	check("list customers", err)
	check("update customer", c.Customers.Update(ctx, custID, &upstream.CustomerUpdate{LastName: ptr("Swept")}))
	check("customer fields", c.Customers.UpdateFields(ctx, custID, []upstream.CustomerFieldWrite{{ID: 11, Value: "40"}}))
	_, _, err = c.Mailboxes.List(ctx, &upstream.MailboxListOptions{UserID: 1})
	check("mailboxes", err)
	_, _, err = c.Mailboxes.ListFolders(ctx, 1, &upstream.FolderListOptions{UserID: 1})
	check("folders", err)
	_, _, err = c.Tags.List(ctx, &upstream.TagListOptions{ConversationID: 1})
	check("tags", err)
	userID, _, err := c.Users.Create(ctx, &upstream.NewUser{FirstName: "Sweep", LastName: "User", Email: "sweep.user@example.org"})
	check("create user", err)
	_, err = c.Users.Get(ctx, userID)
	check("get user", err)
	_, _, err = c.Users.List(ctx, &upstream.UserListOptions{Email: "sweep.user@example.org"})
	check("list users", err)
	check("delete user", c.Users.Delete(ctx, userID, &upstream.UserDelete{ByUserID: 1, Reassign: map[int]int{1: 2}}))
	hookID, _, err := c.Webhooks.Create(ctx, &upstream.NewWebhook{URL: "https://example.org/hook", Events: []string{"convo.created"}})
	check("create webhook", err)
	check("delete webhook", c.Webhooks.Delete(ctx, hookID))
}

// TestEveryEndpoint calls the 24 endpoints and checks that each reached its
// route exactly once, that the observer named the same route with a 2xx
// status, and that nothing else was requested.
func TestEveryEndpoint(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	callEveryEndpoint(t, e.client)
	counts := e.emu.Counts()
	for _, route := range everyEndpoint {
		if counts[route] != 1 {
			t.Errorf("%s reached %d times, want 1", route, counts[route])
		}
		delete(counts, route)
	}
	if len(counts) != 0 || e.emu.Total() != len(everyEndpoint) {
		t.Errorf("unexpected requests: %v (total %d)", counts, e.emu.Total())
	}
	seen := map[string]bool{}
	for _, call := range e.calls.all() {
		seen[call.Route] = true
		if call.Status < 200 || call.Status > 299 || call.Attempt != 1 || call.Err != nil || call.Duration <= 0 {
			t.Errorf("call %+v", call)
		}
	}
	for _, route := range everyEndpoint {
		if !seen[route] {
			t.Errorf("observer never saw %s", route)
		}
	}
	if len(seen) != len(everyEndpoint) {
		t.Errorf("observer saw %d routes, want %d", len(seen), len(everyEndpoint))
	}
}

// TestReferenceRequestBodies sends the API reference's example writes and
// checks that the bodies are the reference's, value for value.
func TestReferenceRequestBodies(t *testing.T) {
	f := false
	at := upstream.NewTime(utc(2020, 3, 16, 14, 7, 23))
	tests := []struct {
		name string
		call func(c *upstream.Client) error
		path string
		body string // from the reference's curl example
	}{
		{"create conversation", func(c *upstream.Client) error {
			_, _, err := c.Conversations.Create(t.Context(), &upstream.NewConversation{
				Type: "email", MailboxID: 1, Subject: "Hi there", Customer: upstream.CustomerRef{Email: "mark@example.org"},
				Threads: []upstream.NewThread{
					{Text: "This is the message from a user", Type: "message", User: 7},
					{Text: "This is the note from a user", Type: "note", User: 7},
					{Text: "This is the message from a customer", Type: "customer", Cc: []string{"antony@example.org"},
						Customer: &upstream.CustomerRef{Email: "mark@example.org", FirstName: "Mark"}},
				},
				Imported: &f, AssignTo: 15, Status: "active",
				CustomFields: []upstream.CustomFieldWrite{{ID: 37, Value: "Some text"}, {ID: 18, Value: 3}},
				CreatedAt:    &at, ClosedAt: &at,
			})
			return err
		}, "/api/conversations",
			`{"type":"email","mailboxId":1,"subject":"Hi there","customer":{"email":"mark@example.org"},"threads":[{"text":"This is the message from a user","type":"message","user":7},{"text":"This is the note from a user","type":"note","user":7},{"text":"This is the message from a customer","type":"customer","cc":["antony@example.org"],"customer":{"email":"mark@example.org","firstName":"Mark"}}],"imported":false,"assignTo":15,"status":"active","customFields":[{"id":37,"value":"Some text"},{"id":18,"value":3}],"createdAt":"2020-03-16T14:07:23Z","closedAt":"2020-03-16T14:07:23Z"}`},
		// The reference sends "subject":0 (and types it as a number); a subject is text.
		{"update conversation", func(c *upstream.Client) error {
			return c.Conversations.Update(t.Context(), 1, &upstream.ConversationUpdate{ByUser: ptr(33), Status: ptr("active"), AssignTo: ptr(15), MailboxID: ptr(1), CustomerID: ptr(7), Subject: ptr("0")})
		}, "/api/conversations/1", `{"byUser":33,"status":"active","assignTo":15,"mailboxId":1,"customerId":7,"subject":"0"}`},
		{"update custom fields", func(c *upstream.Client) error {
			return c.Conversations.UpdateCustomFields(t.Context(), 1, []upstream.CustomFieldWrite{{ID: 37, Value: "Test value"}})
		}, "/api/conversations/1/custom_fields", `{"customFields":[{"id":37,"value":"Test value"}]}`},
		{"create customer", func(c *upstream.Client) error {
			_, _, err := c.Customers.Create(t.Context(), &upstream.NewCustomer{
				FirstName: "Mark", LastName: "Morrison", Phone: "777-777-777", PhotoURL: "https://example.org/upload/customer.jpg",
				JobTitle: "Secretary", PhotoType: "unknown",
				Address: &upstream.AddressInput{City: "LA", State: "California", Zip: "123123", Country: "US", Address: "1419 Westwood Blvd"},
				Notes:   "Nothing special to say", Company: "Example, Inc",
				Emails: []upstream.EntryInput{{Value: "mark@example.org", Type: "home"}}, Phones: []upstream.EntryInput{{Value: "777-777-777", Type: "home"}},
				SocialProfiles: []upstream.EntryInput{{Value: "@markexample", Type: "twitter"}}, Websites: []upstream.EntryInput{{Value: "https://example.org"}},
			})
			return err
		}, "/api/customers",
			`{"firstName":"Mark","lastName":"Morrison","phone":"777-777-777","photoUrl":"https://example.org/upload/customer.jpg","jobTitle":"Secretary","photoType":"unknown","address":{"city":"LA","state":"California","zip":"123123","country":"US","address":"1419 Westwood Blvd"},"notes":"Nothing special to say","company":"Example, Inc","emails":[{"value":"mark@example.org","type":"home"}],"phones":[{"value":"777-777-777","type":"home"}],"socialProfiles":[{"value":"@markexample","type":"twitter"}],"websites":[{"value":"https://example.org"}]}`},
		{"update customer", func(c *upstream.Client) error {
			return c.Customers.Update(t.Context(), 1, &upstream.CustomerUpdate{
				FirstName: ptr("Mark"), LastName: ptr("Morrison"), Phone: ptr("777-777-777"), PhotoURL: ptr("https://example.org/upload/customer.jpg"),
				JobTitle: ptr("Secretary"), PhotoType: ptr("unknown"),
				Address: &upstream.AddressInput{City: "LA", State: "California", Zip: "123123", Country: "US", Address: "1419 Westwood Blvd"},
				Notes:   ptr("Nothing special to say"), Company: ptr("Example, Inc"),
				Emails: []string{"mark@example.org", "admin@example.org"}, EmailsAdd: []string{"mark.new1@example.org", "mark.new2@example.org"},
				Phones: []upstream.EntryInput{{Value: "777-777-777", Type: "home"}}, SocialProfiles: []upstream.EntryInput{{Value: "@markexample", Type: "twitter"}},
				Websites: []upstream.EntryInput{{Value: "https://example.org"}},
			})
		}, "/api/customers/1",
			`{"firstName":"Mark","lastName":"Morrison","phone":"777-777-777","photoUrl":"https://example.org/upload/customer.jpg","jobTitle":"Secretary","photoType":"unknown","address":{"city":"LA","state":"California","zip":"123123","country":"US","address":"1419 Westwood Blvd"},"notes":"Nothing special to say","company":"Example, Inc","emails":["mark@example.org","admin@example.org"],"emails_add":["mark.new1@example.org","mark.new2@example.org"],"phones":[{"value":"777-777-777","type":"home"}],"socialProfiles":[{"value":"@markexample","type":"twitter"}],"websites":[{"value":"https://example.org"}]}`},
		{"update customer fields", func(c *upstream.Client) error {
			return c.Customers.UpdateFields(t.Context(), 1, []upstream.CustomerFieldWrite{{ID: 37, Value: "Test value"}})
		}, "/api/customers/1/customer_fields", `{"customerFields":[{"id":37,"value":"Test value"}]}`},
		{"update tags", func(c *upstream.Client) error {
			return c.Conversations.UpdateTags(t.Context(), 1, []string{"overdue", "refund"})
		}, "/api/conversations/1/tags", `{"tags":["overdue","refund"]}`},
		{"create thread", func(c *upstream.Client) error {
			_, _, err := c.Conversations.CreateThread(t.Context(), 1, &upstream.NewThread{
				Type: "message", Text: "Plese let us know if you have any other questions.", Customer: &upstream.CustomerRef{Email: "mark@example.org"},
				User: 33, Imported: &f, Status: "closed", State: "published",
				Cc: []string{"anna@example.org", "bill@example.org"}, Bcc: []string{"bob@example.org", "andrea@example.org"}, CreatedAt: &at,
				Attachments: []upstream.AttachmentUpload{
					{FileName: "file.txt", MimeType: "plain/text", Data: "ZmlsZQ=="},
					{FileName: "file2.txt", MimeType: "plain/text", FileURL: "https://example.org/uploads/file2.txt"},
				},
			})
			return err
		}, "/api/conversations/1/threads",
			`{"type":"message","text":"Plese let us know if you have any other questions.","customer":{"email":"mark@example.org"},"user":33,"imported":false,"status":"closed","state":"published","cc":["anna@example.org","bill@example.org"],"bcc":["bob@example.org","andrea@example.org"],"createdAt":"2020-03-16T14:07:23Z","attachments":[{"fileName":"file.txt","mimeType":"plain/text","data":"ZmlsZQ=="},{"fileName":"file2.txt","mimeType":"plain/text","fileUrl":"https://example.org/uploads/file2.txt"}]}`},
		{"create user", func(c *upstream.Client) error {
			_, _, err := c.Users.Create(t.Context(), &upstream.NewUser{
				FirstName: "John", LastName: "Doe", Email: "johndoe@example.org", Password: "123456789", AlternateEmails: "johndoe777@example.org",
				JobTitle: "Support agent", Phone: "777-777-777", Timezone: "Europe/Paris", PhotoURL: "https://example.org/upload/customer.jpg",
			})
			return err
		}, "/api/users",
			`{"firstName":"John","lastName":"Doe","email":"johndoe@example.org","password":"123456789","alternateEmails":"johndoe777@example.org","jobTitle":"Support agent","phone":"777-777-777","timezone":"Europe/Paris","photoUrl":"https://example.org/upload/customer.jpg"}`},
		{"create webhook", func(c *upstream.Client) error {
			_, _, err := c.Webhooks.Create(t.Context(), &upstream.NewWebhook{URL: "https://example.org/freescout", Events: []string{"convo.created"}})
			return err
		}, "/api/webhooks", `{"url":"https://example.org/freescout","events":["convo.created"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					w.Header().Set("Resource-ID", "1")
					w.WriteHeader(http.StatusCreated)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			})}
			srv := httptest.NewServer(rec)
			t.Cleanup(srv.Close)
			if err := tt.call(newClient(t, srv.URL)); err != nil {
				t.Fatal(err)
			}
			req := rec.last(t)
			if req.URL.Path != tt.path {
				t.Errorf("path = %s, want %s", req.URL.Path, tt.path)
			}
			var got, want any
			if err := json.Unmarshal(req.Body, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.body), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("body:\n got %s\nwant %s", req.Body, tt.body)
			}
		})
	}
}

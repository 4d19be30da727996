package gateway_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// sampleConversations picks sample conversations that between them exercise
// every nested field: created by a user and by a customer, closed, with
// timelogs, custom fields, attachments, cc, unassigned, draft and spam.
func sampleConversations(t *testing.T, a *apiEnv) map[string]int {
	t.Helper()
	all := a.conversations(t, upstream.ConversationListOptions{Embed: []string{upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags}})
	picks := map[string]func(c *upstream.Conversation) bool{
		"created by user":     func(c *upstream.Conversation) bool { return c.CreatedBy != nil && c.CreatedBy.Type == "user" },
		"created by customer": func(c *upstream.Conversation) bool { return c.CreatedBy != nil && c.CreatedBy.Type == "customer" },
		"closed":              func(c *upstream.Conversation) bool { return c.Status == "closed" && c.ClosedBy != 0 },
		"timelogs":            func(c *upstream.Conversation) bool { return len(c.Embedded.Timelogs) > 1 },
		"custom fields": func(c *upstream.Conversation) bool {
			return len(c.CustomFields) >= 3 && slices.ContainsFunc(c.CustomFields, func(f upstream.CustomFieldValue) bool { return f.Text != "" })
		},
		"attachments": func(c *upstream.Conversation) bool {
			return slices.ContainsFunc(c.Embedded.Threads, func(th upstream.Thread) bool { return len(th.Embedded.Attachments) > 0 })
		},
		"cc and tags": func(c *upstream.Conversation) bool { return len(c.Cc) > 0 && len(c.Embedded.Tags) > 0 },
		"unassigned":  func(c *upstream.Conversation) bool { return c.Assignee == nil && c.Status != "spam" },
		"note": func(c *upstream.Conversation) bool {
			return slices.ContainsFunc(c.Embedded.Threads, func(th upstream.Thread) bool { return th.Type == "note" })
		},
		"draft":   func(c *upstream.Conversation) bool { return c.State == "draft" },
		"deleted": func(c *upstream.Conversation) bool { return c.State == "deleted" },
		"spam":    func(c *upstream.Conversation) bool { return c.Status == "spam" },
		"pending": func(c *upstream.Conversation) bool { return c.Status == "pending" },
		"phone":   func(c *upstream.Conversation) bool { return c.Type == "phone" },
		"chat":    func(c *upstream.Conversation) bool { return c.Type == "chat" },
	}
	// Without a module its fields are null (MODULE_UNAVAILABLE) on every
	// conversation: nothing to pick a conversation by.
	in := a.install()
	if !in.Has(upstream.ModuleTags) {
		picks["cc"] = func(c *upstream.Conversation) bool { return len(c.Cc) > 0 }
		delete(picks, "cc and tags")
	}
	if !in.Has(upstream.ModuleTimeTracking) {
		delete(picks, "timelogs")
	}
	if !in.Has(upstream.ModuleCustomFields) {
		delete(picks, "custom fields")
	}
	out := map[string]int{}
	for name, ok := range picks {
		for i := range all {
			if ok(&all[i]) {
				out[name] = all[i].ID
				break
			}
		}
		if out[name] == 0 {
			t.Fatalf("the sample data has no conversation that is %s", name)
		}
	}
	return out
}

// TestAPIConversationMatchesFreeScout asks for every field of conversations
// picked to cover every nested type, and compares with FreeScout's answer for
// the same conversation.
func TestAPIConversationMatchesFreeScout(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	query := `query($id: ID!) { conversation(id: $id) { ...Conv } }` + "\n" + fragsAll
	for name, id := range sampleConversations(t, a) {
		t.Run(name, func(t *testing.T) {
			got := a.data(t, query, map[string]any{"id": wantID(id)})
			assertTimes(t, got)
			assertSameJSON(t, fmt.Sprintf("conversation %d", id), got["conversation"], a.wantConversation(t, a.conversation(t, id)))
		})
	}
}

// TestAPIConversationListMatchesFreeScout compares a page of the
// conversation list, every field selected, with FreeScout's list; and the
// fields FreeScout embeds about people with the full objects.
func TestAPIConversationListMatchesFreeScout(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	all := a.conversations(t, upstream.ConversationListOptions{})

	t.Run("every field", func(t *testing.T) {
		got := a.data(t, `{ conversations(first: 25) { totalCount nodes { ...Conv } edges { node { id } } } }`+"\n"+fragsAll, nil)
		assertTimes(t, got)
		want := []any{}
		for _, c := range all[:25] {
			want = append(want, a.wantConversation(t, a.conversation(t, c.ID)))
		}
		assertSameJSON(t, "conversations", jget(got, "conversations", "nodes"), want)
		if n := jget(got, "conversations", "totalCount"); n != float64(len(all)) {
			t.Errorf("totalCount = %v, want %d", n, len(all))
		}
		if e, n := nodeIDs(jget(got, "conversations", "nodes")), nodeIDs(edgeNodes(jget(got, "conversations", "edges"))); !slices.Equal(e, n) {
			t.Errorf("edges %v and nodes %v differ", e, n)
		}
	})

	t.Run("embedded people", func(t *testing.T) {
		got := a.data(t, `{ conversations(first: 100) { nodes {
			id customer { id firstName lastName email photoUrl } assignee { id firstName lastName email photoUrl }
			closedBy { id firstName lastName email photoUrl }
			createdBy { __typename ... on User { id email } ... on Customer { id email } } } } }`, nil)
		want := []any{}
		person := func(m map[string]any, typename bool) map[string]any {
			out := map[string]any{"id": m["id"], "email": m["email"]}
			if typename {
				return out
			}
			out["firstName"], out["lastName"], out["photoUrl"] = m["firstName"], m["lastName"], m["photoUrl"]
			return out
		}
		for _, c := range all[:100] {
			n := map[string]any{"id": wantID(c.ID), "customer": nil, "assignee": nil, "closedBy": nil, "createdBy": nil}
			if c.Customer != nil {
				n["customer"] = person(wantCustomer(a.customer(t, c.Customer.ID)), false)
			}
			if c.Assignee != nil {
				n["assignee"] = person(wantUser(a.user(t, c.Assignee.ID)), false)
			}
			if c.ClosedBy != 0 {
				n["closedBy"] = person(wantUser(a.user(t, c.ClosedBy)), false)
			}
			if p := c.CreatedBy; p != nil {
				var m map[string]any
				if p.Type == "customer" {
					m = person(wantCustomer(a.customer(t, p.ID)), true)
					m["__typename"] = "Customer"
				} else {
					m = person(wantUser(a.user(t, p.ID)), true)
					m["__typename"] = "User"
				}
				n["createdBy"] = m
			}
			want = append(want, n)
		}
		assertSameJSON(t, "conversations", jget(got, "conversations", "nodes"), want)
	})
}

func edgeNodes(edges any) []any {
	var out []any
	for _, e := range edges.([]any) {
		out = append(out, e.(map[string]any)["node"])
	}
	return out
}

// TestAPIQueriesMatchFreeScout asks every other query for every field and
// compares with what FreeScout answers for the same objects.
func TestAPIQueriesMatchFreeScout(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	ctx := t.Context()

	customerWithConversations := func(t *testing.T, id int) any {
		m := wantCustomer(a.customer(t, id))
		convs := a.conversations(t, upstream.ConversationListOptions{CustomerID: id})
		m["conversations"] = map[string]any{"totalCount": len(convs), "nodes": idNodes(convIDs(convs)), "pageInfo": map[string]any{"hasNextPage": false}}
		return map[string]any{"customer": m}
	}
	mailboxEverything := func(t *testing.T, id int) any {
		boxes, _, err := a.fs.Mailboxes.List(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		for i := range boxes {
			if boxes[i].ID == id {
				m = wantMailbox(&boxes[i])
			}
		}
		var fields []any // null without the Custom Fields module
		if a.install().Has(upstream.ModuleCustomFields) {
			fields = []any{}
			for _, f := range a.fieldDefs(t, id) {
				fields = append(fields, wantField(f))
			}
		}
		m["customFields"] = fields
		folders, _, err := a.fs.Mailboxes.ListFolders(ctx, id, &upstream.FolderListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		fl := []any{}
		for _, f := range folders {
			var u any
			if f.UserID != nil {
				u = wantUser(a.user(t, *f.UserID))
			}
			fl = append(fl, map[string]any{"id": wantID(f.ID), "name": f.Name, "type": wantFolderTypes[f.Type], "user": u, "totalCount": f.TotalCount, "activeCount": f.ActiveCount})
		}
		m["folders"] = fl
		convs := a.conversations(t, upstream.ConversationListOptions{MailboxIDs: []int{id}})
		m["conversations"] = map[string]any{"totalCount": len(convs), "nodes": idNodes(convIDs(convs)[:min(100, len(convs))]), "pageInfo": map[string]any{"hasNextPage": len(convs) > 100}}
		return map[string]any{"mailbox": m}
	}
	userWithMailboxes := func(t *testing.T, u *upstream.User) map[string]any {
		m := wantUser(u)
		boxes, _, err := a.fs.Mailboxes.List(ctx, &upstream.MailboxListOptions{UserID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		mb := []any{}
		for i := range boxes {
			mb = append(mb, wantMailbox(&boxes[i]))
		}
		m["mailboxes"] = mb
		return m
	}
	allUsers := func(t *testing.T) []upstream.User {
		us, _, err := a.fs.Users.List(ctx, &upstream.UserListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		return us
	}
	mailboxList := func(t *testing.T, userID int) any {
		boxes, _, err := a.fs.Mailboxes.List(ctx, &upstream.MailboxListOptions{UserID: userID})
		if err != nil {
			t.Fatal(err)
		}
		nodes := []any{}
		for i := range boxes {
			nodes = append(nodes, wantMailbox(&boxes[i]))
		}
		return map[string]any{"mailboxes": map[string]any{"totalCount": len(boxes), "nodes": nodes}}
	}
	tagList := func(t *testing.T, conversationID int) any {
		if !a.install().Has(upstream.ModuleTags) {
			return map[string]any{"tags": nil} // MODULE_UNAVAILABLE
		}
		tags, _, err := a.fs.Tags.List(ctx, &upstream.TagListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}, ConversationID: conversationID})
		if err != nil {
			t.Fatal(err)
		}
		nodes := []any{}
		for _, tg := range tags {
			nodes = append(nodes, map[string]any{"id": wantID(tg.ID), "name": tg.Name, "counter": tg.Counter, "color": tg.Color})
		}
		return map[string]any{"tags": map[string]any{"totalCount": len(tags), "nodes": nodes}}
	}
	tagged := 1 // any conversation, without the Tags module
	if a.install().Has(upstream.ModuleTags) {
		tagged = a.conversations(t, upstream.ConversationListOptions{Tag: "vip"})[0].ID
	}

	cases := []struct {
		name  string
		query string
		vars  map[string]any
		want  func(t *testing.T) any
	}{
		{
			name:  "customer with every kind of data",
			query: `query($id: ID!) { customer(id: $id) { ...C conversations(first: 100) { totalCount nodes { id } pageInfo { hasNextPage } } } }` + "\n" + fragCust,
			vars:  map[string]any{"id": "1"},
			want:  func(t *testing.T) any { return customerWithConversations(t, 1) },
		},
		{
			name:  "customer with little data",
			query: `query($id: ID!) { customer(id: $id) { ...C conversations(first: 100) { totalCount nodes { id } pageInfo { hasNextPage } } } }` + "\n" + fragCust,
			vars:  map[string]any{"id": "37"},
			want:  func(t *testing.T) any { return customerWithConversations(t, 37) },
		},
		{
			name:  "customers",
			query: `{ customers(first: 100) { totalCount nodes { ...C } } }` + "\n" + fragCust,
			want: func(t *testing.T) any {
				cs, p, err := a.fs.Customers.List(ctx, &upstream.CustomerListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
				if err != nil {
					t.Fatal(err)
				}
				nodes := []any{}
				for _, c := range cs {
					nodes = append(nodes, wantCustomer(a.customer(t, c.ID)))
				}
				return map[string]any{"customers": map[string]any{"totalCount": p.TotalElements, "nodes": nodes}}
			},
		},
		{
			name:  "mailbox 1",
			query: `query($id: ID!) { mailbox(id: $id) { ...M customFields { ...F } folders { id name type user { ...U } totalCount activeCount } conversations(first: 100) { totalCount nodes { id } pageInfo { hasNextPage } } } }` + "\n" + fragMailbox + fragField + fragUser,
			vars:  map[string]any{"id": "1"},
			want:  func(t *testing.T) any { return mailboxEverything(t, 1) },
		},
		{
			name:  "mailbox 2",
			query: `query($id: ID!) { mailbox(id: $id) { ...M customFields { ...F } folders { id name type user { ...U } totalCount activeCount } conversations(first: 100) { totalCount nodes { id } pageInfo { hasNextPage } } } }` + "\n" + fragMailbox + fragField + fragUser,
			vars:  map[string]any{"id": "2"},
			want:  func(t *testing.T) any { return mailboxEverything(t, 2) },
		},
		{
			name:  "mailbox 3",
			query: `query($id: ID!) { mailbox(id: $id) { ...M customFields { ...F } folders { id name type user { ...U } totalCount activeCount } conversations(first: 100) { totalCount nodes { id } pageInfo { hasNextPage } } } }` + "\n" + fragMailbox + fragField + fragUser,
			vars:  map[string]any{"id": "3"},
			want:  func(t *testing.T) any { return mailboxEverything(t, 3) },
		},
		{
			name:  "mailboxes",
			query: `{ mailboxes { totalCount nodes { ...M } } }` + "\n" + fragMailbox,
			want:  func(t *testing.T) any { return mailboxList(t, 0) },
		},
		{
			name:  "mailboxes of a user",
			query: `{ mailboxes(userId: "5") { totalCount nodes { ...M } } }` + "\n" + fragMailbox,
			want:  func(t *testing.T) any { return mailboxList(t, 5) },
		},
		{
			name:  "user",
			query: `{ user(id: "8") { ...U mailboxes { ...M } } }` + "\n" + fragUser + fragMailbox,
			want: func(t *testing.T) any {
				return map[string]any{"user": userWithMailboxes(t, a.user(t, 8))}
			},
		},
		{
			name:  "users",
			query: `{ users(first: 100) { totalCount nodes { ...U mailboxes { ...M } } } }` + "\n" + fragUser + fragMailbox,
			want: func(t *testing.T) any {
				nodes := []any{}
				us := allUsers(t)
				for i := range us {
					nodes = append(nodes, userWithMailboxes(t, &us[i]))
				}
				return map[string]any{"users": map[string]any{"totalCount": len(us), "nodes": nodes}}
			},
		},
		{
			name:  "users by email",
			query: `{ users(email: "hannah.schmidt@example.com") { totalCount nodes { ...U } } }` + "\n" + fragUser,
			want: func(t *testing.T) any {
				return map[string]any{"users": map[string]any{"totalCount": 1, "nodes": []any{wantUser(a.user(t, 5))}}}
			},
		},
		{
			name:  "tags",
			query: `{ tags(first: 100) { totalCount nodes { id name counter color } } }`,
			want:  func(t *testing.T) any { return tagList(t, 0) },
		},
		{
			name:  "tags of a conversation",
			query: `query($id: ID) { tags(conversationId: $id) { totalCount nodes { id name counter color } } }`,
			vars:  map[string]any{"id": wantID(tagged)},
			want:  func(t *testing.T) any { return tagList(t, tagged) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := a.data(t, tc.query, tc.vars)
			assertTimes(t, got)
			assertSameJSON(t, tc.name, got, tc.want(t))
		})
	}
}

func idNodes(ids []string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{"id": id})
	}
	return out
}

// TestAPIAliasedRelationsAnswerEachSelection: a relation selected twice
// under different aliases, one with fields FreeScout embeds and one with
// fields it does not, is read once, in full, and each alias shows what it
// selected.
func TestAPIAliasedRelationsAnswerEachSelection(t *testing.T) {
	a := newAPI(t, gatewaytest.Options{})
	conv := a.conversation(t, 1)
	if conv.Customer == nil || conv.Customer.ID == 0 {
		t.Fatal("the sample conversation 1 should have a customer")
	}
	c := a.customer(t, conv.Customer.ID)
	if c.Company == "" {
		t.Fatal("the sample customer should have a company, which FreeScout does not embed")
	}
	from := a.logLen()
	got := a.data(t, `{ conversation(id: "1") {
		brief: customer { id firstName }
		full: customer { id company notes }
	} }`, nil)
	want := map[string]any{"conversation": map[string]any{
		"brief": map[string]any{"id": wantID(c.ID), "firstName": wantStr(c.FirstName)},
		"full":  map[string]any{"id": wantID(c.ID), "company": wantStr(c.Company), "notes": wantStr(c.Notes)},
	}}
	assertSameJSON(t, "conversation", got, want)
	var customerCalls int
	for _, r := range a.requests(from) {
		if r.Path == fmt.Sprintf("/api/customers/%d", c.ID) {
			customerCalls++
		}
	}
	if customerCalls != 1 {
		t.Errorf("%d customer calls, want 1 for both aliases", customerCalls)
	}
}

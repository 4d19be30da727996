package upstream_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// allStatuses lifts the list's default status filter (active).
var allStatuses = []string{"active", "pending", "closed", "spam"}

// allConversations lists every sample conversation in one page, tags embedded.
func allConversations(t *testing.T, c *upstream.Client) []upstream.Conversation {
	t.Helper()
	list, page, err := c.Conversations.List(t.Context(), &upstream.ConversationListOptions{
		ListOptions: upstream.ListOptions{PageSize: 1000},
		Statuses:    allStatuses,
		Embed:       []string{upstream.EmbedTags},
	})
	if err != nil {
		t.Fatalf("list all conversations: %v", err)
	}
	if len(list) != 240 || page.TotalElements != 240 {
		t.Fatalf("sample data has %d conversations (total %d), want 240", len(list), page.TotalElements)
	}
	return list
}

// richConversation finds a sample conversation with timelogs, tags and an attachment.
func richConversation(t *testing.T, c *upstream.Client) int {
	t.Helper()
	list, _, err := c.Conversations.List(t.Context(), &upstream.ConversationListOptions{
		ListOptions: upstream.ListOptions{PageSize: 1000},
		Statuses:    allStatuses,
		Embed:       []string{upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, conv := range list {
		if len(conv.Embedded.Timelogs) < 2 || len(conv.Embedded.Tags) == 0 {
			continue
		}
		for _, th := range conv.Embedded.Threads {
			if len(th.Embedded.Attachments) > 0 {
				return conv.ID
			}
		}
	}
	t.Fatal("no sample conversation with timelogs, tags and attachments")
	return 0
}

// TestReadsMatchEmulator checks every read endpoint's decoding against the
// bytes the emulator sends for the same request: nothing is lost.
func TestReadsMatchEmulator(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	rich := strconv.Itoa(richConversation(t, e.client))
	type got struct {
		v    any
		page upstream.Page
	}
	tests := []struct {
		name string
		raw  string // the same request, made with a plain HTTP client
		key  string
		call func(ctx context.Context, c *upstream.Client) (got, error)
	}{
		{"conversation, default embed", "/api/conversations/" + rich, "", func(ctx context.Context, c *upstream.Client) (got, error) {
			id, _ := strconv.Atoi(rich)
			v, err := c.Conversations.Get(ctx, id)
			return got{v: v}, err
		}},
		{"conversation, every embed", "/api/conversations/" + rich + "?embed=threads,timelogs,tags", "", func(ctx context.Context, c *upstream.Client) (got, error) {
			id, _ := strconv.Atoi(rich)
			v, err := c.Conversations.Get(ctx, id, upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags)
			return got{v: v}, err
		}},
		{"every conversation, every embed", "/api/conversations?status=active,pending,closed,spam&embed=threads,timelogs,tags&pageSize=1000", "conversations", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Conversations.List(ctx, &upstream.ConversationListOptions{
				ListOptions: upstream.ListOptions{PageSize: 1000}, Statuses: allStatuses,
				Embed: []string{upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags},
			})
			return got{v, p}, err
		}},
		{"timelogs", "/api/conversations/" + rich + "/timelogs", "timelogs", func(ctx context.Context, c *upstream.Client) (got, error) {
			id, _ := strconv.Atoi(rich)
			v, p, err := c.Conversations.ListTimelogs(ctx, id, nil)
			return got{v, p}, err
		}},
		{"customer", "/api/customers/1", "", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, err := c.Customers.Get(ctx, 1)
			return got{v: v}, err
		}},
		{"every customer", "/api/customers?pageSize=1000", "customers", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Customers.List(ctx, &upstream.CustomerListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
			return got{v, p}, err
		}},
		{"mailboxes", "/api/mailboxes", "mailboxes", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Mailboxes.List(ctx, nil)
			return got{v, p}, err
		}},
		{"custom fields 1", "/api/mailboxes/1/custom_fields", "custom_fields", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Mailboxes.ListCustomFields(ctx, 1)
			return got{v, p}, err
		}},
		{"custom fields 2", "/api/mailboxes/2/custom_fields", "custom_fields", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Mailboxes.ListCustomFields(ctx, 2)
			return got{v, p}, err
		}},
		{"custom fields 3", "/api/mailboxes/3/custom_fields", "custom_fields", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Mailboxes.ListCustomFields(ctx, 3)
			return got{v, p}, err
		}},
		{"folders", "/api/mailboxes/1/folders", "folders", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Mailboxes.ListFolders(ctx, 1, nil)
			return got{v, p}, err
		}},
		{"tags", "/api/tags", "tags", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Tags.List(ctx, nil)
			return got{v, p}, err
		}},
		{"conversation tags", "/api/tags?conversationId=" + rich, "tags", func(ctx context.Context, c *upstream.Client) (got, error) {
			id, _ := strconv.Atoi(rich)
			v, p, err := c.Tags.List(ctx, &upstream.TagListOptions{ConversationID: id})
			return got{v, p}, err
		}},
		{"user", "/api/users/1", "", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, err := c.Users.Get(ctx, 1)
			return got{v: v}, err
		}},
		{"users", "/api/users", "users", func(ctx context.Context, c *upstream.Client) (got, error) {
			v, p, err := c.Users.List(ctx, nil)
			return got{v, p}, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.call(t.Context(), e.client)
			if err != nil {
				t.Fatal(err)
			}
			// The client's request must be the one made by hand.
			sent := e.rec.last(t).URL
			want, _ := url.Parse(tt.raw)
			if sent.Path != want.Path || !sameQuery(sent.Query(), want.Query()) {
				t.Errorf("client sent %s?%s, want %s", sent.Path, sent.RawQuery, tt.raw)
			}
			body := e.raw(t, tt.raw)
			if tt.key == "" {
				assertLossless(t, tt.raw, body, res.v)
				return
			}
			items, page := rawEmbedded(t, body, tt.key)
			assertLossless(t, tt.raw, items, res.v)
			assertLossless(t, tt.raw+" page", page, res.page)
		})
	}
}

func sameQuery(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestSampleData spot-checks decoded values against the emulator's sample data.
func TestSampleData(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()

	mailboxes, page, err := e.client.Mailboxes.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	type mb struct {
		id          int
		name, email string
	}
	var gotMB []mb
	for _, m := range mailboxes {
		gotMB = append(gotMB, mb{m.ID, m.Name, m.Email})
	}
	wantMB := []mb{{1, "Support", "support@example.com"}, {2, "Billing", "billing@example.com"}, {3, "Sales", "sales@example.com"}}
	if !slices.Equal(gotMB, wantMB) || page != (upstream.Page{Size: 50, TotalElements: 3, TotalPages: 1, Number: 1}) {
		t.Errorf("mailboxes = %+v, page %+v", gotMB, page)
	}
	if !mailboxes[0].CreatedAt.Equal(utc(2022, 3, 7, 9, 30, 2)) || !mailboxes[0].UpdatedAt.Equal(utc(2025, 6, 2, 8, 15, 27)) {
		t.Errorf("mailbox 1 dates (dashed on the wire) = %v, %v", mailboxes[0].CreatedAt, mailboxes[0].UpdatedAt)
	}

	u, err := e.client.Users.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != 1 || u.FirstName != "Olivia" || u.LastName != "Bennett" || u.Email != "olivia.bennett@example.com" ||
		u.Role != "admin" || u.AlternateEmails != "olivia@example.net" || u.Timezone != "Europe/London" || u.Language != "en" ||
		!u.CreatedAt.Equal(utc(2022, 3, 7, 9, 12, 44)) {
		t.Errorf("user 1 = %+v", u)
	}

	fields, _, err := e.client.Mailboxes.ListCustomFields(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	type def struct {
		id       int
		name     string
		typ      string
		options  string
		required bool
	}
	var gotDefs []def
	for _, f := range fields {
		var opts []string
		for _, o := range f.Options {
			opts = append(opts, o.ID+"="+o.Label)
		}
		gotDefs = append(gotDefs, def{f.ID, f.Name, f.Type, strings.Join(opts, ","), f.Required})
	}
	wantDefs := []def{
		{7, "Currency", upstream.FieldDropdown, "1=USD,2=EUR,3=GBP", true},
		{8, "Plan", upstream.FieldDropdown, "1=Starter,2=Team,4=Business,7=Enterprise", false},
		{9, "Amount", upstream.FieldNumber, "", false},
		{10, "Invoice Number", upstream.FieldSingleLine, "", false},
		{11, "Billing Date", upstream.FieldDate, "", false},
		{12, "Internal Notes", upstream.FieldMultiLine, "", false},
	}
	if !slices.Equal(gotDefs, wantDefs) {
		t.Errorf("mailbox 2 custom fields:\n got %+v\nwant %+v", gotDefs, wantDefs)
	}

	conv, err := e.client.Conversations.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if conv.ID != 1 || conv.Number != 1001 || conv.MailboxID != 1 || conv.ThreadsCount != len(conv.Embedded.Threads) || conv.ThreadsCount == 0 {
		t.Errorf("conversation 1: id %d number %d mailbox %d threadsCount %d threads %d", conv.ID, conv.Number, conv.MailboxID, conv.ThreadsCount, len(conv.Embedded.Threads))
	}
	if conv.Embedded.Tags != nil || conv.Embedded.Timelogs != nil {
		t.Errorf("Get without embed embeds threads only; got tags %v timelogs %v", conv.Embedded.Tags, conv.Embedded.Timelogs)
	}

	tags, page, err := e.client.Tags.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 13 || tags[0].Name != "overdue" || tags[12].Name != "legacy" || tags[12].Counter != 0 || page.TotalElements != 13 {
		t.Errorf("tags = %+v", tags)
	}
	if !slices.IsSortedFunc(tags, func(a, b upstream.Tag) int { return cmp.Compare(a.ID, b.ID) }) {
		t.Error("tags are not sorted by id")
	}
}

func TestConversationListFilters(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	all := allConversations(t, e.client)

	// Values for the filters, taken from the sample data.
	var closedFolder, assignee, creatorUser, creatorCustomer, customerID int
	var customerEmail string
	for _, c := range all {
		if closedFolder == 0 && c.Status == "closed" && c.State == "published" {
			closedFolder = c.FolderID
		}
		if assignee == 0 && c.Assignee != nil {
			assignee = c.Assignee.ID
		}
		if creatorUser == 0 && c.CreatedBy != nil && c.CreatedBy.Type == "user" {
			creatorUser = c.CreatedBy.ID
		}
		if creatorCustomer == 0 && c.CreatedBy != nil && c.CreatedBy.Type == "customer" {
			creatorCustomer = c.CreatedBy.ID
		}
		if customerID == 0 && c.Customer != nil && c.Customer.Email != "" {
			customerID, customerEmail = c.Customer.ID, c.Customer.Email
		}
	}
	cust1, err := e.client.Customers.Get(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	phone := cust1.Embedded.Phones[0].Value
	everyCustomer, _, err := e.client.Customers.List(t.Context(), &upstream.CustomerListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var phoneOwners []int
	for _, cu := range everyCustomer {
		for _, p := range cu.Embedded.Phones {
			if digits(p.Value) == digits(phone) {
				phoneOwners = append(phoneOwners, cu.ID)
			}
		}
	}
	since := all[len(all)/2].CreatedAt.Time
	hasTag := func(c upstream.Conversation, name string) bool {
		return slices.ContainsFunc(c.Embedded.Tags, func(tg upstream.Tag) bool { return tg.Name == name })
	}
	assignedTo := func(id int) func(upstream.Conversation) bool {
		return func(c upstream.Conversation) bool { return c.Assignee != nil && c.Assignee.ID == id }
	}

	const page = "1000"
	tests := []struct {
		name  string
		opts  upstream.ConversationListOptions
		query url.Values // as the server must read it
		keep  func(upstream.Conversation) bool
	}{
		{"status defaults to active", upstream.ConversationListOptions{},
			url.Values{}, func(c upstream.Conversation) bool { return c.Status == "active" }},
		{"several mailboxes", upstream.ConversationListOptions{MailboxIDs: []int{1, 3}, Statuses: allStatuses},
			url.Values{"mailboxId": {"1,3"}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.MailboxID == 1 || c.MailboxID == 3 }},
		{"one mailbox", upstream.ConversationListOptions{MailboxIDs: []int{2}, Statuses: allStatuses},
			url.Values{"mailboxId": {"2"}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.MailboxID == 2 }},
		{"several statuses", upstream.ConversationListOptions{Statuses: []string{"closed", "spam"}},
			url.Values{"status": {"closed,spam"}},
			func(c upstream.Conversation) bool { return c.Status == "closed" || c.Status == "spam" }},
		{"folder", upstream.ConversationListOptions{FolderID: closedFolder, Statuses: allStatuses},
			url.Values{"folderId": {strconv.Itoa(closedFolder)}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.FolderID == closedFolder }},
		{"state", upstream.ConversationListOptions{State: "deleted", Statuses: allStatuses},
			url.Values{"state": {"deleted"}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.State == "deleted" }},
		{"type", upstream.ConversationListOptions{Type: "phone", Statuses: allStatuses},
			url.Values{"type": {"phone"}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.Type == "phone" }},
		{"assignee", upstream.ConversationListOptions{AssignedTo: assignee, Statuses: allStatuses},
			url.Values{"assignedTo": {strconv.Itoa(assignee)}, "status": {"active,pending,closed,spam"}},
			assignedTo(assignee)},
		{"unassigned", upstream.ConversationListOptions{Unassigned: true, Statuses: allStatuses},
			url.Values{"assignedTo": {""}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.Assignee == nil }},
		{"unassigned wins over assignee", upstream.ConversationListOptions{Unassigned: true, AssignedTo: assignee, Statuses: allStatuses},
			url.Values{"assignedTo": {""}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.Assignee == nil }},
		{"customer id", upstream.ConversationListOptions{CustomerID: customerID, Statuses: allStatuses},
			url.Values{"customerId": {strconv.Itoa(customerID)}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.Customer != nil && c.Customer.ID == customerID }},
		{"customer email", upstream.ConversationListOptions{CustomerEmail: customerEmail, Statuses: allStatuses},
			url.Values{"customerEmail": {customerEmail}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.Customer != nil && c.Customer.ID == customerID }},
		{"customer phone", upstream.ConversationListOptions{CustomerPhone: phone, Statuses: allStatuses},
			url.Values{"customerPhone": {phone}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool {
				return c.Customer != nil && slices.Contains(phoneOwners, c.Customer.ID)
			}},
		{"number", upstream.ConversationListOptions{Number: 1001, Statuses: allStatuses},
			url.Values{"number": {"1001"}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return c.Number == 1001 }},
		{"subject", upstream.ConversationListOptions{Subject: "Refund", Statuses: allStatuses},
			url.Values{"subject": {"Refund"}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return strings.Contains(strings.ToLower(c.Subject), "refund") }},
		{"tag", upstream.ConversationListOptions{Tag: "vip", Statuses: allStatuses},
			url.Values{"tag": {"vip"}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return hasTag(c, "vip") }},
		{"created by user", upstream.ConversationListOptions{CreatedByUserID: creatorUser, Statuses: allStatuses},
			url.Values{"createdByUserId": {strconv.Itoa(creatorUser)}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool {
				return c.CreatedBy != nil && c.CreatedBy.Type == "user" && c.CreatedBy.ID == creatorUser
			}},
		{"created by customer", upstream.ConversationListOptions{CreatedByCustomerID: creatorCustomer, Statuses: allStatuses},
			url.Values{"createdByCustomerId": {strconv.Itoa(creatorCustomer)}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool {
				return c.CreatedBy != nil && c.CreatedBy.Type == "customer" && c.CreatedBy.ID == creatorCustomer
			}},
		{"created since", upstream.ConversationListOptions{CreatedSince: since.In(time.FixedZone("", -5*3600)), Statuses: allStatuses},
			url.Values{"createdSince": {since.UTC().Format(time.RFC3339)}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return !c.CreatedAt.Before(since) }},
		{"updated since", upstream.ConversationListOptions{UpdatedSince: since, Statuses: allStatuses},
			url.Values{"updatedSince": {since.UTC().Format(time.RFC3339)}, "status": {"active,pending,closed,spam"}},
			func(c upstream.Conversation) bool { return !c.UpdatedAt.Before(since) }},
		{"combined", upstream.ConversationListOptions{MailboxIDs: []int{1, 2}, Statuses: []string{"closed", "pending"}, Type: "email", Tag: "vip"},
			url.Values{"mailboxId": {"1,2"}, "status": {"closed,pending"}, "type": {"email"}, "tag": {"vip"}},
			func(c upstream.Conversation) bool {
				return (c.MailboxID == 1 || c.MailboxID == 2) && (c.Status == "closed" || c.Status == "pending") && c.Type == "email" && hasTag(c, "vip")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.PageSize = 1000
			opts.Embed = []string{upstream.EmbedTags}
			got, pg, err := e.client.Conversations.List(t.Context(), &opts)
			if err != nil {
				t.Fatal(err)
			}
			q := e.rec.last(t).URL.Query()
			wantQ := url.Values{"pageSize": {page}, "embed": {"tags"}}
			for k, v := range tt.query {
				wantQ[k] = v
			}
			if !sameQuery(q, wantQ) {
				t.Errorf("query = %v, want %v", q, wantQ)
			}
			var want []int
			for _, c := range all {
				if tt.keep(c) {
					want = append(want, c.ID)
				}
			}
			if len(want) == 0 {
				t.Fatal("the filter keeps nothing of the sample data: a useless case")
			}
			gotIDs := ids(got, convID)
			slices.Sort(gotIDs)
			slices.Sort(want)
			if !slices.Equal(gotIDs, want) {
				t.Errorf("ids = %v\nwant %v", gotIDs, want)
			}
			if pg.TotalElements != len(want) {
				t.Errorf("page.totalElements = %d, want %d", pg.TotalElements, len(want))
			}
		})
	}
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func TestConversationListSortAndPages(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	key := map[string]func(c upstream.Conversation) string{
		"createdAt":    func(c upstream.Conversation) string { return c.CreatedAt.Format(time.RFC3339) },
		"updatedAt":    func(c upstream.Conversation) string { return c.UpdatedAt.Format(time.RFC3339) },
		"waitingSince": func(c upstream.Conversation) string { return c.CustomerWaitingSince.Time.Format(time.RFC3339) },
		"number":       func(c upstream.Conversation) string { return fmtInt(c.Number) },
		"mailboxId":    func(c upstream.Conversation) string { return fmtInt(c.MailboxID) },
		"subject":      func(c upstream.Conversation) string { return strings.ToLower(c.Subject) },
	}
	tests := []struct{ field, order string }{
		{"", ""}, // FreeScout's default: createdAt, newest first
		{"createdAt", "asc"}, {"updatedAt", "desc"}, {"updatedAt", "asc"}, {"waitingSince", "asc"},
		{"number", "asc"}, {"number", "desc"}, {"mailboxId", "asc"}, {"subject", "asc"}, {"subject", "desc"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.order, func(t *testing.T) {
			got, _, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{
				ListOptions: upstream.ListOptions{PageSize: 1000}, Statuses: allStatuses,
				SortField: tt.field, SortOrder: tt.order,
			})
			if err != nil {
				t.Fatal(err)
			}
			q := e.rec.last(t).URL.Query()
			if q.Get("sortField") != tt.field || q.Get("sortOrder") != tt.order || q.Has("sortField") != (tt.field != "") {
				t.Errorf("query = %v", q)
			}
			field := cmp.Or(tt.field, "createdAt")
			k := key[field]
			sorted := slices.IsSortedFunc(got, func(a, b upstream.Conversation) int {
				if tt.order == "asc" {
					return cmp.Compare(k(a), k(b))
				}
				return cmp.Compare(k(b), k(a))
			})
			if !sorted || len(got) != 240 {
				t.Errorf("%d conversations not sorted by %s %s", len(got), field, cmp.Or(tt.order, "desc"))
			}
		})
	}

	// Paging with any page size visits every conversation once, in order.
	full, _, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{
		ListOptions: upstream.ListOptions{PageSize: 1000}, Statuses: allStatuses, SortField: "number", SortOrder: "asc",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 7, 50, 240, 241} {
		t.Run("pageSize "+fmtInt(size), func(t *testing.T) {
			var visited []int
			pages := (240 + size - 1) / size
			for p := 1; p <= pages; p++ {
				items, pg, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{
					ListOptions: upstream.ListOptions{Page: p, PageSize: size}, Statuses: allStatuses, SortField: "number", SortOrder: "asc",
				})
				if err != nil {
					t.Fatal(err)
				}
				want := upstream.Page{Size: size, TotalElements: 240, TotalPages: pages, Number: p}
				if pg != want {
					t.Fatalf("page %d: %+v, want %+v", p, pg, want)
				}
				q := e.rec.last(t).URL.Query()
				if q.Get("page") != fmtInt(p) || q.Get("pageSize") != fmtInt(size) {
					t.Fatalf("query = %v", q)
				}
				visited = append(visited, ids(items, convID)...)
			}
			if !slices.Equal(visited, ids(full, convID)) {
				t.Errorf("pages visit %d ids, not each of the 240 once in order", len(visited))
			}
		})
	}
	// Past the last page: an empty list, not nil.
	items, _, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{ListOptions: upstream.ListOptions{Page: 99, PageSize: 50}})
	if err != nil || items == nil || len(items) != 0 {
		t.Errorf("page past the end = %#v, %v; want an empty non-nil list", items, err)
	}
}

func fmtInt(n int) string { return strconv.Itoa(n) }

func TestConversationEmbeds(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	id := richConversation(t, e.client)
	type presence struct{ threads, timelogs, tags bool }
	tests := []struct {
		embed []string
		query string // the embed parameter the server must see; "-" when absent
		want  presence
	}{
		{nil, "-", presence{threads: true}}, // FreeScout's default for a single get
		{[]string{upstream.EmbedTags}, "tags", presence{tags: true}},
		{[]string{upstream.EmbedTimelogs, upstream.EmbedTags}, "timelogs,tags", presence{timelogs: true, tags: true}},
		{[]string{upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags}, "threads,timelogs,tags", presence{true, true, true}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.embed, ","), func(t *testing.T) {
			c, err := e.client.Conversations.Get(t.Context(), id, tt.embed...)
			if err != nil {
				t.Fatal(err)
			}
			q := e.rec.last(t).URL.Query()
			if (tt.query == "-" && q.Has("embed")) || (tt.query != "-" && q.Get("embed") != tt.query) {
				t.Errorf("query = %v, want embed %s", q, tt.query)
			}
			got := presence{c.Embedded.Threads != nil, c.Embedded.Timelogs != nil, c.Embedded.Tags != nil}
			if got != tt.want {
				t.Errorf("embedded = %+v, want %+v", got, tt.want)
			}
			if got.threads && len(c.Embedded.Threads) != c.ThreadsCount {
				t.Errorf("%d threads embedded, threadsCount %d", len(c.Embedded.Threads), c.ThreadsCount)
			}
		})
	}

	// In lists, embeds come only when asked, and the count arrives as "threads".
	list, _, err := e.client.Conversations.List(t.Context(), &upstream.ConversationListOptions{Number: 1000 + id, Statuses: allStatuses})
	if err != nil || len(list) != 1 {
		t.Fatalf("list by number: %v, %v", list, err)
	}
	if c := list[0]; c.Embedded.Threads != nil || c.Embedded.Tags != nil || c.Embedded.Timelogs != nil || c.ThreadsCount == 0 {
		t.Errorf("list item without embed: threadsCount %d, embedded %+v", c.ThreadsCount, c.Embedded)
	}

	// Timelogs: the list endpoint matches the embedded ones and pages.
	conv, err := e.client.Conversations.Get(t.Context(), id, upstream.EmbedTimelogs)
	if err != nil {
		t.Fatal(err)
	}
	logs, pg, err := e.client.Conversations.ListTimelogs(t.Context(), id, &upstream.ListOptions{Page: 2, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 || logs[0] != conv.Embedded.Timelogs[1] || pg.TotalElements != len(conv.Embedded.Timelogs) || pg.Number != 2 {
		t.Errorf("timelogs page 2 = %+v (%+v), embedded %+v", logs, pg, conv.Embedded.Timelogs)
	}
	if q := e.rec.last(t).URL.Query(); !sameQuery(q, url.Values{"page": {"2"}, "pageSize": {"1"}}) {
		t.Errorf("timelogs query = %v", q)
	}
	if !slices.IsSortedFunc(conv.Embedded.Timelogs, func(a, b upstream.Timelog) int { return b.CreatedAt.Compare(a.CreatedAt.Time) }) {
		t.Error("timelogs are not newest first")
	}
}

func TestCustomerListFilters(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	all, _, err := e.client.Customers.List(t.Context(), &upstream.CustomerListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 50 {
		t.Fatalf("%d sample customers, want 50", len(all))
	}
	c1, err := e.client.Customers.Get(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	since := all[len(all)/2].UpdatedAt.Time
	phone := c1.Embedded.Phones[0].Value
	email := c1.Embedded.Emails[1].Value // not the first: every address counts
	tests := []struct {
		name  string
		opts  upstream.CustomerListOptions
		query url.Values
		keep  func(upstream.Customer) bool
	}{
		{"first name", upstream.CustomerListOptions{FirstName: c1.FirstName}, url.Values{"firstName": {c1.FirstName}},
			func(c upstream.Customer) bool { return strings.EqualFold(c.FirstName, c1.FirstName) }},
		{"last name", upstream.CustomerListOptions{LastName: c1.LastName}, url.Values{"lastName": {c1.LastName}},
			func(c upstream.Customer) bool { return strings.EqualFold(c.LastName, c1.LastName) }},
		{"phone", upstream.CustomerListOptions{Phone: phone}, url.Values{"phone": {phone}},
			func(c upstream.Customer) bool {
				return slices.ContainsFunc(c.Embedded.Phones, func(p upstream.Entry) bool { return digits(p.Value) == digits(phone) })
			}},
		{"email", upstream.CustomerListOptions{Email: email}, url.Values{"email": {email}},
			func(c upstream.Customer) bool { return c.ID == 1 }},
		{"updated since", upstream.CustomerListOptions{UpdatedSince: since}, url.Values{"updatedSince": {since.Format(time.RFC3339)}},
			func(c upstream.Customer) bool { return !c.UpdatedAt.Before(since) }},
		{"all filters", upstream.CustomerListOptions{FirstName: c1.FirstName, LastName: c1.LastName, Phone: phone, Email: email, UpdatedSince: c1.UpdatedAt.Time},
			url.Values{"firstName": {c1.FirstName}, "lastName": {c1.LastName}, "phone": {phone}, "email": {email}, "updatedSince": {c1.UpdatedAt.Format(time.RFC3339)}},
			func(c upstream.Customer) bool { return c.ID == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.PageSize = 1000
			got, _, err := e.client.Customers.List(t.Context(), &opts)
			if err != nil {
				t.Fatal(err)
			}
			wantQ := url.Values{"pageSize": {"1000"}}
			for k, v := range tt.query {
				wantQ[k] = v
			}
			if q := e.rec.last(t).URL.Query(); !sameQuery(q, wantQ) {
				t.Errorf("query = %v, want %v", q, wantQ)
			}
			var want []int
			for _, c := range all {
				if tt.keep(c) {
					want = append(want, c.ID)
				}
			}
			gotIDs := ids(got, custID)
			slices.Sort(gotIDs)
			slices.Sort(want)
			if len(want) == 0 || !slices.Equal(gotIDs, want) {
				t.Errorf("ids = %v, want %v", gotIDs, want)
			}
		})
	}

	sorts := []struct {
		field, order string
		key          func(upstream.Customer) string
	}{
		{"", "", func(c upstream.Customer) string { return c.CreatedAt.Format(time.RFC3339) }},
		{"firstName", "asc", func(c upstream.Customer) string { return strings.ToLower(c.FirstName) }},
		{"lastName", "desc", func(c upstream.Customer) string { return strings.ToLower(c.LastName) }},
		{"updatedAt", "asc", func(c upstream.Customer) string { return c.UpdatedAt.Format(time.RFC3339) }},
		{"createdAt", "asc", func(c upstream.Customer) string { return c.CreatedAt.Format(time.RFC3339) }},
	}
	for _, s := range sorts {
		t.Run("sort "+s.field+" "+s.order, func(t *testing.T) {
			got, _, err := e.client.Customers.List(t.Context(), &upstream.CustomerListOptions{
				ListOptions: upstream.ListOptions{PageSize: 1000}, SortField: s.field, SortOrder: s.order,
			})
			if err != nil {
				t.Fatal(err)
			}
			q := e.rec.last(t).URL.Query()
			if q.Get("sortField") != s.field || q.Get("sortOrder") != s.order {
				t.Errorf("query = %v", q)
			}
			if !slices.IsSortedFunc(got, func(a, b upstream.Customer) int {
				if s.order == "asc" {
					return cmp.Compare(s.key(a), s.key(b))
				}
				return cmp.Compare(s.key(b), s.key(a))
			}) {
				t.Errorf("customers not sorted by %q %q", s.field, s.order)
			}
		})
	}

	items, pg, err := e.client.Customers.List(t.Context(), &upstream.CustomerListOptions{ListOptions: upstream.ListOptions{Page: 3, PageSize: 20}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(items, custID), ids(all[40:], custID)) || pg != (upstream.Page{Size: 20, TotalElements: 50, TotalPages: 3, Number: 3}) {
		t.Errorf("page 3 of 20 = %v (%+v)", ids(items, custID), pg)
	}
}

func TestMailboxFolderTagUserFilters(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()

	t.Run("mailboxes by user", func(t *testing.T) {
		tests := []struct {
			opts  *upstream.MailboxListOptions
			query url.Values
			want  []int
		}{
			{nil, url.Values{}, []int{1, 2, 3}},
			{&upstream.MailboxListOptions{UserID: 7}, url.Values{"userId": {"7"}}, []int{1, 3}},
			{&upstream.MailboxListOptions{UserID: 33}, url.Values{"userId": {"33"}}, []int{1, 2}},
			{&upstream.MailboxListOptions{UserID: 5}, url.Values{"userId": {"5"}}, []int{2}},
			{&upstream.MailboxListOptions{UserID: 1}, url.Values{"userId": {"1"}}, []int{1, 2, 3}},
			{&upstream.MailboxListOptions{ListOptions: upstream.ListOptions{Page: 2, PageSize: 2}}, url.Values{"page": {"2"}, "pageSize": {"2"}}, []int{3}},
		}
		for _, tt := range tests {
			got, _, err := e.client.Mailboxes.List(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if q := e.rec.last(t).URL.Query(); !sameQuery(q, tt.query) {
				t.Errorf("query = %v, want %v", q, tt.query)
			}
			if g := ids(got, func(m upstream.Mailbox) int { return m.ID }); !slices.Equal(g, tt.want) {
				t.Errorf("%+v: mailboxes %v, want %v", tt.opts, g, tt.want)
			}
		}
	})

	t.Run("folders by user and id", func(t *testing.T) {
		all, _, err := e.client.Mailboxes.ListFolders(ctx, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		var shared, user2, user7 []int
		for _, f := range all {
			switch {
			case f.UserID == nil:
				shared = append(shared, f.ID)
			case *f.UserID == 2:
				user2 = append(user2, f.ID)
			case *f.UserID == 7:
				user7 = append(user7, f.ID)
			}
		}
		if len(shared) != 6 || len(user2) != 2 || len(user7) != 2 {
			t.Fatalf("mailbox 1 folders: %d shared, %d of user 2, %d of user 7", len(shared), len(user2), len(user7))
		}
		tests := []struct {
			opts  *upstream.FolderListOptions
			query url.Values
			want  []int
		}{
			{&upstream.FolderListOptions{UserID: 2}, url.Values{"userId": {"2"}}, append(slices.Clone(shared), user2...)},
			{&upstream.FolderListOptions{UserID: 7}, url.Values{"userId": {"7"}}, append(slices.Clone(shared), user7...)},
			{&upstream.FolderListOptions{UserID: 5}, url.Values{"userId": {"5"}}, shared}, // no access, no own folders
			{&upstream.FolderListOptions{FolderID: user2[0]}, url.Values{"folderId": {fmtInt(user2[0])}}, user2[:1]},
			{&upstream.FolderListOptions{UserID: 2, FolderID: shared[1], ListOptions: upstream.ListOptions{PageSize: 100}},
				url.Values{"userId": {"2"}, "folderId": {fmtInt(shared[1])}, "pageSize": {"100"}}, shared[1:2]},
		}
		for _, tt := range tests {
			got, _, err := e.client.Mailboxes.ListFolders(ctx, 1, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if q := e.rec.last(t).URL.Query(); !sameQuery(q, tt.query) {
				t.Errorf("query = %v, want %v", q, tt.query)
			}
			g := ids(got, func(f upstream.Folder) int { return f.ID })
			slices.Sort(g)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(g, want) {
				t.Errorf("%+v: folders %v, want %v", tt.opts, g, want)
			}
		}
	})

	t.Run("tags by conversation", func(t *testing.T) {
		id := richConversation(t, e.client)
		conv, err := e.client.Conversations.Get(ctx, id, upstream.EmbedTags)
		if err != nil {
			t.Fatal(err)
		}
		tags, _, err := e.client.Tags.List(ctx, &upstream.TagListOptions{ConversationID: id, ListOptions: upstream.ListOptions{Page: 1, PageSize: 100}})
		if err != nil {
			t.Fatal(err)
		}
		if q := e.rec.last(t).URL.Query(); !sameQuery(q, url.Values{"conversationId": {fmtInt(id)}, "page": {"1"}, "pageSize": {"100"}}) {
			t.Errorf("query = %v", q)
		}
		want := slices.SortedFunc(slices.Values(conv.Embedded.Tags), func(a, b upstream.Tag) int { return cmp.Compare(a.ID, b.ID) })
		if len(tags) != len(want) || len(tags) == 0 {
			t.Fatalf("tags %+v, want %+v", tags, want)
		}
		for i := range tags {
			if tags[i].ID != want[i].ID || tags[i].Name != want[i].Name || tags[i].Counter < 1 || tags[i].Color == 0 {
				t.Errorf("tag %d = %+v, want %+v with counter and color", i, tags[i], want[i])
			}
		}
	})

	t.Run("users by email", func(t *testing.T) {
		tests := []struct {
			email string
			want  []int
		}{
			{"", []int{1, 2, 3, 4, 5, 6, 7, 8, 15, 33}},
			{"hannah.schmidt@example.com", []int{5}},
			{"HANNAH.SCHMIDT@example.com", []int{5}},
			{"nobody@example.com", []int{}},
		}
		for _, tt := range tests {
			got, pg, err := e.client.Users.List(ctx, &upstream.UserListOptions{Email: tt.email, ListOptions: upstream.ListOptions{PageSize: 100}})
			if err != nil {
				t.Fatal(err)
			}
			wantQ := url.Values{"pageSize": {"100"}}
			if tt.email != "" {
				wantQ["email"] = []string{tt.email}
			}
			if q := e.rec.last(t).URL.Query(); !sameQuery(q, wantQ) {
				t.Errorf("query = %v, want %v", q, wantQ)
			}
			if g := ids(got, func(u upstream.User) int { return u.ID }); !slices.Equal(g, tt.want) || pg.TotalElements != len(tt.want) {
				t.Errorf("email %q: users %v, want %v", tt.email, g, tt.want)
			}
		}
	})
}

// TestPersonHasOnEmulator checks Person.Has against the keys of every person
// the emulator embeds in conversations: user references, customer stubs and
// references with null names.
func TestPersonHasOnEmulator(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	list := allConversations(t, e.client)
	body := e.raw(t, "/api/conversations?status=active,pending,closed,spam&embed=tags&pageSize=1000")
	items, _ := rawEmbedded(t, body, "conversations")
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(items, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != len(list) {
		t.Fatalf("%d raw conversations, %d decoded", len(raw), len(list))
	}
	keys := []string{"id", "type", "firstName", "lastName", "photoUrl", "email", "role"}
	checked, stubs := 0, 0
	for i, c := range list {
		for name, p := range map[string]*upstream.Person{"assignee": c.Assignee, "createdBy": c.CreatedBy, "closedByUser": c.ClosedByUser, "customer": c.Customer} {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw[i][name], &obj); err != nil {
				t.Fatal(err)
			}
			if (obj == nil) != (p == nil) {
				t.Errorf("conversation %d %s: raw %s, decoded %+v", c.ID, name, raw[i][name], p)
				continue
			}
			if obj == nil {
				continue
			}
			checked++
			if _, ok := obj["firstName"]; !ok {
				stubs++
			}
			for _, k := range keys {
				if _, present := obj[k]; p.Has(k) != present {
					t.Errorf("conversation %d %s.Has(%q) = %v, raw %s", c.ID, name, k, p.Has(k), raw[i][name])
				}
			}
		}
	}
	if checked == 0 || stubs == 0 {
		t.Errorf("checked %d people, %d customer stubs: the sample data should hold both", checked, stubs)
	}
}

package gateway_test

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// filterNode is a conversation as the filter tests select it.
type filterNode struct {
	ID       string `json:"id"`
	Number   int    `json:"number"`
	Subject  string `json:"subject"`
	Status   string `json:"status"`
	State    string `json:"state"`
	Type     string `json:"type"`
	FolderID string `json:"folderId"`
	Mailbox  struct {
		ID string `json:"id"`
	} `json:"mailbox"`
	Assignee *struct {
		ID string `json:"id"`
	} `json:"assignee"`
	Customer *struct {
		ID string `json:"id"`
	} `json:"customer"`
	CreatedBy *struct {
		Typename string `json:"__typename"`
		ID       string `json:"id"`
	} `json:"createdBy"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`
	CustomerWaitingSince struct {
		Time time.Time `json:"time"`
	} `json:"customerWaitingSince"`
}

type filterConnection struct {
	TotalCount int          `json:"totalCount"`
	Nodes      []filterNode `json:"nodes"`
}

const filterSelection = `totalCount nodes { id number subject status state type folderId mailbox { id } assignee { id }
	customer { id }
	createdBy { __typename ... on User { id } ... on Customer { id } } tags { name }
	createdAt updatedAt customerWaitingSince { time } }`

func nodeIDList(nodes []filterNode) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n.ID)
	}
	return out
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// TestAPIConversationFilters checks that each ConversationFilter field
// reaches FreeScout as its list parameter, and that what comes back
// satisfies the filter and is exactly what FreeScout lists for it.
func TestAPIConversationFilters(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	ctx := t.Context()

	cust1 := a.customer(t, 1)
	email, phone := cust1.Embedded.Emails[1].Value, cust1.Embedded.Phones[0].Value
	all := a.conversations(t, upstream.ConversationListOptions{})
	var userCreator, customerCreator int
	for _, c := range all {
		if c.CreatedBy != nil && c.CreatedBy.Type == "user" && userCreator == 0 {
			userCreator = c.CreatedBy.ID
		}
		if c.CreatedBy != nil && c.CreatedBy.Type == "customer" && customerCreator == 0 {
			customerCreator = c.CreatedBy.ID
		}
	}
	folders, _, err := a.fs.Mailboxes.ListFolders(ctx, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	folder := slices.IndexFunc(folders, func(f upstream.Folder) bool { return f.Type == 20 && f.TotalCount > 0 })
	if folder < 0 {
		t.Fatal("mailbox 1 has no Mine folder with conversations")
	}
	folderID := folders[folder].ID
	since := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	updSince := time.Date(2025, 9, 1, 12, 30, 0, 0, time.UTC)

	cases := []struct {
		name   string
		filter map[string]any
		opts   upstream.ConversationListOptions // the same filter, in FreeScout's terms
		param  map[string]string                // query parameters the gateway must send
		holds  func(n filterNode) bool
		// since is the module version that brought the filter ("" for one every
		// version has), gated the parameters it adds: on an older install the
		// gateway sends none of them (a status list: every status) and applies
		// the filter itself.
		since string
		gated []string
	}{
		{
			name:  "no filter: every status",
			param: map[string]string{"status": "active,pending,closed,spam"},
			holds: func(filterNode) bool { return true },
		},
		{
			name:   "mailboxIds",
			filter: map[string]any{"mailboxIds": []string{"1", "3"}},
			opts:   upstream.ConversationListOptions{MailboxIDs: []int{1, 3}},
			param:  map[string]string{"mailboxId": "1,3", "status": "active,pending,closed,spam"},
			holds:  func(n filterNode) bool { return n.Mailbox.ID == "1" || n.Mailbox.ID == "3" },
		},
		{
			name:   "folderId",
			filter: map[string]any{"folderId": wantID(folderID)},
			opts:   upstream.ConversationListOptions{FolderID: folderID},
			param:  map[string]string{"folderId": wantID(folderID)},
			holds:  func(n filterNode) bool { return n.FolderID == wantID(folderID) },
		},
		{
			name:   "statuses",
			filter: map[string]any{"statuses": []string{"PENDING", "SPAM"}},
			opts:   upstream.ConversationListOptions{Statuses: []string{"pending", "spam"}},
			param:  map[string]string{"status": "pending,spam"},
			holds:  func(n filterNode) bool { return n.Status == "PENDING" || n.Status == "SPAM" },
			since:  "1.0.77", gated: []string{"status"},
		},
		{
			name:   "one status",
			filter: map[string]any{"statuses": []string{"CLOSED"}},
			opts:   upstream.ConversationListOptions{Statuses: []string{"closed"}},
			param:  map[string]string{"status": "closed"},
			holds:  func(n filterNode) bool { return n.Status == "CLOSED" },
		},
		{
			name:   "state",
			filter: map[string]any{"state": "DRAFT"},
			opts:   upstream.ConversationListOptions{State: "draft"},
			param:  map[string]string{"state": "draft", "status": "active,pending,closed,spam"},
			holds:  func(n filterNode) bool { return n.State == "DRAFT" },
			since:  "1.0.42", gated: []string{"state"},
		},
		{
			name:   "type",
			filter: map[string]any{"type": "PHONE"},
			opts:   upstream.ConversationListOptions{Type: "phone"},
			param:  map[string]string{"type": "phone"},
			holds:  func(n filterNode) bool { return n.Type == "PHONE" },
			since:  "1.0.55", gated: []string{"type"},
		},
		{
			name:   "assigneeId",
			filter: map[string]any{"assigneeId": "2"},
			opts:   upstream.ConversationListOptions{AssignedTo: 2},
			param:  map[string]string{"assignedTo": "2"},
			holds:  func(n filterNode) bool { return n.Assignee != nil && n.Assignee.ID == "2" },
		},
		{
			name:   "unassigned",
			filter: map[string]any{"unassigned": true},
			opts:   upstream.ConversationListOptions{Unassigned: true},
			param:  map[string]string{"assignedTo": ""},
			holds:  func(n filterNode) bool { return n.Assignee == nil },
			since:  "1.0.45", gated: []string{"assignedTo"},
		},
		{
			name:   "customerId",
			filter: map[string]any{"customerId": "1"},
			opts:   upstream.ConversationListOptions{CustomerID: 1},
			param:  map[string]string{"customerId": "1"},
			holds:  func(n filterNode) bool { return n.Customer != nil && n.Customer.ID == "1" },
		},
		{
			name:   "customerEmail",
			filter: map[string]any{"customerEmail": email},
			opts:   upstream.ConversationListOptions{CustomerEmail: email},
			param:  map[string]string{"customerEmail": email},
			holds: func(n filterNode) bool {
				return n.Customer != nil && slices.ContainsFunc(a.customer(t, atoi(t, n.Customer.ID)).Embedded.Emails, func(e upstream.Entry) bool {
					return strings.EqualFold(e.Value, email)
				})
			},
		},
		{
			name:   "customerPhone",
			filter: map[string]any{"customerPhone": phone},
			opts:   upstream.ConversationListOptions{CustomerPhone: phone},
			param:  map[string]string{"customerPhone": phone},
			holds: func(n filterNode) bool {
				return n.Customer != nil && slices.ContainsFunc(a.customer(t, atoi(t, n.Customer.ID)).Embedded.Phones, func(p upstream.Entry) bool {
					return digits(p.Value) == digits(phone)
				})
			},
			since: "1.0.55", gated: []string{"customerPhone"},
		},
		{
			name:   "number",
			filter: map[string]any{"number": 1005},
			opts:   upstream.ConversationListOptions{Number: 1005},
			param:  map[string]string{"number": "1005"},
			holds:  func(n filterNode) bool { return n.Number == 1005 },
		},
		{
			name:   "subject",
			filter: map[string]any{"subject": "refund"},
			opts:   upstream.ConversationListOptions{Subject: "refund"},
			param:  map[string]string{"subject": "refund"},
			holds:  func(n filterNode) bool { return strings.Contains(strings.ToLower(n.Subject), "refund") },
			since:  "1.0.55", gated: []string{"subject"},
		},
		{
			name:   "tag",
			filter: map[string]any{"tag": "vip"},
			opts:   upstream.ConversationListOptions{Tag: "vip"},
			param:  map[string]string{"tag": "vip"},
			holds: func(n filterNode) bool {
				return slices.ContainsFunc(n.Tags, func(tg struct {
					Name string `json:"name"`
				}) bool {
					return tg.Name == "vip"
				})
			},
			since: "1.0.55", gated: []string{"tag"},
		},
		{
			name:   "createdByUserId",
			filter: map[string]any{"createdByUserId": wantID(userCreator)},
			opts:   upstream.ConversationListOptions{CreatedByUserID: userCreator},
			param:  map[string]string{"createdByUserId": wantID(userCreator)},
			holds: func(n filterNode) bool {
				return n.CreatedBy != nil && n.CreatedBy.Typename == "User" && n.CreatedBy.ID == wantID(userCreator)
			},
			since: "1.0.73", gated: []string{"createdByUserId"},
		},
		{
			name:   "createdByCustomerId",
			filter: map[string]any{"createdByCustomerId": wantID(customerCreator)},
			opts:   upstream.ConversationListOptions{CreatedByCustomerID: customerCreator},
			param:  map[string]string{"createdByCustomerId": wantID(customerCreator)},
			holds: func(n filterNode) bool {
				return n.CreatedBy != nil && n.CreatedBy.Typename == "Customer" && n.CreatedBy.ID == wantID(customerCreator)
			},
			since: "1.0.73", gated: []string{"createdByCustomerId"},
		},
		{
			name:   "createdSince",
			filter: map[string]any{"createdSince": "2025-06-01T02:00:00+02:00"},
			opts:   upstream.ConversationListOptions{CreatedSince: since},
			param:  map[string]string{"createdSince": "2025-06-01T00:00:00Z"},
			holds:  func(n filterNode) bool { return !n.CreatedAt.Before(since) },
			since:  "1.0.55", gated: []string{"createdSince"},
		},
		{
			name:   "updatedSince",
			filter: map[string]any{"updatedSince": "2025-09-01T12:30:00Z"},
			opts:   upstream.ConversationListOptions{UpdatedSince: updSince},
			param:  map[string]string{"updatedSince": "2025-09-01T12:30:00Z"},
			holds:  func(n filterNode) bool { return !n.UpdatedAt.Before(updSince) },
		},
		{
			name:   "several conditions",
			filter: map[string]any{"mailboxIds": []string{"2"}, "statuses": []string{"ACTIVE", "PENDING"}, "type": "EMAIL"},
			opts:   upstream.ConversationListOptions{MailboxIDs: []int{2}, Statuses: []string{"active", "pending"}, Type: "email"},
			param:  map[string]string{"mailboxId": "2", "status": "active,pending", "type": "email"},
			holds: func(n filterNode) bool {
				return n.Mailbox.ID == "2" && (n.Status == "ACTIVE" || n.Status == "PENDING") && n.Type == "EMAIL"
			},
			since: "1.0.77", gated: []string{"status", "type"},
		},
	}
	query := `query($f: ConversationFilter) { conversations(first: 100, filter: $f) { ` + filterSelection + ` } }`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := a.install()
			if tc.name == "tag" && !in.Has(upstream.ModuleTags) {
				assertModuleUnavailable(t, "the tag filter", a.Do(t, query, map[string]any{"f": tc.filter}), upstream.ModuleTags)
				return
			}
			local := tc.since != "" && !in.AtLeast(tc.since)
			if local && tc.name == "customerPhone" {
				// Not to be checked on a conversation: refused, not answered wrongly.
				r := a.Do(t, query, map[string]any{"f": tc.filter})
				if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "filter.customerPhone") {
					t.Errorf("customerPhone on %s: errors %+v, want BAD_USER_INPUT about it", in, r.Errors)
				}
				return
			}
			from := a.logLen()
			var got struct {
				Conversations filterConnection `json:"conversations"`
			}
			a.decode(t, query, map[string]any{"f": tc.filter}, &got)
			q := queryOf(t, a.requests(from), "GET", "/api/conversations")
			for k, v := range tc.param {
				switch {
				case local && k == "status" && slices.Contains(tc.gated, k):
					v = "active,pending,closed,spam" // the module lists every status for a list: filtered here
				case local && slices.Contains(tc.gated, k):
					if q.Has(k) {
						t.Errorf("upstream %s = %q sent to %s, which ignores it; query %s", k, q.Get(k), in, q.Encode())
					}
					continue
				}
				if !q.Has(k) || q.Get(k) != v {
					t.Errorf("upstream %s = %q (present %v), want %q; query %s", k, q.Get(k), q.Has(k), v, q.Encode())
				}
			}
			want := a.conversations(t, tc.opts)
			if len(want) == 0 {
				t.Fatalf("FreeScout lists nothing for %v: pick another value", tc.filter)
			}
			if got.Conversations.TotalCount != len(want) {
				t.Errorf("totalCount = %d, want %d", got.Conversations.TotalCount, len(want))
			}
			if g, w := nodeIDList(got.Conversations.Nodes), convIDs(want[:min(100, len(want))]); !slices.Equal(g, w) {
				t.Errorf("ids\n got %v\nwant %v", g, w)
			}
			for _, n := range got.Conversations.Nodes {
				if !tc.holds(n) {
					t.Errorf("conversation %s does not satisfy the filter: %+v", n.ID, n)
				}
			}
		})
	}

	t.Run("default is documented in the SDL", func(t *testing.T) {
		var got struct {
			Filter struct {
				InputFields []struct{ Name, Description string } `json:"inputFields"`
			} `json:"filter"`
			Query struct {
				Fields []struct{ Name, Description string } `json:"fields"`
			} `json:"query"`
		}
		a.decode(t, `{ filter: __type(name: "ConversationFilter") { inputFields { name description } }
			query: __type(name: "Query") { fields { name description } } }`, nil, &got)
		for _, f := range got.Filter.InputFields {
			if f.Name == "statuses" && !strings.Contains(f.Description, "all statuses when left out") {
				t.Errorf("ConversationFilter.statuses description %q does not say the default is all statuses", f.Description)
			}
		}
		for _, f := range got.Query.Fields {
			if f.Name == "conversations" && !strings.Contains(f.Description, "every status") {
				t.Errorf("Query.conversations description %q does not say every status is returned", f.Description)
			}
		}
	})
}

// TestAPINestedConversationFilters checks that Mailbox.conversations and
// Customer.conversations keep their own restriction under a filter.
func TestAPINestedConversationFilters(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	cases := []struct {
		name, query string
		path        []any
		want        upstream.ConversationListOptions
	}{
		{
			name:  "mailbox",
			query: `{ mailbox(id: "2") { conversations(first: 100, filter: {statuses: [CLOSED], mailboxIds: ["1"]}) { ` + filterSelection + ` } } }`,
			path:  []any{"mailbox", "conversations"},
			want:  upstream.ConversationListOptions{MailboxIDs: []int{2}, Statuses: []string{"closed"}},
		},
		{
			name:  "customer",
			query: `{ customer(id: "1") { conversations(first: 100, filter: {statuses: [CLOSED, PENDING], customerId: "2"}) { ` + filterSelection + ` } } }`,
			path:  []any{"customer", "conversations"},
			want:  upstream.ConversationListOptions{CustomerID: 1, Statuses: []string{"closed", "pending"}},
		},
		{
			name:  "customer, no filter",
			query: `{ customer(id: "3") { conversations(first: 100) { ` + filterSelection + ` } } }`,
			path:  []any{"customer", "conversations"},
			want:  upstream.ConversationListOptions{CustomerID: 3},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := a.data(t, tc.query, nil)
			want := a.conversations(t, tc.want)
			if len(want) == 0 {
				t.Fatal("FreeScout lists nothing: pick another value")
			}
			conn := jget(got, tc.path...)
			if g, w := nodeIDs(jget(conn, "nodes")), convIDs(want); !slices.Equal(g, w) {
				t.Errorf("ids\n got %v\nwant %v", g, w)
			}
			if n := jget(conn, "totalCount"); n != float64(len(want)) {
				t.Errorf("totalCount = %v, want %d", n, len(want))
			}
		})
	}
}

// TestAPIConversationOrder sorts by every field in both directions.
func TestAPIConversationOrder(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	fields := []struct {
		field, wire string
		cmp         func(a, b filterNode) int
	}{
		{"CREATED_AT", "createdAt", func(a, b filterNode) int { return a.CreatedAt.Compare(b.CreatedAt) }},
		{"MAILBOX_ID", "mailboxId", func(a, b filterNode) int { return cmp.Compare(a.Mailbox.ID, b.Mailbox.ID) }},
		{"NUMBER", "number", func(a, b filterNode) int { return cmp.Compare(a.Number, b.Number) }},
		{"SUBJECT", "subject", func(a, b filterNode) int {
			return strings.Compare(strings.ToLower(a.Subject), strings.ToLower(b.Subject))
		}},
		{"UPDATED_AT", "updatedAt", func(a, b filterNode) int { return a.UpdatedAt.Compare(b.UpdatedAt) }},
		{"WAITING_SINCE", "waitingSince", func(a, b filterNode) int {
			return a.CustomerWaitingSince.Time.Compare(b.CustomerWaitingSince.Time)
		}},
	}
	query := `query($o: ConversationOrder) { conversations(first: 100, orderBy: $o) { ` + filterSelection + ` } }`
	for _, f := range fields {
		for _, dir := range []string{"ASC", "DESC"} {
			t.Run(f.field+" "+dir, func(t *testing.T) {
				t.Parallel()
				from := a.logLen()
				var got struct {
					Conversations filterConnection `json:"conversations"`
				}
				a.decode(t, query, map[string]any{"o": map[string]any{"field": f.field, "direction": dir}}, &got)
				sent := slices.ContainsFunc(a.requests(from), func(r gatewaytest.Request) bool {
					q, _ := url.ParseQuery(r.RawQuery)
					return r.Path == "/api/conversations" && q.Get("sortField") == f.wire && q.Get("sortOrder") == strings.ToLower(dir)
				})
				if !sent {
					t.Errorf("no upstream list with sortField=%s sortOrder=%s", f.wire, strings.ToLower(dir))
				}
				want := a.conversations(t, upstream.ConversationListOptions{SortField: f.wire, SortOrder: strings.ToLower(dir)})
				if g, w := nodeIDList(got.Conversations.Nodes), convIDs(want[:100]); !slices.Equal(g, w) {
					t.Errorf("ids\n got %v\nwant %v", g, w)
				}
				for i := 1; i < len(got.Conversations.Nodes); i++ {
					c := f.cmp(got.Conversations.Nodes[i-1], got.Conversations.Nodes[i])
					if (dir == "ASC" && c > 0) || (dir == "DESC" && c < 0) {
						t.Errorf("conversations %s and %s are out of %s order", got.Conversations.Nodes[i-1].ID, got.Conversations.Nodes[i].ID, dir)
					}
				}
			})
		}
	}
	t.Run("default: newest first", func(t *testing.T) {
		var got struct {
			Conversations filterConnection `json:"conversations"`
		}
		a.decode(t, `{ conversations(first: 100) { `+filterSelection+` } }`, nil, &got)
		if g, w := nodeIDList(got.Conversations.Nodes), convIDs(a.conversations(t, upstream.ConversationListOptions{})[:100]); !slices.Equal(g, w) {
			t.Errorf("ids\n got %v\nwant %v", g, w)
		}
		for i := 1; i < len(got.Conversations.Nodes); i++ {
			if got.Conversations.Nodes[i-1].CreatedAt.Before(got.Conversations.Nodes[i].CreatedAt) {
				t.Errorf("conversation %s is older than the next one", got.Conversations.Nodes[i-1].ID)
			}
		}
	})
}

// customerNode is a customer as the customer filter tests select it.
type customerNode struct {
	ID        string    `json:"id"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Emails    []struct {
		Value string `json:"value"`
	} `json:"emails"`
	Phones []struct {
		Value string `json:"value"`
	} `json:"phones"`
}

// TestAPICustomerFiltersAndOrder covers CustomerFilter and CustomerOrder.
func TestAPICustomerFiltersAndOrder(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	ctx := t.Context()
	c1 := a.customer(t, 1)
	since := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	list := func(t *testing.T, o upstream.CustomerListOptions) []string {
		o.ListOptions = upstream.ListOptions{PageSize: 1000}
		cs, _, err := a.fs.Customers.List(ctx, &o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, wantID(c.ID))
		}
		return out
	}
	const sel = `totalCount nodes { id firstName lastName createdAt updatedAt emails { value } phones { value } }`
	cases := []struct {
		name   string
		filter map[string]any
		order  map[string]any
		opts   upstream.CustomerListOptions
		param  map[string]string
		holds  func(a, b customerNode) bool // a node, and the previous one (zero for the first)
	}{
		{
			name: "firstName", filter: map[string]any{"firstName": c1.FirstName},
			opts: upstream.CustomerListOptions{FirstName: c1.FirstName}, param: map[string]string{"firstName": c1.FirstName},
			holds: func(n, _ customerNode) bool { return strings.EqualFold(n.FirstName, c1.FirstName) },
		},
		{
			name: "lastName", filter: map[string]any{"lastName": c1.LastName},
			opts: upstream.CustomerListOptions{LastName: c1.LastName}, param: map[string]string{"lastName": c1.LastName},
			holds: func(n, _ customerNode) bool { return strings.EqualFold(n.LastName, c1.LastName) },
		},
		{
			name: "phone", filter: map[string]any{"phone": c1.Embedded.Phones[0].Value},
			opts: upstream.CustomerListOptions{Phone: c1.Embedded.Phones[0].Value}, param: map[string]string{"phone": c1.Embedded.Phones[0].Value},
			holds: func(n, _ customerNode) bool {
				return slices.ContainsFunc(n.Phones, func(p struct {
					Value string `json:"value"`
				}) bool {
					return digits(p.Value) == digits(c1.Embedded.Phones[0].Value)
				})
			},
		},
		{
			name: "email", filter: map[string]any{"email": c1.Embedded.Emails[1].Value},
			opts: upstream.CustomerListOptions{Email: c1.Embedded.Emails[1].Value}, param: map[string]string{"email": c1.Embedded.Emails[1].Value},
			holds: func(n, _ customerNode) bool {
				return slices.ContainsFunc(n.Emails, func(e struct {
					Value string `json:"value"`
				}) bool {
					return strings.EqualFold(e.Value, c1.Embedded.Emails[1].Value)
				})
			},
		},
		{
			name: "updatedSince", filter: map[string]any{"updatedSince": "2025-03-01T00:00:00Z"},
			opts: upstream.CustomerListOptions{UpdatedSince: since}, param: map[string]string{"updatedSince": "2025-03-01T00:00:00Z"},
			holds: func(n, _ customerNode) bool { return !n.UpdatedAt.Before(since) },
		},
		{
			name: "default order: newest first", opts: upstream.CustomerListOptions{},
			holds: func(n, prev customerNode) bool { return prev.ID == "" || !prev.CreatedAt.Before(n.CreatedAt) },
		},
	}
	for _, o := range []struct {
		field, wire string
		less        func(a, b customerNode) int
	}{
		{"CREATED_AT", "createdAt", func(a, b customerNode) int { return a.CreatedAt.Compare(b.CreatedAt) }},
		{"FIRST_NAME", "firstName", func(a, b customerNode) int {
			return strings.Compare(strings.ToLower(a.FirstName), strings.ToLower(b.FirstName))
		}},
		{"LAST_NAME", "lastName", func(a, b customerNode) int {
			return strings.Compare(strings.ToLower(a.LastName), strings.ToLower(b.LastName))
		}},
		{"UPDATED_AT", "updatedAt", func(a, b customerNode) int { return a.UpdatedAt.Compare(b.UpdatedAt) }},
	} {
		for _, dir := range []string{"ASC", "DESC"} {
			cases = append(cases, struct {
				name   string
				filter map[string]any
				order  map[string]any
				opts   upstream.CustomerListOptions
				param  map[string]string
				holds  func(a, b customerNode) bool
			}{
				name:  "order " + o.field + " " + dir,
				order: map[string]any{"field": o.field, "direction": dir},
				opts:  upstream.CustomerListOptions{SortField: o.wire, SortOrder: strings.ToLower(dir)},
				param: map[string]string{"sortField": o.wire, "sortOrder": strings.ToLower(dir)},
				holds: func(n, prev customerNode) bool {
					if prev.ID == "" {
						return true
					}
					c := o.less(prev, n)
					return (dir == "ASC" && c <= 0) || (dir == "DESC" && c >= 0)
				},
			})
		}
	}
	query := `query($f: CustomerFilter, $o: CustomerOrder) { customers(first: 100, filter: $f, orderBy: $o) { ` + sel + ` } }`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from := a.logLen()
			var got struct {
				Customers struct {
					TotalCount int            `json:"totalCount"`
					Nodes      []customerNode `json:"nodes"`
				} `json:"customers"`
			}
			a.decode(t, query, map[string]any{"f": tc.filter, "o": tc.order}, &got)
			q := queryOf(t, a.requests(from), "GET", "/api/customers")
			for k, v := range tc.param {
				if q.Get(k) != v {
					t.Errorf("upstream %s = %q, want %q; query %s", k, q.Get(k), v, q.Encode())
				}
			}
			want := list(t, tc.opts)
			if len(want) == 0 {
				t.Fatal("FreeScout lists nothing: pick another value")
			}
			var gotIDs []string
			var prev customerNode
			for _, n := range got.Customers.Nodes {
				gotIDs = append(gotIDs, n.ID)
				if !tc.holds(n, prev) {
					t.Errorf("customer %s does not satisfy the filter or order: %+v after %+v", n.ID, n, prev)
				}
				prev = n
			}
			if !slices.Equal(gotIDs, want) || got.Customers.TotalCount != len(want) {
				t.Errorf("ids (total %d)\n got %v\nwant %v (total %d)", got.Customers.TotalCount, gotIDs, want, len(want))
			}
		})
	}
}

package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// pageOf is one page of any connection, as the paging tests select it.
type pageOf struct {
	TotalCount *int `json:"totalCount"`
	Edges      []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			ID string `json:"id"`
		} `json:"node"`
	} `json:"edges"`
	Nodes []struct {
		ID string `json:"id"`
	} `json:"nodes"`
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
}

const pageSelection = `totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

// fetchPage runs query with $first and $after and returns the connection at path.
func fetchPage(t *testing.T, a *apiEnv, query string, path []any, first int, after *string) pageOf {
	t.Helper()
	vars := map[string]any{"first": first}
	if after != nil {
		vars["after"] = *after
	}
	var page pageOf
	b, err := json.Marshal(jget(a.data(t, query, vars), path...))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatalf("page %s: %v", b, err)
	}
	return page
}

// walk pages through a whole list with first items per page and checks each
// page's shape; it returns the ids in the order visited.
func walk(t *testing.T, a *apiEnv, query string, path []any, first, total int) []string {
	t.Helper()
	var seen []string
	var after *string
	for range total + 2 {
		page := fetchPage(t, a, query, path, first, after)
		offset := len(seen)
		n := min(first, total-offset)
		where := fmt.Sprintf("page at offset %d (first %d)", offset, first)
		if (page.TotalCount == nil && !strings.Contains(query, "totalCount")) || page.TotalCount != nil && *page.TotalCount == total {
			// totalCount not selected, or right
		} else {
			t.Fatalf("%s: totalCount %v, want %d", where, page.TotalCount, total)
		}
		if len(page.Edges) != n || len(page.Nodes) != n {
			t.Fatalf("%s: %d edges and %d nodes, want %d", where, len(page.Edges), len(page.Nodes), n)
		}
		for i := range page.Edges {
			if page.Edges[i].Node.ID != page.Nodes[i].ID {
				t.Errorf("%s: edge %d holds %s, node %d is %s", where, i, page.Edges[i].Node.ID, i, page.Nodes[i].ID)
			}
			if page.Edges[i].Cursor == "" {
				t.Errorf("%s: edge %d has no cursor", where, i)
			}
		}
		pi := page.PageInfo
		if pi.HasPreviousPage != (offset > 0) {
			t.Errorf("%s: hasPreviousPage %v", where, pi.HasPreviousPage)
		}
		if pi.HasNextPage != (offset+n < total) {
			t.Errorf("%s: hasNextPage %v", where, pi.HasNextPage)
		}
		if n > 0 && (pi.StartCursor == nil || *pi.StartCursor != page.Edges[0].Cursor || pi.EndCursor == nil || *pi.EndCursor != page.Edges[n-1].Cursor) {
			t.Errorf("%s: startCursor %v endCursor %v do not match the edges", where, pi.StartCursor, pi.EndCursor)
		}
		if n == 0 && (pi.StartCursor != nil || pi.EndCursor != nil) {
			t.Errorf("%s: an empty page has cursors %v %v", where, pi.StartCursor, pi.EndCursor)
		}
		for _, e := range page.Nodes {
			seen = append(seen, e.ID)
		}
		if !pi.HasNextPage {
			return seen
		}
		if pi.EndCursor == nil {
			t.Fatalf("%s: hasNextPage without an endCursor", where)
		}
		after = pi.EndCursor
	}
	t.Fatalf("paging with first %d never ended", first)
	return nil
}

// TestAPIPaging walks every list with several page sizes through after
// cursors: every item exactly once, in order, with the right page info.
func TestAPIPaging(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	ctx := t.Context()

	customers, _, err := a.fs.Customers.List(ctx, &upstream.CustomerListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	hasTags := a.install().Has(upstream.ModuleTags)
	var tags []upstream.Tag
	if hasTags {
		tags, _, err = a.fs.Tags.List(ctx, &upstream.TagListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
		if err != nil {
			t.Fatal(err)
		}
	}
	users, _, err := a.fs.Users.List(ctx, &upstream.UserListOptions{ListOptions: upstream.ListOptions{PageSize: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	mailboxes, _, err := a.fs.Mailboxes.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tagged := a.conversations(t, upstream.ConversationListOptions{Embed: []string{upstream.EmbedTags}})[0]
	for _, c := range a.conversations(t, upstream.ConversationListOptions{Embed: []string{upstream.EmbedTags}}) {
		if len(c.Embedded.Tags) > len(tagged.Embedded.Tags) {
			tagged = c
		}
	}
	idsOf := func(n int, id func(i int) int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = wantID(id(i))
		}
		return out
	}
	lists := []struct {
		name  string
		query string
		path  []any
		want  []string
	}{
		{"conversations", `query($first: Int, $after: String) { conversations(first: $first, after: $after) { ` + pageSelection + ` } }`,
			[]any{"conversations"}, convIDs(a.conversations(t, upstream.ConversationListOptions{}))},
		{"customers", `query($first: Int, $after: String) { customers(first: $first, after: $after) { ` + pageSelection + ` } }`,
			[]any{"customers"}, idsOf(len(customers), func(i int) int { return customers[i].ID })},
		{"tags", `query($first: Int, $after: String) { tags(first: $first, after: $after) { ` + pageSelection + ` } }`,
			[]any{"tags"}, idsOf(len(tags), func(i int) int { return tags[i].ID })},
		{"users", `query($first: Int, $after: String) { users(first: $first, after: $after) { ` + pageSelection + ` } }`,
			[]any{"users"}, idsOf(len(users), func(i int) int { return users[i].ID })},
		{"mailboxes", `query($first: Int, $after: String) { mailboxes(first: $first, after: $after) { ` + pageSelection + ` } }`,
			[]any{"mailboxes"}, idsOf(len(mailboxes), func(i int) int { return mailboxes[i].ID })},
		{"mailbox conversations", `query($first: Int, $after: String) { mailbox(id: "1") { conversations(first: $first, after: $after) { ` + pageSelection + ` } } }`,
			[]any{"mailbox", "conversations"}, convIDs(a.conversations(t, upstream.ConversationListOptions{MailboxIDs: []int{1}}))},
		{"customer conversations", `query($first: Int, $after: String) { customer(id: "1") { conversations(first: $first, after: $after) { ` + pageSelection + ` } } }`,
			[]any{"customer", "conversations"}, convIDs(a.conversations(t, upstream.ConversationListOptions{CustomerID: 1}))},
		{"mailbox conversations without totalCount", `query($first: Int, $after: String) { mailbox(id: "2") { conversations(first: $first, after: $after) { ` +
			strings.TrimPrefix(pageSelection, "totalCount ") + ` } } }`,
			[]any{"mailbox", "conversations"}, convIDs(a.conversations(t, upstream.ConversationListOptions{MailboxIDs: []int{2}}))},
		{"filtered and ordered conversations", `query($first: Int, $after: String) { conversations(first: $first, after: $after,
			filter: {statuses: [CLOSED, PENDING], mailboxIds: ["1", "3"]}, orderBy: {field: SUBJECT, direction: ASC}) { ` + pageSelection + ` } }`,
			[]any{"conversations"}, convIDs(a.conversations(t, upstream.ConversationListOptions{
				Statuses: []string{"closed", "pending"}, MailboxIDs: []int{1, 3}, SortField: "subject", SortOrder: "asc"}))},
		{"users by email", `query($first: Int, $after: String) { users(first: $first, after: $after, email: "yuki.tanaka@example.com") { ` + pageSelection + ` } }`,
			[]any{"users"}, []string{"8"}},
		{"tags of a conversation", `query($first: Int, $after: String) { tags(first: $first, after: $after, conversationId: "` + wantID(tagged.ID) + `") { ` + pageSelection + ` } }`,
			[]any{"tags"}, tagIDs(tagged)},
	}
	if n := len(lists[0].want); n < 200 {
		t.Fatalf("the sample data has %d conversations, want about 240", n)
	}
	if !hasTags {
		// Without the Tags module no tag list is paged: each is MODULE_UNAVAILABLE.
		lists = slices.DeleteFunc(lists, func(l struct {
			name  string
			query string
			path  []any
			want  []string
		}) bool {
			if !strings.HasPrefix(l.name, "tags") {
				return false
			}
			assertModuleUnavailable(t, l.name, a.Do(t, l.query, map[string]any{"first": 10}), upstream.ModuleTags)
			return true
		})
	}
	for _, l := range lists {
		for _, first := range []int{1, 7, 50, 100} {
			t.Run(fmt.Sprintf("%s first %d", l.name, first), func(t *testing.T) {
				t.Parallel()
				got := walk(t, a, l.query, l.path, first, len(l.want))
				if !slices.Equal(got, l.want) {
					t.Errorf("visited\n%v\nwant\n%v", got, l.want)
				}
			})
		}
		t.Run(l.name+" first 0", func(t *testing.T) {
			t.Parallel()
			page := fetchPage(t, a, l.query, l.path, 0, nil)
			if len(page.Nodes) != 0 || len(page.Edges) != 0 || page.PageInfo.StartCursor != nil || page.PageInfo.EndCursor != nil ||
				page.PageInfo.HasPreviousPage || !page.PageInfo.HasNextPage || (page.TotalCount != nil && *page.TotalCount != len(l.want)) ||
				(page.TotalCount == nil && strings.Contains(l.query, "totalCount")) {
				t.Errorf("first 0: %+v (totalCount %v)", page, page.TotalCount)
			}
		})
		t.Run(l.name+" after the last item", func(t *testing.T) {
			t.Parallel()
			last := fetchPage(t, a, l.query, l.path, 100, nil)
			for last.PageInfo.HasNextPage {
				last = fetchPage(t, a, l.query, l.path, 100, last.PageInfo.EndCursor)
			}
			page := fetchPage(t, a, l.query, l.path, 10, last.PageInfo.EndCursor)
			if len(page.Nodes) != 0 || page.PageInfo.HasNextPage || !page.PageInfo.HasPreviousPage || page.PageInfo.StartCursor != nil {
				t.Errorf("after the end: %+v", page)
			}
		})
		t.Run(l.name+" default first is 50", func(t *testing.T) {
			t.Parallel()
			var got any = a.data(t, replaceFirst(l.query), nil)
			if n := len(jget(got, append(l.path, "nodes")...).([]any)); n != min(50, len(l.want)) {
				t.Errorf("%d nodes without first, want %d", n, min(50, len(l.want)))
			}
		})
	}

	t.Run("mailboxes' first pages together", func(t *testing.T) {
		t.Parallel()
		got := a.data(t, `{ mailboxes { nodes { id conversations(first: 5) { nodes { id } pageInfo { hasNextPage endCursor } } } } }`, nil)
		for _, mb := range jget(got, "mailboxes", "nodes").([]any) {
			id := jget(mb, "id").(string)
			var n int
			fmt.Sscan(id, &n)
			want := convIDs(a.conversations(t, upstream.ConversationListOptions{MailboxIDs: []int{n}}))
			if g := nodeIDs(jget(mb, "conversations", "nodes")); !slices.Equal(g, want[:5]) {
				t.Errorf("mailbox %s: %v, want %v", id, g, want[:5])
			}
			if jget(mb, "conversations", "pageInfo", "hasNextPage") != (len(want) > 5) {
				t.Errorf("mailbox %s: hasNextPage %v", id, jget(mb, "conversations", "pageInfo", "hasNextPage"))
			}
			after := jget(mb, "conversations", "pageInfo", "endCursor").(string)
			next := fetchPage(t, a, `query($first: Int, $after: String) { mailbox(id: "`+id+`") { conversations(first: $first, after: $after) { `+pageSelection+` } } }`,
				[]any{"mailbox", "conversations"}, 5, &after)
			var g []string
			for _, e := range next.Nodes {
				g = append(g, e.ID)
			}
			if !slices.Equal(g, want[5:10]) {
				t.Errorf("mailbox %s, second page: %v, want %v", id, g, want[5:10])
			}
		}
	})
}

// replaceFirst drops the first argument's variable from a paging query.
func replaceFirst(q string) string {
	return strings.ReplaceAll(strings.ReplaceAll(q, "first: $first, ", ""), "$first: Int, ", "")
}

// TestAPIPagingBadArguments: first above 100 or below 0 and cursors the API
// did not make are BAD_USER_INPUT, and nothing is asked of FreeScout.
func TestAPIPagingBadArguments(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	other := base64.RawURLEncoding.EncodeToString([]byte("page:3"))
	negative := base64.RawURLEncoding.EncodeToString([]byte("offset:-4"))
	lists := map[string]string{
		"conversations":          `query($first: Int, $after: String) { conversations(first: $first, after: $after) { nodes { id } } }`,
		"customers":              `query($first: Int, $after: String) { customers(first: $first, after: $after) { nodes { id } } }`,
		"tags":                   `query($first: Int, $after: String) { tags(first: $first, after: $after) { nodes { id } } }`,
		"users":                  `query($first: Int, $after: String) { users(first: $first, after: $after) { nodes { id } } }`,
		"mailboxes":              `query($first: Int, $after: String) { mailboxes(first: $first, after: $after) { nodes { id } } }`,
		"mailbox conversations":  `query($first: Int, $after: String) { mailbox(id: "1") { conversations(first: $first, after: $after) { nodes { id } } } }`,
		"customer conversations": `query($first: Int, $after: String) { customer(id: "1") { conversations(first: $first, after: $after) { nodes { id } } } }`,
	}
	args := []struct {
		name string
		vars map[string]any
	}{
		{"first 101", map[string]any{"first": 101}},
		{"first -1", map[string]any{"first": -1}},
		{"garbage cursor", map[string]any{"after": "not a cursor!"}},
		{"foreign cursor", map[string]any{"after": other}},
		{"negative cursor", map[string]any{"after": negative}},
	}
	for name, q := range lists {
		for _, arg := range args {
			t.Run(name+" "+arg.name, func(t *testing.T) {
				from := a.logLen()
				r := a.Do(t, q, arg.vars)
				if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
					t.Fatalf("errors %+v, want one BAD_USER_INPUT", r.Errors)
				}
				for _, req := range a.requests(from) {
					if req.Path == "/api/conversations" || req.Path == "/api/customers" || req.Path == "/api/tags" {
						t.Errorf("a list call went upstream: %s %s?%s", req.Method, req.Path, req.RawQuery)
					}
				}
			})
		}
	}
}

// tagIDs are a conversation's tag ids in FreeScout's tag-list order (by id).
func tagIDs(c upstream.Conversation) []string {
	var ids []int
	for _, tg := range c.Embedded.Tags {
		ids = append(ids, tg.ID)
	}
	slices.Sort(ids)
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, wantID(id))
	}
	return out
}

// TestAPIPagingMixedPageSizes changes first on every page: cursors are
// positions, so the walk still visits every item once, in order.
func TestAPIPagingMixedPageSizes(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	want := convIDs(a.conversations(t, upstream.ConversationListOptions{}))
	query := `query($first: Int, $after: String) { conversations(first: $first, after: $after) { ` + pageSelection + ` } }`
	sizes := []int{3, 100, 13, 1, 50, 99, 2, 64, 17}
	var got []string
	var after *string
	for i := 0; ; i++ {
		page := fetchPage(t, a, query, []any{"conversations"}, sizes[i%len(sizes)], after)
		if page.PageInfo.HasPreviousPage != (len(got) > 0) {
			t.Errorf("page %d: hasPreviousPage %v", i, page.PageInfo.HasPreviousPage)
		}
		for _, n := range page.Nodes {
			got = append(got, n.ID)
		}
		if !page.PageInfo.HasNextPage || i > len(want) {
			break
		}
		after = page.PageInfo.EndCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("visited\n%v\nwant\n%v", got, want)
	}
}

// TestAPIPagingWhenFreeScoutIgnoresPageSize runs the gateway against a
// FreeScout that, like older API module versions, always serves pages of 50.
func TestAPIPagingWhenFreeScoutIgnoresPageSize(t *testing.T) {
	t.Parallel()
	a := gatewayBehind(t, func(q url.Values) { q.Del("pageSize") })

	var want []string
	for page := 1; ; page++ {
		items, p, err := a.fs.Conversations.List(t.Context(), &upstream.ConversationListOptions{Statuses: everyStatus, ListOptions: upstream.ListOptions{Page: page}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, convIDs(items)...)
		if page >= p.TotalPages {
			break
		}
	}
	query := `query($first: Int, $after: String) { conversations(first: $first, after: $after) { ` + pageSelection + ` } }`
	for _, first := range []int{7, 100} {
		t.Run(fmt.Sprintf("first %d", first), func(t *testing.T) {
			t.Parallel()
			if got := walk(t, a, query, []any{"conversations"}, first, len(want)); !slices.Equal(got, want) {
				t.Errorf("visited\n%v\nwant\n%v", got, want)
			}
		})
	}
	t.Run("users and mailboxes", func(t *testing.T) {
		t.Parallel()
		var got struct {
			Users     struct{ TotalCount int } `json:"users"`
			Mailboxes struct{ TotalCount int } `json:"mailboxes"`
		}
		a.decode(t, `{ users { totalCount } mailboxes { totalCount } }`, nil, &got)
		_, users, err := a.fs.Users.List(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, mailboxes, err := a.fs.Mailboxes.List(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Users.TotalCount != users.TotalElements || got.Mailboxes.TotalCount != mailboxes.TotalElements || users.TotalElements == 0 {
			t.Errorf("%+v, want %d users and %d mailboxes, as FreeScout has", got, users.TotalElements, mailboxes.TotalElements)
		}
	})
}

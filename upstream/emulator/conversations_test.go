package emulator_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// conversationTruth is every conversation, with threads and tags, as ground truth.
func conversationTruth(t *testing.T, c *client) []map[string]any {
	t.Helper()
	all := c.allConversations("embed=threads,tags")
	if len(all) != 240 {
		t.Fatalf("sample data: %d conversations, want 240", len(all))
	}
	return all
}

func hasTag(conv map[string]any, name string) bool {
	for _, tg := range obj(conv["_embedded"])["tags"].([]any) {
		if strings.EqualFold(str(obj(tg)["name"]), name) {
			return true
		}
	}
	return false
}

func parseISO(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02T15:04:05Z", s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return v
}

func TestListDefaultsToActive(t *testing.T) {
	c := newClient(t)
	def := c.get("/api/conversations?pageSize=1000")
	_, total, _, _ := page(t, def)
	for _, conv := range items(t, def, "conversations") {
		if conv["status"] != "active" {
			t.Fatalf("conversation %v has status %v without a status filter", conv["id"], conv["status"])
		}
	}
	_, active, _, _ := page(t, c.get("/api/conversations?status=active&pageSize=1"))
	if total != active || total == 0 {
		t.Errorf("default list has %d, status=active has %d", total, active)
	}
	if all := len(c.allConversations("")); all <= total {
		t.Errorf("all statuses: %d, active: %d", all, total)
	}
}

func TestListFilters(t *testing.T) {
	c := newClient(t)
	truth := conversationTruth(t, c)
	since := "2025-06-01T00:00:00Z"
	sinceTime := parseISO(t, since)
	// a customer with a phone and a second email, found in the customer list
	var phone, secondEmail string
	var phoneOwners, secondEmailOwner []int
	for _, cu := range items(t, c.get("/api/customers?pageSize=100"), "customers") {
		emb := obj(cu["_embedded"])
		if phones := emb["phones"].([]any); len(phones) > 0 && phone == "" {
			phone = str(obj(phones[0])["value"])
		}
		if emails := emb["emails"].([]any); len(emails) > 1 && secondEmail == "" {
			secondEmail = str(obj(emails[1])["value"])
			secondEmailOwner = []int{num(cu["id"])}
		}
	}
	for _, cu := range items(t, c.get("/api/customers?pageSize=100&phone="+url.QueryEscape(phone)), "customers") {
		phoneOwners = append(phoneOwners, num(cu["id"]))
	}
	sample := truth[10]
	sampleEmail := str(obj(sample["customer"])["email"])
	creator := 0 // a customer who created a conversation
	for _, m := range truth {
		if cb := obj(m["createdBy"]); cb["type"] == "customer" {
			creator = num(cb["id"])
			break
		}
	}

	tests := []struct {
		name  string
		query string // status=all is added unless the query sets a status
		want  func(m map[string]any) bool
	}{
		{"mailboxId", "mailboxId=2", func(m map[string]any) bool { return num(m["mailboxId"]) == 2 }},
		{"mailboxId list", "mailboxId=1,3", func(m map[string]any) bool { return num(m["mailboxId"]) != 2 }},
		{"folderId", "folderId=4", func(m map[string]any) bool { return num(m["folderId"]) == 4 }},
		{"status", "status=pending", func(m map[string]any) bool { return m["status"] == "pending" }},
		{"status list", "status=closed,spam", func(m map[string]any) bool { return m["status"] == "closed" || m["status"] == "spam" }},
		{"state draft", "state=draft", func(m map[string]any) bool { return m["state"] == "draft" }},
		{"state deleted", "state=deleted", func(m map[string]any) bool { return m["state"] == "deleted" }},
		{"type", "type=phone", func(m map[string]any) bool { return m["type"] == "phone" }},
		{"assignedTo", "assignedTo=3", func(m map[string]any) bool { return num(obj(m["assignee"])["id"]) == 3 }},
		{"assignedTo empty is unassigned", "assignedTo=", func(m map[string]any) bool { return m["assignee"] == nil }},
		{"customerEmail", "customerEmail=" + url.QueryEscape(strings.ToUpper(sampleEmail)), func(m map[string]any) bool {
			return str(obj(m["customer"])["email"]) == sampleEmail
		}},
		{"customerEmail matches any of the customer's emails", "customerEmail=" + url.QueryEscape(secondEmail), func(m map[string]any) bool {
			return slices.Contains(secondEmailOwner, num(obj(m["customer"])["id"]))
		}},
		{"customerPhone", "customerPhone=" + url.QueryEscape(phone), func(m map[string]any) bool {
			return slices.Contains(phoneOwners, num(obj(m["customer"])["id"]))
		}},
		{"customerId", "customerId=7", func(m map[string]any) bool { return num(obj(m["customer"])["id"]) == 7 }},
		{"number", "number=1010", func(m map[string]any) bool { return num(m["number"]) == 1010 }},
		{"subject contains, any case", "subject=REFUND", func(m map[string]any) bool {
			return strings.Contains(strings.ToLower(str(m["subject"])), "refund")
		}},
		{"tag", "tag=vip", func(m map[string]any) bool { return hasTag(m, "vip") }},
		{"createdByUserId", "createdByUserId=2", func(m map[string]any) bool {
			cb := obj(m["createdBy"])
			return cb["type"] == "user" && num(cb["id"]) == 2
		}},
		{"createdByCustomerId", fmt.Sprintf("createdByCustomerId=%d", creator), func(m map[string]any) bool {
			cb := obj(m["createdBy"])
			return cb["type"] == "customer" && num(cb["id"]) == creator
		}},
		{"createdSince", "createdSince=" + url.QueryEscape(since), func(m map[string]any) bool {
			return !parseISO(t, str(m["createdAt"])).Before(sinceTime)
		}},
		{"createdSince, dashed format", "createdSince=2025-06-01T00-00-00Z", func(m map[string]any) bool {
			return !parseISO(t, str(m["createdAt"])).Before(sinceTime)
		}},
		{"updatedSince", "updatedSince=" + url.QueryEscape(since), func(m map[string]any) bool {
			return !parseISO(t, str(m["updatedAt"])).Before(sinceTime)
		}},
		{"combined", "mailboxId=1&status=closed&assignedTo=1&type=email", func(m map[string]any) bool {
			return num(m["mailboxId"]) == 1 && m["status"] == "closed" && num(obj(m["assignee"])["id"]) == 1 && m["type"] == "email"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int
			for _, m := range truth {
				if tt.want(m) {
					want = append(want, num(m["id"]))
				}
			}
			if len(want) == 0 || len(want) == len(truth) {
				t.Fatalf("filter selects %d of %d conversations: the case tests nothing", len(want), len(truth))
			}
			q := tt.query + "&pageSize=1000&embed=tags"
			if !strings.Contains(tt.query, "status=") {
				q += "&" + allStatuses
			}
			body := c.get("/api/conversations?" + q)
			got := ids(items(t, body, "conversations"))
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("ids = %v\nwant %v", got, want)
			}
			if _, total, _, _ := page(t, body); total != len(want) {
				t.Errorf("totalElements = %d, want %d", total, len(want))
			}
		})
	}
}

// TestFolderCounts checks every folder's counts against the list filtered by it.
func TestFolderCounts(t *testing.T) {
	c := newClient(t)
	for mb := 1; mb <= 3; mb++ {
		for _, f := range items(t, c.get(fmt.Sprintf("/api/mailboxes/%d/folders", mb)), "folders") {
			_, total, _, _ := page(t, c.get(fmt.Sprintf("/api/conversations?folderId=%d&%s&pageSize=1", num(f["id"]), allStatuses)))
			_, active, _, _ := page(t, c.get(fmt.Sprintf("/api/conversations?folderId=%d&pageSize=1", num(f["id"]))))
			if total != num(f["totalCount"]) || active != num(f["activeCount"]) {
				t.Errorf("mailbox %d folder %v (%v): counts %v/%v, list has %d/%d",
					mb, f["id"], f["name"], f["totalCount"], f["activeCount"], total, active)
			}
		}
	}
}

func TestListRejectsBadQuery(t *testing.T) {
	c := newClient(t)
	tests := []struct{ query, path string }{
		{"status=Wrong", "status"},
		{"state=gone", "state"},
		{"type=fax", "type"},
		{"sortField=priority", "sortField"},
		{"sortOrder=sideways", "sortOrder"},
		{"mailboxId=one", "mailboxId"},
		{"customerId=x", "customerId"},
		{"createdSince=yesterday", "createdSince"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			paths := errorPaths(t, c.do(http.MethodGet, "/api/conversations?"+tt.query, nil))
			if !slices.Equal(paths, []string{tt.path}) {
				t.Errorf("error paths = %v, want [%s]", paths, tt.path)
			}
		})
	}
}

func TestListSorting(t *testing.T) {
	c := newClient(t)
	key := map[string]func(m map[string]any) string{
		"createdAt":    func(m map[string]any) string { return str(m["createdAt"]) },
		"updatedAt":    func(m map[string]any) string { return str(m["updatedAt"]) },
		"waitingSince": func(m map[string]any) string { return str(obj(m["customerWaitingSince"])["time"]) },
		"subject":      func(m map[string]any) string { return strings.ToLower(str(m["subject"])) },
		"mailboxId":    func(m map[string]any) string { return fmt.Sprintf("%06d", num(m["mailboxId"])) },
		"number":       func(m map[string]any) string { return fmt.Sprintf("%06d", num(m["number"])) },
	}
	tests := []struct {
		query, field string
		desc         bool
	}{
		{"", "createdAt", true},
		{"sortOrder=asc", "createdAt", false},
		{"sortField=createdAt&sortOrder=desc", "createdAt", true},
		{"sortField=updatedAt&sortOrder=asc", "updatedAt", false},
		{"sortField=waitingSince", "waitingSince", true},
		{"sortField=subject&sortOrder=asc", "subject", false},
		{"sortField=subject", "subject", true},
		{"sortField=mailboxId&sortOrder=asc", "mailboxId", false},
		{"sortField=number", "number", true},
	}
	for _, tt := range tests {
		t.Run(tt.field+fmt.Sprint(tt.desc), func(t *testing.T) {
			list := c.allConversations(tt.query)
			ties := 0
			for i := 1; i < len(list); i++ {
				a, b := list[i-1], list[i]
				ka, kb := key[tt.field](a), key[tt.field](b)
				cmp := strings.Compare(ka, kb)
				if cmp == 0 {
					ties++
					cmp = num(a["id"]) - num(b["id"])
				}
				if (tt.desc && cmp < 0) || (!tt.desc && cmp > 0) || cmp == 0 {
					t.Fatalf("items %d and %d out of order: %v (%s) then %v (%s)", i-1, i, a["id"], ka, b["id"], kb)
				}
			}
			if tt.field == "createdAt" && ties == 0 {
				t.Error("the sample data has no createdAt ties: the tie-break goes untested")
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	c := newClient(t)
	all := c.allConversations("")
	for _, size := range []int{0, 1, 7, 50, 100, 239, 240, 1000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			wantSize := size
			query := "&pageSize=" + fmt.Sprint(size)
			if size == 0 { // default
				wantSize, query = 50, ""
			}
			seen := map[int]int{}
			pages := -1
			for n := 1; ; n++ {
				body := c.get(fmt.Sprintf("/api/conversations?%s&page=%d%s", allStatuses, n, query))
				gotSize, total, totalPages, number := page(t, body)
				list := items(t, body, "conversations")
				if gotSize != wantSize || total != len(all) || number != n {
					t.Fatalf("page %d: size %d total %d number %d", n, gotSize, total, number)
				}
				if want := (len(all) + wantSize - 1) / wantSize; totalPages != want {
					t.Fatalf("totalPages = %d, want %d", totalPages, want)
				}
				pages = totalPages
				if n > totalPages {
					if len(list) != 0 {
						t.Fatalf("page %d past the end has %d items", n, len(list))
					}
					break
				}
				if n < totalPages && len(list) != wantSize {
					t.Fatalf("page %d has %d items", n, len(list))
				}
				for _, id := range ids(list) {
					seen[id]++
				}
			}
			if len(seen) != len(all) {
				t.Errorf("%d pages visited %d distinct ids, want %d", pages, len(seen), len(all))
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("id %d seen %d times", id, n)
				}
			}
		})
	}
	t.Run("pageSize is capped at 1000", func(t *testing.T) {
		if size, _, _, _ := page(t, c.get("/api/conversations?pageSize=5000")); size != 1000 {
			t.Errorf("size = %d", size)
		}
	})
	t.Run("empty result", func(t *testing.T) {
		body := c.get("/api/conversations?subject=no-such-subject&page=3")
		size, total, pages, number := page(t, body)
		if list := items(t, body, "conversations"); len(list) != 0 || size != 50 || total != 0 || pages != 1 || number != 3 {
			t.Errorf("empty page: %d items, size %d total %d pages %d number %d", len(list), size, total, pages, number)
		}
	})
}

func TestEmbed(t *testing.T) {
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			testEmbed(t, newClientWith(t, emulator.Options{APIKey: apiKey, ModuleVersion: version}))
		})
	}
}

// testEmbed checks what _embedded holds. A single get without embeds has no _embedded; a
// list item has an empty one on current modules and none on v1.0.20, which also counts the
// threads of list items in "threads".
func testEmbed(t *testing.T, c *client) {
	// find a conversation with threads, timelogs and tags
	var id int
	for _, conv := range c.allConversations("embed=timelogs,tags") {
		emb := obj(conv["_embedded"])
		if len(emb["timelogs"].([]any)) > 0 && len(emb["tags"].([]any)) > 0 {
			id = num(conv["id"])
			break
		}
	}
	if id == 0 {
		t.Fatal("no sample conversation has both timelogs and tags")
	}
	tests := []struct {
		path string
		want []string // embedded keys; nil: no _embedded at all
	}{
		{fmt.Sprintf("/api/conversations/%d", id), []string{"threads"}},
		{fmt.Sprintf("/api/conversations/%d?embed=", id), nil},
		{fmt.Sprintf("/api/conversations/%d?embed=threads", id), []string{"threads"}},
		{fmt.Sprintf("/api/conversations/%d?embed=timelogs,tags", id), []string{"tags", "timelogs"}},
		{fmt.Sprintf("/api/conversations/%d?embed=threads,timelogs,tags,unknown", id), []string{"tags", "threads", "timelogs"}},
		{fmt.Sprintf("/api/conversations?number=%d&%s", id+1000, allStatuses), nil},
		{fmt.Sprintf("/api/conversations?number=%d&embed=threads&%s", id+1000, allStatuses), []string{"threads"}},
		{fmt.Sprintf("/api/conversations?number=%d&embed=tags,timelogs,threads&%s", id+1000, allStatuses), []string{"tags", "threads", "timelogs"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			conv := c.get(tt.path)
			countKey := "threadsCount"
			list := strings.Contains(tt.path, "?number=")
			if list {
				items := items(t, conv, "conversations")
				if len(items) != 1 {
					t.Fatalf("%d conversations", len(items))
				}
				conv = items[0]
				if c.old {
					countKey = "threads"
				}
			}
			count := num(conv[countKey])
			if other := map[string]string{"threads": "threadsCount", "threadsCount": "threads"}[countKey]; conv[other] != nil {
				t.Errorf("both %s and %s: %v, %v", countKey, other, conv[countKey], conv[other])
			}
			if count < 1 {
				t.Errorf("%s = %v", countKey, conv[countKey])
			}
			emb, has := conv["_embedded"]
			if tt.want == nil {
				switch {
				case list && !c.old && (!has || len(obj(emb)) != 0 || obj(emb) == nil):
					t.Errorf("list item _embedded = %v (present: %v), want {}", emb, has)
				case (!list || c.old) && has:
					t.Errorf("_embedded present: %v", emb)
				}
				return
			}
			keys := slices.Sorted(maps.Keys(obj(emb)))
			if !slices.Equal(keys, tt.want) {
				t.Fatalf("_embedded keys = %v, want %v", keys, tt.want)
			}
			if threads, ok := obj(emb)["threads"].([]any); ok && len(threads) != count {
				t.Errorf("%d threads embedded, count says %d", len(threads), count)
			}
			for _, k := range tt.want {
				if len(obj(emb)[k].([]any)) == 0 {
					t.Errorf("_embedded.%s is empty", k)
				}
			}
		})
	}
}

func TestThreadsNewestFirst(t *testing.T) {
	c := newClient(t)
	for _, conv := range c.allConversations("embed=threads") {
		threads := obj(conv["_embedded"])["threads"].([]any)
		for i := 1; i < len(threads); i++ {
			if str(obj(threads[i-1])["createdAt"]) < str(obj(threads[i])["createdAt"]) {
				t.Fatalf("conversation %v: threads not newest first", conv["id"])
			}
		}
	}
}

package gateway_test

// Helpers of the end-to-end API tests (api_*_test.go): a gateway in front of
// an emulator, both over loopback HTTP, plus a FreeScout client to read the
// same objects straight from the emulator and build what the gateway should
// answer.

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// apiEnv is one test's emulator and gateway, with a FreeScout client that
// talks to the emulator directly.
type apiEnv struct {
	*gatewaytest.Env
	fs *upstream.Client

	mu        sync.Mutex
	users     map[int]*upstream.User
	customers map[int]*upstream.Customer
	defs      map[int][]upstream.CustomField
}

// newAPI starts a fresh emulator and gateway.
func newAPI(t *testing.T, opts gatewaytest.Options) *apiEnv {
	t.Helper()
	env := gatewaytest.Start(t, opts)
	fs, err := upstream.New(env.Upstream.URL, gatewaytest.APIKey)
	if err != nil {
		t.Fatalf("freescout client: %v", err)
	}
	return &apiEnv{Env: env, fs: fs, users: map[int]*upstream.User{}, customers: map[int]*upstream.Customer{}, defs: map[int][]upstream.CustomField{}}
}

// data runs a GraphQL operation that must succeed and returns its data as
// generic JSON. On an install without some optional modules, the fields of
// those modules may be null with MODULE_UNAVAILABLE errors (the expected
// values, built from what the emulator answers, say null there too); any
// other error fails the test.
func (a *apiEnv) data(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	var out map[string]any
	a.decode(t, query, vars, &out)
	return out
}

// decode runs a GraphQL operation that must succeed (see data) and decodes
// its data into v.
func (a *apiEnv) decode(t *testing.T, query string, vars map[string]any, v any) {
	t.Helper()
	r := a.Do(t, query, vars)
	if r.Status != 200 {
		t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
	}
	if !explained(t, a.install(), r.Errors) {
		t.FailNow()
	}
	r.Errors = nil
	r.MustData(t, v)
}

// user, customer and fieldDefs read objects straight from the emulator,
// once per test.
func (a *apiEnv) user(t *testing.T, id int) *upstream.User {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if u, ok := a.users[id]; ok {
		return u
	}
	u, err := a.fs.Users.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("freescout user %d: %v", id, err)
	}
	a.users[id] = u
	return u
}

func (a *apiEnv) customer(t *testing.T, id int) *upstream.Customer {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.customers[id]; ok {
		return c
	}
	c, err := a.fs.Customers.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("freescout customer %d: %v", id, err)
	}
	a.customers[id] = c
	return c
}

func (a *apiEnv) fieldDefs(t *testing.T, mailboxID int) []upstream.CustomField {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if d, ok := a.defs[mailboxID]; ok {
		return d
	}
	d, _, err := a.fs.Mailboxes.ListCustomFields(t.Context(), mailboxID)
	if err != nil {
		t.Fatalf("freescout custom fields of mailbox %d: %v", mailboxID, err)
	}
	a.defs[mailboxID] = d
	return d
}

// everyStatus is every conversation status FreeScout knows.
var everyStatus = []string{"active", "pending", "closed", "spam"}

// conversations lists every conversation matching opts straight from the
// emulator (all statuses unless opts says otherwise), in FreeScout's order,
// as a current FreeScout lists them (see oracleConversations).
func (a *apiEnv) conversations(t *testing.T, opts upstream.ConversationListOptions) []upstream.Conversation {
	t.Helper()
	if opts.Statuses == nil {
		opts.Statuses = everyStatus
	}
	return a.oracleConversations(t, opts)
}

// conversation reads one conversation with every embed.
func (a *apiEnv) conversation(t *testing.T, id int) *upstream.Conversation {
	t.Helper()
	c, err := a.fs.Conversations.Get(t.Context(), id, upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags)
	if err != nil {
		t.Fatalf("freescout conversation %d: %v", id, err)
	}
	return c
}

// requests returns the emulator's request log from index from on.
func (a *apiEnv) requests(from int) []gatewaytest.Request {
	return a.Upstream.Log.Requests()[from:]
}

// logLen is the current length of the emulator's request log.
func (a *apiEnv) logLen() int { return len(a.Upstream.Log.Requests()) }

// GraphQL fragments selecting every field of every type.
const (
	fragUser = `fragment U on User { id firstName lastName email role alternateEmails jobTitle phone timezone photoUrl language createdAt updatedAt }`
	fragCust = `fragment C on Customer { id firstName lastName email company jobTitle photoType photoUrl notes createdAt updatedAt
  emails { id value type } phones { id value type } socialProfiles { id value type } websites { id value type }
  address { city state zip country address } customerFields { id name value text } }`
	fragMailbox = `fragment M on Mailbox { id name email createdAt updatedAt }`
	fragField   = `fragment F on CustomField { id name type options { id label } required sortOrder }`
	fragConv    = `fragment Conv on Conversation {
  id number subject preview type status state folderId threadsCount cc bcc
  source { type via } customerWaitingSince { time friendly latestReplyFrom }
  createdAt updatedAt userUpdatedAt closedAt
  mailbox { ...M }
  customer { ...C }
  assignee { ...U }
  createdBy { __typename ...U ...C }
  closedBy { ...U }
  tags { id name counter color }
  timelogs { id conversationStatus user { ...U } timeSpent paused finished createdAt updatedAt }
  customFields { id name value text field { ...F } }
  threads { id type status state action { type text } body source { type via } customer { ...C }
    createdBy { __typename ...U ...C } assignedTo { ...U } to cc bcc createdAt openedAt
    attachments { id fileName fileUrl mimeType size } }
}`
	// fragsAll is every fragment, for queries that select whole conversations.
	fragsAll = fragUser + "\n" + fragCust + "\n" + fragMailbox + "\n" + fragField + "\n" + fragConv
)

// Expected values, built from what FreeScout answers: ids as strings, enums
// UPPER_CASE, timestamps RFC 3339 in UTC, absent strings null.

func wantID(n int) string { return strconv.Itoa(n) }

func wantIDOrNull(n int) any {
	if n == 0 {
		return nil
	}
	return wantID(n)
}

func wantStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func wantPtr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func wantTime(t upstream.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func wantStrs(s []string) []any {
	out := []any{}
	for _, v := range s {
		out = append(out, v)
	}
	return out
}

func wantUser(u *upstream.User) map[string]any {
	return map[string]any{
		"id": wantID(u.ID), "firstName": wantStr(u.FirstName), "lastName": wantStr(u.LastName),
		"email": wantStr(u.Email), "role": wantStr(strings.ToUpper(u.Role)), "alternateEmails": wantStr(u.AlternateEmails),
		"jobTitle": wantStr(u.JobTitle), "phone": wantStr(u.Phone), "timezone": wantStr(u.Timezone),
		"photoUrl": wantStr(u.PhotoURL), "language": wantStr(u.Language),
		"createdAt": wantTime(u.CreatedAt), "updatedAt": wantTime(u.UpdatedAt),
	}
}

func wantEntries(es []upstream.Entry) []any {
	out := []any{}
	for _, e := range es {
		out = append(out, map[string]any{"id": wantID(e.ID), "value": e.Value, "type": wantStr(e.Type)})
	}
	return out
}

func wantCustomer(c *upstream.Customer) map[string]any {
	m := map[string]any{
		"id": wantID(c.ID), "firstName": wantStr(c.FirstName), "lastName": wantStr(c.LastName),
		"company": wantStr(c.Company), "jobTitle": wantStr(c.JobTitle), "photoType": wantStr(strings.ToUpper(c.PhotoType)),
		"photoUrl": wantStr(c.PhotoURL), "notes": wantStr(c.Notes),
		"createdAt": wantTime(c.CreatedAt), "updatedAt": wantTime(c.UpdatedAt),
		"email":  nil,
		"emails": wantEntries(c.Embedded.Emails), "phones": wantEntries(c.Embedded.Phones),
		"socialProfiles": wantEntries(c.Embedded.SocialProfiles), "websites": wantEntries(c.Embedded.Websites),
		"address": nil, "customerFields": []any{},
	}
	if len(c.Embedded.Emails) > 0 {
		m["email"] = c.Embedded.Emails[0].Value
	}
	if a := c.Embedded.Address; a != nil && (a.City != nil || a.State != nil || a.Zip != nil || a.Country != nil || a.Address != nil) {
		m["address"] = map[string]any{"city": wantPtr(a.City), "state": wantPtr(a.State), "zip": wantPtr(a.Zip), "country": wantPtr(a.Country), "address": wantPtr(a.Address)}
	}
	fields := []any{}
	for _, f := range c.CustomerFields {
		text := string(f.Text)
		if text == "" {
			text = string(f.Value)
		}
		fields = append(fields, map[string]any{"id": wantID(f.ID), "name": f.Name, "value": string(f.Value), "text": text})
	}
	m["customerFields"] = fields
	if c.CustomerFields == nil {
		m["customerFields"] = nil // FreeScout without the CRM module: MODULE_UNAVAILABLE
	}
	return m
}

func wantMailbox(m *upstream.Mailbox) map[string]any {
	return map[string]any{"id": wantID(m.ID), "name": m.Name, "email": m.Email, "createdAt": wantTime(m.CreatedAt), "updatedAt": wantTime(m.UpdatedAt)}
}

func wantField(f upstream.CustomField) map[string]any {
	opts := []any{}
	for _, o := range f.Options {
		opts = append(opts, map[string]any{"id": o.ID, "label": o.Label})
	}
	return map[string]any{"id": wantID(f.ID), "name": f.Name, "type": strings.ToUpper(f.Type), "options": opts, "required": f.Required, "sortOrder": f.SortOrder}
}

// wantFolderTypes are FreeScout's numeric folder types and their enum values.
var wantFolderTypes = map[int]string{1: "UNASSIGNED", 20: "MINE", 25: "STARRED", 30: "DRAFTS", 40: "ASSIGNED", 60: "CLOSED", 80: "SPAM", 110: "DELETED"}

// wantActor is a createdBy value: the full user or customer it names.
func (a *apiEnv) wantActor(t *testing.T, p *upstream.Person) any {
	t.Helper()
	if p == nil || p.ID == 0 {
		return nil
	}
	if p.Type == "customer" {
		m := wantCustomer(a.customer(t, p.ID))
		m["__typename"] = "Customer"
		return m
	}
	m := wantUser(a.user(t, p.ID))
	m["__typename"] = "User"
	return m
}

func (a *apiEnv) wantUserRef(t *testing.T, p *upstream.Person) any {
	t.Helper()
	if p == nil || p.ID == 0 {
		return nil
	}
	return wantUser(a.user(t, p.ID))
}

func (a *apiEnv) wantCustomerRef(t *testing.T, p *upstream.Person) any {
	t.Helper()
	if p == nil || p.ID == 0 {
		return nil
	}
	return wantCustomer(a.customer(t, p.ID))
}

// wantConversation is what the Conv fragment should answer for c, which must
// carry every embed.
func (a *apiEnv) wantConversation(t *testing.T, c *upstream.Conversation) map[string]any {
	t.Helper()
	mailboxes, _, err := a.fs.Mailboxes.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var mailbox any
	for i := range mailboxes {
		if mailboxes[i].ID == c.MailboxID {
			mailbox = wantMailbox(&mailboxes[i])
		}
	}
	m := map[string]any{
		"id": wantID(c.ID), "number": c.Number, "subject": c.Subject, "preview": c.Preview,
		"type": strings.ToUpper(c.Type), "status": strings.ToUpper(c.Status), "state": strings.ToUpper(c.State),
		"folderId": wantIDOrNull(c.FolderID), "threadsCount": c.ThreadsCount, "cc": wantStrs(c.Cc), "bcc": wantStrs(c.Bcc),
		"source": nil, "customerWaitingSince": nil,
		"createdAt": wantTime(c.CreatedAt), "updatedAt": wantTime(c.UpdatedAt), "userUpdatedAt": wantTime(c.UserUpdatedAt), "closedAt": wantTime(c.ClosedAt),
		"mailbox":   mailbox,
		"customer":  a.wantCustomerRef(t, c.Customer),
		"assignee":  a.wantUserRef(t, c.Assignee),
		"createdBy": a.wantActor(t, c.CreatedBy),
		"closedBy":  nil,
	}
	if c.Source != nil {
		m["source"] = map[string]any{"type": wantStr(c.Source.Type), "via": wantStr(c.Source.Via)}
	}
	if w := c.CustomerWaitingSince; w != nil {
		m["customerWaitingSince"] = map[string]any{"time": wantTime(w.Time), "friendly": wantStr(w.Friendly), "latestReplyFrom": wantStr(w.LatestReplyFrom)}
	}
	if c.ClosedBy != 0 {
		m["closedBy"] = wantUser(a.user(t, c.ClosedBy))
	}
	tags := []any{}
	for _, tg := range c.Embedded.Tags {
		tags = append(tags, map[string]any{"id": wantID(tg.ID), "name": tg.Name, "counter": nil, "color": nil})
	}
	m["tags"] = tags
	if c.Embedded.Tags == nil {
		m["tags"] = nil // FreeScout without the Tags module: MODULE_UNAVAILABLE
	}
	logs := []any{}
	for _, tl := range c.Embedded.Timelogs {
		var u any
		if tl.UserID != 0 {
			u = wantUser(a.user(t, tl.UserID))
		}
		logs = append(logs, map[string]any{
			"id": wantID(tl.ID), "conversationStatus": strings.ToUpper(tl.ConversationStatus), "user": u,
			"timeSpent": tl.TimeSpent, "paused": tl.Paused, "finished": tl.Finished,
			"createdAt": wantTime(tl.CreatedAt), "updatedAt": wantTime(tl.UpdatedAt),
		})
	}
	m["timelogs"] = logs
	if c.Embedded.Timelogs == nil {
		m["timelogs"] = nil // FreeScout without the Time Tracking module: MODULE_UNAVAILABLE
	}
	var defs []upstream.CustomField
	if c.CustomFields != nil {
		defs = a.fieldDefs(t, c.MailboxID)
	}
	fields := []any{}
	for _, f := range c.CustomFields {
		var def any
		for _, d := range defs {
			if d.ID == f.ID {
				def = wantField(d)
			}
		}
		text := string(f.Text)
		if text == "" {
			text = string(f.Value)
		}
		fields = append(fields, map[string]any{"id": wantID(f.ID), "name": f.Name, "value": string(f.Value), "text": text, "field": def})
	}
	m["customFields"] = fields
	if c.CustomFields == nil {
		m["customFields"] = nil // FreeScout without the Custom Fields module: MODULE_UNAVAILABLE
	}
	threads := []any{}
	for _, th := range c.Embedded.Threads {
		var action any
		if th.Action != nil {
			action = map[string]any{"type": wantStr(th.Action.Type), "text": wantStr(th.Action.Text)}
		}
		var source any
		if th.Source != nil {
			source = map[string]any{"type": wantStr(th.Source.Type), "via": wantStr(th.Source.Via)}
		}
		atts := []any{}
		for _, at := range th.Embedded.Attachments {
			atts = append(atts, map[string]any{"id": wantID(at.ID), "fileName": at.FileName, "fileUrl": at.FileURL, "mimeType": wantStr(at.MimeType), "size": at.Size})
		}
		threads = append(threads, map[string]any{
			"id": wantID(th.ID), "type": strings.ToUpper(th.Type), "status": strings.ToUpper(th.Status), "state": strings.ToUpper(th.State),
			"action": action, "body": wantStr(th.Body), "source": source,
			"customer": a.wantCustomerRef(t, th.Customer), "createdBy": a.wantActor(t, th.CreatedBy), "assignedTo": a.wantUserRef(t, th.AssignedTo),
			"to": wantStrs(th.To), "cc": wantStrs(th.Cc), "bcc": wantStrs(th.Bcc),
			"createdAt": wantTime(th.CreatedAt), "openedAt": wantTime(th.OpenedAt), "attachments": atts,
		})
	}
	m["threads"] = threads
	return m
}

// genericJSON turns v into generic JSON (maps, slices, float64, string, bool, nil).
func genericJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

// assertSameJSON fails unless got and want are the same JSON value, listing
// every difference by path.
func assertSameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := genericJSON(t, got), genericJSON(t, want)
	if reflect.DeepEqual(g, w) {
		return
	}
	var diffs []string
	jsonDiff("", g, w, &diffs)
	if len(diffs) > 25 {
		diffs = append(diffs[:25], fmt.Sprintf("... and %d more", len(diffs)-25))
	}
	t.Errorf("%s differs from FreeScout:\n  %s", what, strings.Join(diffs, "\n  "))
}

// assertSameJSONExcept is assertSameJSON ignoring the named keys at any
// depth, for values that depend on the moment they are read (FreeScout's
// "friendly" waiting time of a conversation written seconds ago).
func assertSameJSONExcept(t *testing.T, what string, got, want any, keys ...string) {
	t.Helper()
	assertSameJSON(t, what, dropKeys(genericJSON(t, got), keys), dropKeys(genericJSON(t, want), keys))
}

func dropKeys(v any, keys []string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if slices.Contains(keys, k) {
				delete(x, k)
			} else {
				x[k] = dropKeys(e, keys)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = dropKeys(e, keys)
		}
	}
	return v
}

func jsonDiff(path string, got, want any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: got %s, want an object", path, shortJSON(got)))
			return
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				*out = append(*out, fmt.Sprintf("%s.%s: missing, want %s", path, k, shortJSON(wv)))
			case !wok:
				*out = append(*out, fmt.Sprintf("%s.%s: unexpected %s", path, k, shortJSON(gv)))
			default:
				jsonDiff(path+"."+k, gv, wv, out)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: got %s, want a list", path, shortJSON(got)))
			return
		}
		if len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: got %d items, want %d", path, len(g), len(w)))
		}
		for i := range min(len(g), len(w)) {
			jsonDiff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i], out)
		}
	default:
		if !reflect.DeepEqual(got, want) {
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, shortJSON(got), shortJSON(want)))
		}
	}
}

func shortJSON(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:117]) + "..."
	}
	return string(b)
}

// get walks generic JSON by keys and list indexes.
func jget(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// rfc3339UTC is the only timestamp spelling the API may use.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

// timeKeys are the names of DateTime fields in the schema.
var timeKeys = map[string]bool{"createdAt": true, "updatedAt": true, "userUpdatedAt": true, "closedAt": true, "openedAt": true, "time": true}

// assertTimes fails when a DateTime anywhere in v is not RFC 3339 in UTC.
func assertTimes(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && timeKeys[k] && !rfc3339UTC.MatchString(s) {
					t.Errorf("%s.%s = %q: not RFC 3339 in UTC", path, k, s)
				}
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("", v)
}

// ids returns the "id" of every object in a list of generic JSON objects.
func nodeIDs(list any) []string {
	var out []string
	for _, n := range list.([]any) {
		out = append(out, n.(map[string]any)["id"].(string))
	}
	return out
}

// convIDs returns the ids of conversations as strings.
func convIDs(cs []upstream.Conversation) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, wantID(c.ID))
	}
	return out
}

// queryOf returns the query parameters of the last upstream request to
// method and path among reqs, failing when there is none.
func queryOf(t *testing.T, reqs []gatewaytest.Request, method, path string) url.Values {
	t.Helper()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			q, err := url.ParseQuery(reqs[i].RawQuery)
			if err != nil {
				t.Fatalf("upstream query %q: %v", reqs[i].RawQuery, err)
			}
			return q
		}
	}
	var seen []string
	for _, r := range reqs {
		seen = append(seen, r.Method+" "+r.Path)
	}
	t.Fatalf("no upstream %s %s among %v", method, path, seen)
	return nil
}

// userErrors decodes a payload's userErrors.
type apiUserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

func decodeUserErrors(t *testing.T, v any) []apiUserError {
	t.Helper()
	b, _ := json.Marshal(v)
	var out []apiUserError
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("userErrors %s: %v", b, err)
	}
	return out
}

// hasUserError reports whether errs hold one with the field path and code.
func hasUserError(errs []apiUserError, code string, field ...string) bool {
	return slices.ContainsFunc(errs, func(e apiUserError) bool {
		return e.Code == code && slices.Equal(e.Field, field)
	})
}

// gatewayBehind starts a gateway in front of a current emulator whose
// requests' query strings pass through change first (an install, or a
// proxy, that drops a parameter); its fs client talks to the changed one.
func gatewayBehind(t *testing.T, change func(url.Values)) *apiEnv {
	t.Helper()
	emu := emulator.New(emulator.Options{APIKey: gatewaytest.APIKey})
	t.Cleanup(func() { _ = emu.Close() })
	changed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		change(q)
		r.URL.RawQuery = q.Encode()
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(changed.Close)
	gw, err := gateway.New(t.Context(), gateway.Config{FreeScoutURL: changed.URL, APIKey: gatewaytest.APIKey}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() { srv.Close(); _ = gw.Close() })
	fs, err := upstream.New(changed.URL, gatewaytest.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	return &apiEnv{Env: &gatewaytest.Env{URL: srv.URL}, fs: fs}
}

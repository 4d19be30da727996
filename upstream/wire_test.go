package upstream_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
)

func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

// TestReferenceExamples serves each example payload of the API reference
// (transcribed into testdata) to the client and checks that the wire types
// keep every value, then spot-checks the quirks each example carries.
func TestReferenceExamples(t *testing.T) {
	type result struct {
		decoded any
		page    upstream.Page
	}
	tests := []struct {
		name  string
		file  string
		path  string // the request path the call must use
		key   string // _embedded key for lists, "" for single objects
		call  func(ctx context.Context, c *upstream.Client) (result, error)
		check func(t *testing.T, decoded any)
	}{
		{
			name: "get conversation", file: "get_conversation.json", path: "/api/conversations/1",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, err := c.Conversations.Get(ctx, 1, upstream.EmbedThreads)
				return result{decoded: v}, err
			},
			check: func(t *testing.T, decoded any) {
				c := decoded.(*upstream.Conversation)
				if c.ThreadsCount != 2 {
					t.Errorf("ThreadsCount = %d, want 2 (from threadsCount)", c.ThreadsCount)
				}
				if c.ClosedBy != 14 || c.ClosedByUser == nil || c.ClosedByUser.ID != 14 {
					t.Errorf("closedBy = %d, closedByUser = %+v", c.ClosedBy, c.ClosedByUser)
				}
				if !c.CreatedAt.Equal(utc(2020, 3, 15, 22, 46, 22)) || !c.ClosedAt.Equal(utc(2020, 3, 16, 14, 7, 23)) {
					t.Errorf("createdAt %v closedAt %v", c.CreatedAt, c.ClosedAt)
				}
				if !c.CustomerWaitingSince.Time.Equal(utc(2020, 7, 24, 20, 18, 33)) {
					t.Errorf("customerWaitingSince.time = %v", c.CustomerWaitingSince.Time)
				}
				tl := c.Embedded.Timelogs
				if len(tl) != 2 || !tl[0].CreatedAt.Equal(utc(2021, 4, 21, 13, 24, 1)) || !tl[1].UpdatedAt.Equal(utc(2021, 4, 21, 13, 43, 10)) {
					t.Errorf("timelog dates (dashed spelling) = %+v", tl)
				}
				if tl[0].ConversationID != 0 || tl[1].ConversationID != 1984 {
					t.Errorf("timelog conversationId = %d, %d; want 0 (absent), 1984", tl[0].ConversationID, tl[1].ConversationID)
				}
				if len(c.Embedded.Threads) != 1 || len(c.Embedded.Threads[0].Embedded.Attachments) != 1 {
					t.Fatalf("threads = %+v", c.Embedded.Threads)
				}
				th := c.Embedded.Threads[0]
				if string(th.Action.AssociatedEntities) != "[]" {
					t.Errorf("action.associatedEntities = %s", th.Action.AssociatedEntities)
				}
				if !th.OpenedAt.Equal(utc(2020, 6, 7, 10, 1, 25)) {
					t.Errorf("thread openedAt = %v", th.OpenedAt)
				}
				// The assignee example lacks photoUrl; createdBy (a customer) has only id, type and email.
				for _, tc := range []struct {
					who  string
					p    *upstream.Person
					keys []string
				}{
					{"assignee", c.Assignee, []string{"id", "type", "firstName", "lastName", "email"}},
					{"createdBy", c.CreatedBy, []string{"id", "type", "email"}},
					{"closedByUser", c.ClosedByUser, []string{"id", "type", "firstName", "lastName", "photoUrl", "email"}},
					{"thread.createdBy", th.CreatedBy, []string{"id", "type", "firstName", "lastName", "photoUrl", "email"}},
				} {
					assertHas(t, tc.who, tc.p, tc.keys)
				}
				if got := []string{string(c.CustomFields[0].Value), string(c.CustomFields[0].Text), string(c.CustomFields[1].Value), string(c.CustomFields[1].Text)}; !slices.Equal(got, []string{"7", "", "1", "USD"}) {
					t.Errorf("customFields values/texts = %q", got)
				}
			},
		},
		{
			name: "list conversations", file: "list_conversations.json", path: "/api/conversations", key: "conversations",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Conversations.List(ctx, &upstream.ConversationListOptions{Embed: []string{upstream.EmbedThreads}})
				return result{v, p}, err
			},
			check: func(t *testing.T, decoded any) {
				c := decoded.([]upstream.Conversation)[0]
				if c.ThreadsCount != 2 {
					t.Errorf("ThreadsCount = %d, want 2 (from the list's threads)", c.ThreadsCount)
				}
				if c.Embedded.Threads == nil || len(c.Embedded.Threads) != 0 {
					t.Errorf("embedded threads = %#v, want an empty non-nil slice", c.Embedded.Threads)
				}
				if c.Embedded.Tags != nil || c.Embedded.Timelogs != nil {
					t.Errorf("tags/timelogs were not embedded but decoded as %#v / %#v", c.Embedded.Tags, c.Embedded.Timelogs)
				}
				if c.CustomFields == nil || len(c.CustomFields) != 0 {
					t.Errorf("customFields = %#v, want empty non-nil", c.CustomFields)
				}
			},
		},
		{
			name: "get customer", file: "get_customer.json", path: "/api/customers/75",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, err := c.Customers.Get(ctx, 75)
				return result{decoded: v}, err
			},
			check: func(t *testing.T, decoded any) {
				c := decoded.(*upstream.Customer)
				e := c.Embedded
				if len(e.Phones) != 1 || e.Phones[0].ID != 0 || e.Phones[0].Value != "777-777-777" {
					t.Errorf("phones = %+v", e.Phones)
				}
				if len(e.Websites) != 1 || e.Websites[0].Type != "" || e.Websites[0].Value != "https://example.org" {
					t.Errorf("websites = %+v", e.Websites)
				}
				if e.Address == nil || e.Address.City == nil || *e.Address.City != "Los Angeles" {
					t.Errorf("address = %+v", e.Address)
				}
				if len(c.CustomerFields) != 2 || c.CustomerFields[1].Text != "Male" {
					t.Errorf("customerFields = %+v", c.CustomerFields)
				}
			},
		},
		{
			name: "list customers", file: "list_customers.json", path: "/api/customers", key: "customers",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Customers.List(ctx, nil)
				return result{v, p}, err
			},
			check: func(t *testing.T, decoded any) {
				c := decoded.([]upstream.Customer)[0]
				e := c.Embedded
				if e.Emails == nil || len(e.Emails) != 0 || e.SocialProfiles == nil || e.Websites == nil || e.Phones == nil {
					t.Errorf("empty entry lists should decode as empty non-nil slices: %#v", e)
				}
				a := e.Address
				if a == nil || a.City != nil || a.State != nil || a.Zip != nil || a.Country != nil || a.Address != nil {
					t.Errorf("address of nulls = %+v", a)
				}
				if c.CustomerFields != nil {
					t.Errorf("customerFields absent from lists, decoded as %#v", c.CustomerFields)
				}
			},
		},
		{
			name: "list mailboxes", file: "list_mailboxes.json", path: "/api/mailboxes", key: "mailboxes",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Mailboxes.List(ctx, nil)
				return result{v, p}, err
			},
			check: func(t *testing.T, decoded any) {
				mb := decoded.([]upstream.Mailbox)[0]
				if !mb.CreatedAt.Equal(utc(2020, 8, 9, 10, 9, 0)) || !mb.UpdatedAt.Equal(utc(2021, 1, 16, 12, 38, 46)) {
					t.Errorf("mailbox dates = %v, %v", mb.CreatedAt, mb.UpdatedAt)
				}
			},
		},
		{
			name: "mailbox custom fields", file: "list_mailbox_custom_fields.json", path: "/api/mailboxes/1/custom_fields", key: "custom_fields",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Mailboxes.ListCustomFields(ctx, 1)
				return result{v, p}, err
			},
			check: func(t *testing.T, decoded any) {
				fields := decoded.([]upstream.CustomField)
				want := []upstream.FieldOption{{ID: "1", Label: "Low"}, {ID: "2", Label: "Medium"}, {ID: "3", Label: "High"}}
				if !slices.Equal(fields[0].Options, want) {
					t.Errorf("dropdown options = %+v, want %+v", fields[0].Options, want)
				}
				for _, f := range fields[1:] {
					if f.Options != nil {
						t.Errorf("field %d (%s): options = %#v, want nil", f.ID, f.Type, f.Options)
					}
				}
			},
		},
		{
			name: "mailbox folders", file: "list_mailbox_folders.json", path: "/api/mailboxes/1/folders", key: "folders",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Mailboxes.ListFolders(ctx, 1, nil)
				return result{v, p}, err
			},
			check: func(t *testing.T, decoded any) {
				folders := decoded.([]upstream.Folder)
				if folders[0].UserID != nil || folders[1].UserID == nil || *folders[1].UserID != 145 {
					t.Errorf("folder userIds = %v, %v", folders[0].UserID, folders[1].UserID)
				}
			},
		},
		{
			name: "list tags", file: "list_tags.json", path: "/api/tags", key: "tags",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Tags.List(ctx, nil)
				return result{v, p}, err
			},
		},
		{
			name: "list timelogs", file: "list_conversation_timelogs.json", path: "/api/conversations/1/timelogs", key: "timelogs",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Conversations.ListTimelogs(ctx, 1, nil)
				return result{v, p}, err
			},
		},
		{
			name: "get user", file: "get_user.json", path: "/api/users/1",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, err := c.Users.Get(ctx, 1)
				return result{decoded: v}, err
			},
			check: func(t *testing.T, decoded any) {
				u := decoded.(*upstream.User)
				if !u.CreatedAt.Equal(utc(2018, 8, 9, 10, 8, 53)) {
					t.Errorf("createdAt = %v", u.CreatedAt)
				}
			},
		},
		{
			name: "list users", file: "list_users.json", path: "/api/users", key: "users",
			call: func(ctx context.Context, c *upstream.Client) (result, error) {
				v, p, err := c.Users.List(ctx, nil)
				return result{v, p}, err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fixture(t, tt.file)
			srv, rec := serveFixture(t, http.StatusOK, body)
			c := newClient(t, srv.URL)
			res, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if got := rec.last(t).URL.Path; got != tt.path {
				t.Errorf("request path = %s, want %s", got, tt.path)
			}
			if tt.key == "" {
				assertLossless(t, tt.file, body, res.decoded)
			} else {
				items, page := rawEmbedded(t, body, tt.key)
				assertLossless(t, tt.file+" _embedded."+tt.key, items, res.decoded)
				assertLossless(t, tt.file+" page", page, res.page)
			}
			if tt.check != nil {
				tt.check(t, res.decoded)
			}
		})
	}
}

// TestReferenceErrorExample decodes the reference's error example from a 400 answer.
func TestReferenceErrorExample(t *testing.T) {
	body := fixture(t, "error_bad_request.json")
	srv, _ := serveFixture(t, http.StatusBadRequest, body)
	c := newClient(t, srv.URL)
	_, _, err := c.Conversations.Create(t.Context(), &upstream.NewConversation{Type: "email"})
	var e *upstream.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *upstream.Error", err)
	}
	if !errors.Is(err, upstream.ErrBadRequest) {
		t.Errorf("errors.Is(err, ErrBadRequest) = false")
	}
	if e.StatusCode != 400 || e.Message != "Bad request" || e.Code != "BAD REQUEST" || e.Method != "POST" || e.Path != "/api/conversations" {
		t.Errorf("error = %+v", e)
	}
	var doc struct {
		Embedded struct {
			Errors json.RawMessage `json:"errors"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	assertLossless(t, "_embedded.errors", doc.Embedded.Errors, e.Fields)
	if len(e.Fields) != 2 || e.Fields[0].RejectedValue != nil || e.Fields[1].RejectedValue != "Wrong" {
		t.Errorf("fields = %+v", e.Fields)
	}
	for _, want := range []string{"400", "bad request", "subject: may not be empty", "status: expected one of these"} {
		if !strings.Contains(strings.ToLower(err.Error()), want) {
			t.Errorf("error string %q lacks %q", err.Error(), want)
		}
	}
}

func assertHas(t *testing.T, who string, p *upstream.Person, keys []string) {
	t.Helper()
	all := []string{"id", "type", "firstName", "lastName", "photoUrl", "email", "role"}
	for _, k := range all {
		if got, want := p.Has(k), slices.Contains(keys, k); got != want {
			t.Errorf("%s.Has(%q) = %v, want %v", who, k, got, want)
		}
	}
}

func TestTimeDecoding(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: `"2020-03-15T22:46:22Z"`, want: utc(2020, 3, 15, 22, 46, 22)},
		{in: `"2021-04-21T13-24-01Z"`, want: utc(2021, 4, 21, 13, 24, 1)},
		{in: `null`, want: time.Time{}},
		{in: ` null `, want: time.Time{}},
		{in: `""`, want: time.Time{}},
		{in: `"2020-03-15T23:46:22+01:00"`, want: utc(2020, 3, 15, 22, 46, 22)},
		{in: `"2021-04-21T15-24-01+02:00"`, want: utc(2021, 4, 21, 13, 24, 1)},
		{in: `"2020-03-15T22:46:22.250Z"`, want: utc(2020, 3, 15, 22, 46, 22).Add(250 * time.Millisecond)},
		{in: `"2020-03-15 22:46:22"`, want: utc(2020, 3, 15, 22, 46, 22)},
		{in: `"2020-03-15"`, want: utc(2020, 3, 15, 0, 0, 0)},
		{in: `" 2020-03-15T22:46:22Z "`, want: utc(2020, 3, 15, 22, 46, 22)},
		{in: `"yesterday"`, wantErr: true},
		{in: `"2021-13-01T00:00:00Z"`, wantErr: true},
		{in: `"2021-04-21T13:24"`, wantErr: true},
		{in: `"null"`, wantErr: true},
		{in: `1616332800`, wantErr: true},
		{in: `{}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got upstream.Time
			err := json.Unmarshal([]byte(tt.in), &got)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decoded %s as %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode %s: %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("decode %s = %v (%v), want %v in UTC", tt.in, got.Time, got.Location(), tt.want)
			}
			if got.IsZero() != tt.want.IsZero() {
				t.Errorf("IsZero = %v", got.IsZero())
			}
		})
	}
}

func TestTimeEncoding(t *testing.T) {
	tests := []struct {
		name string
		in   upstream.Time
		json string
		str  string
		ptr  bool
	}{
		{"zero is null", upstream.Time{}, `null`, "", false},
		{"utc", upstream.NewTime(utc(2021, 4, 21, 13, 24, 1)), `"2021-04-21T13:24:01Z"`, "2021-04-21T13:24:01Z", true},
		{"offset becomes utc", upstream.NewTime(time.Date(2021, 4, 21, 15, 24, 1, 0, time.FixedZone("", 2*3600))), `"2021-04-21T13:24:01Z"`, "2021-04-21T13:24:01Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil || string(b) != tt.json {
				t.Errorf("Marshal = %s, %v; want %s", b, err, tt.json)
			}
			if s := tt.in.String(); s != tt.str {
				t.Errorf("String = %q, want %q", s, tt.str)
			}
			if p := tt.in.Ptr(); (p != nil) != tt.ptr || (p != nil && !p.Equal(tt.in.Time)) {
				t.Errorf("Ptr = %v", p)
			}
		})
	}
	// A null or "" date inside a resource decodes as zero and Ptr gives nil.
	var c upstream.Conversation
	if err := json.Unmarshal([]byte(`{"id":5,"closedAt":null,"userUpdatedAt":"","createdAt":"2021-04-21T13-24-01Z"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.ClosedAt.Ptr() != nil || c.UserUpdatedAt.Ptr() != nil || !c.CreatedAt.Equal(utc(2021, 4, 21, 13, 24, 1)) {
		t.Errorf("closedAt %v userUpdatedAt %v createdAt %v", c.ClosedAt, c.UserUpdatedAt, c.CreatedAt)
	}
}

func TestCustomFieldOptions(t *testing.T) {
	tests := []struct {
		name    string
		options string
		want    []upstream.FieldOption
		wantErr bool
	}{
		{name: "object", options: `{"1":"Low","2":"Medium","3":"High"}`,
			want: []upstream.FieldOption{{ID: "1", Label: "Low"}, {ID: "2", Label: "Medium"}, {ID: "3", Label: "High"}}},
		{name: "object ordered by numeric id", options: `{"10":"Ten","9":"Nine","2":"Two","100":"Hundred"}`,
			want: []upstream.FieldOption{{ID: "2", Label: "Two"}, {ID: "9", Label: "Nine"}, {ID: "10", Label: "Ten"}, {ID: "100", Label: "Hundred"}}},
		{name: "object with number label", options: `{"1":2024,"2":true}`,
			want: []upstream.FieldOption{{ID: "1", Label: "2024"}, {ID: "2", Label: "true"}}},
		{name: "empty object", options: `{}`, want: []upstream.FieldOption{}},
		{name: "null", options: `null`, want: nil},
		{name: "empty string", options: `""`, want: nil},
		{name: "absent", options: ``, want: nil},
		{name: "php list of labels", options: `["Low","High"]`,
			want: []upstream.FieldOption{{ID: "0", Label: "Low"}, {ID: "1", Label: "High"}}},
		{name: "own list form", options: `[{"id":"7","label":"Enterprise"}]`,
			want: []upstream.FieldOption{{ID: "7", Label: "Enterprise"}}},
		{name: "number", options: `5`, wantErr: true},
		{name: "object of objects", options: `{"1":{"label":"Low"}}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"id":18,"name":"Priority","type":"dropdown","required":true,"sortOrder":1`
			if tt.options != "" {
				doc += `,"options":` + tt.options
			}
			doc += `}`
			var f upstream.CustomField
			err := json.Unmarshal([]byte(doc), &f)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decoded options %s as %+v, want an error", tt.options, f.Options)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !slices.Equal(f.Options, tt.want) || (f.Options == nil) != (tt.want == nil) {
				t.Errorf("options = %#v, want %#v", f.Options, tt.want)
			}
			if f.ID != 18 || f.Name != "Priority" || f.Type != upstream.FieldDropdown || !f.Required || f.SortOrder != 1 {
				t.Errorf("other members = %+v", f)
			}
			// The encoded form (a list) decodes to the same definition, so cached definitions round-trip.
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			var back upstream.CustomField
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if !slices.Equal(back.Options, f.Options) || back.ID != f.ID || back.Name != f.Name {
				t.Errorf("round trip: %+v, want %+v", back, f)
			}
		})
	}
}

func TestThreadsCount(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    int
		wantErr bool
	}{
		{"list spelling", `{"id":1,"threads":3}`, 3, false},
		{"get spelling", `{"id":1,"threadsCount":4}`, 4, false},
		{"both: threadsCount wins", `{"id":1,"threads":3,"threadsCount":4}`, 4, false},
		{"neither", `{"id":1}`, 0, false},
		{"null count", `{"id":1,"threads":null}`, 0, false},
		{"zero", `{"id":1,"threads":0}`, 0, false},
		{"not a number", `{"id":1,"threads":"many"}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c upstream.Conversation
			err := json.Unmarshal([]byte(tt.doc), &c)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && (c.ThreadsCount != tt.want || c.ID != 1) {
				t.Errorf("ThreadsCount = %d, ID = %d; want %d, 1", c.ThreadsCount, c.ID, tt.want)
			}
		})
	}
}

func TestEmbeddedPresence(t *testing.T) {
	type presence struct{ threads, timelogs, tags bool } // non-nil
	tests := []struct {
		name string
		doc  string
		want presence
	}{
		{"absent", `{"id":1}`, presence{}},
		{"null", `{"id":1,"_embedded":null}`, presence{}},
		{"empty object", `{"id":1,"_embedded":{}}`, presence{}},
		{"threads only", `{"id":1,"_embedded":{"threads":[]}}`, presence{threads: true}},
		{"all empty", `{"id":1,"_embedded":{"threads":[],"timelogs":[],"tags":[]}}`, presence{true, true, true}},
		{"tags", `{"id":1,"_embedded":{"tags":[{"id":0,"name":"zero"}]}}`, presence{tags: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c upstream.Conversation
			if err := json.Unmarshal([]byte(tt.doc), &c); err != nil {
				t.Fatal(err)
			}
			got := presence{c.Embedded.Threads != nil, c.Embedded.Timelogs != nil, c.Embedded.Tags != nil}
			if got != tt.want {
				t.Errorf("non-nil embeds = %+v, want %+v", got, tt.want)
			}
		})
	}

	var th upstream.Thread
	if err := json.Unmarshal([]byte(`{"id":0,"_embedded":{"attachments":[]}}`), &th); err != nil {
		t.Fatal(err)
	}
	if th.Embedded.Attachments == nil {
		t.Error("thread attachments [] decoded as nil")
	}
	var cu upstream.Customer
	if err := json.Unmarshal([]byte(`{"id":3}`), &cu); err != nil {
		t.Fatal(err)
	}
	if cu.Embedded.Emails != nil || cu.Embedded.Address != nil || cu.CustomerFields != nil {
		t.Errorf("customer without _embedded: %+v", cu)
	}
}

func TestZeroIDs(t *testing.T) {
	var c upstream.Conversation
	doc := `{"id":0,"closedBy":0,"assignee":{"id":0,"type":"user"},"_embedded":{"tags":[{"id":0,"name":"a"}]}}`
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	if c.ID != 0 || c.ClosedBy != 0 || c.Assignee == nil || c.Assignee.ID != 0 || !c.Assignee.Has("id") || c.Embedded.Tags[0].ID != 0 {
		t.Errorf("zero ids: %+v", c)
	}
	if err := json.Unmarshal([]byte(`{"closedBy":null}`), &c); err != nil || c.ClosedBy != 0 {
		t.Errorf("closedBy null: %d, %v", c.ClosedBy, err)
	}

	// A folder's userId null and 0 stay apart.
	var folders []upstream.Folder
	if err := json.Unmarshal([]byte(`[{"id":1,"userId":null},{"id":2,"userId":0},{"id":3}]`), &folders); err != nil {
		t.Fatal(err)
	}
	if folders[0].UserID != nil || folders[1].UserID == nil || *folders[1].UserID != 0 || folders[2].UserID != nil {
		t.Errorf("folder userIds: %v %v %v", folders[0].UserID, folders[1].UserID, folders[2].UserID)
	}

	// A timelog's conversationId 0 is left out when encoded, like an absent one.
	b, err := json.Marshal(upstream.Timelog{ID: 0})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "conversationId") || !strings.Contains(string(b), `"id":0`) {
		t.Errorf("timelog encoding = %s", b)
	}
}

func TestPersonHas(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		keys []string
	}{
		{"customer stub", `{"id":11,"type":"customer","email":"customer@example.org"}`, []string{"id", "type", "email"}},
		{"full user", `{"id":14,"type":"user","firstName":"John","lastName":"Doe","photoUrl":"u","email":"e"}`,
			[]string{"id", "type", "firstName", "lastName", "photoUrl", "email"}},
		{"unknown key counts", `{"id":1,"type":"user","role":"admin"}`, []string{"id", "type", "role"}},
		{"empty strings are present", `{"id":1,"firstName":"","email":""}`, []string{"id", "firstName", "email"}},
		// A null value is sent: the embedded object answers the field as null.
		{"null is sent", `{"id":1,"firstName":null,"photoUrl":null}`, []string{"id", "firstName", "photoUrl"}},
		{"empty object", `{}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p upstream.Person
			if err := json.Unmarshal([]byte(tt.doc), &p); err != nil {
				t.Fatal(err)
			}
			assertHas(t, "person", &p, tt.keys)
		})
	}
	var nilPerson *upstream.Person
	if nilPerson.Has("id") {
		t.Error("nil Person reports a key")
	}
	var c upstream.Conversation
	if err := json.Unmarshal([]byte(`{"assignee":null}`), &c); err != nil || c.Assignee != nil || c.Assignee.Has("id") {
		t.Errorf("null assignee: %+v, %v", c.Assignee, err)
	}
}

func TestFlexString(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"7"`, "7", false},
		{`7`, "7", false},
		{`129.99`, "129.99", false},
		{`true`, "true", false},
		{`null`, "", false},
		{`""`, "", false},
		{`[1]`, "", true},
		{`{"a":1}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v upstream.CustomFieldValue
			err := json.Unmarshal([]byte(`{"id":22,"name":"Amount","value":`+tt.in+`,"text":""}`), &v)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && string(v.Value) != tt.want {
				t.Errorf("value = %q, want %q", v.Value, tt.want)
			}
		})
	}
}

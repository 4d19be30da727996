package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

var sentinels = []struct {
	name string
	err  error
}{
	{"ErrBadRequest", upstream.ErrBadRequest},
	{"ErrUnauthorized", upstream.ErrUnauthorized},
	{"ErrForbidden", upstream.ErrForbidden},
	{"ErrNotFound", upstream.ErrNotFound},
	{"ErrConflict", upstream.ErrConflict},
	{"ErrUnavailable", upstream.ErrUnavailable},
}

// assertSentinel checks that err matches want and no other sentinel; want
// nil means none.
func assertSentinel(t *testing.T, err, want error) {
	t.Helper()
	for _, s := range sentinels {
		if got := errors.Is(err, s.err); got != (s.err == want) {
			t.Errorf("errors.Is(%v, %s) = %v", err, s.name, got)
		}
	}
}

// TestErrorStatuses has the emulator answer each status with its error body
// and checks the sentinel, the decoded body and how often a GET was sent.
func TestErrorStatuses(t *testing.T) {
	tests := []struct {
		status   int
		sentinel error
		message  string
		code     string
		attempts int // a GET is retried on 502, 503 and 504
	}{
		{400, upstream.ErrBadRequest, "Bad Request", "BAD REQUEST", 1},
		{401, upstream.ErrUnauthorized, "Unauthorized. API Key is either not provided or not valid.", "UNAUTHORIZED", 1},
		{403, upstream.ErrForbidden, "Forbidden", "FORBIDDEN", 1},
		{404, upstream.ErrNotFound, "Not found", "", 1}, // FreeScout's 404 carries no errorCode
		{409, upstream.ErrConflict, "Conflict", "CONFLICT", 1},
		{410, upstream.ErrNotFound, "Gone", "GONE", 1},
		{422, upstream.ErrBadRequest, "Unprocessable Entity", "UNPROCESSABLE ENTITY", 1},
		{500, upstream.ErrUnavailable, "Internal Server Error", "INTERNAL SERVER ERROR", 1},
		{502, upstream.ErrUnavailable, "Bad Gateway", "BAD GATEWAY", 3},
		{503, upstream.ErrUnavailable, "Service Unavailable", "SERVICE UNAVAILABLE", 3},
		{504, upstream.ErrUnavailable, "Gateway Timeout", "GATEWAY TIMEOUT", 3},
		// Statuses the reference lists that no sentinel stands for: the
		// caller still gets an *Error with the status.
		{405, nil, "Method Not Allowed", "METHOD NOT ALLOWED", 1},
		{412, nil, "Precondition Failed", "PRECONDITION FAILED", 1},
		{413, nil, "Request Entity Too Large", "REQUEST ENTITY TOO LARGE", 1},
		{415, nil, "Unsupported Media Type", "UNSUPPORTED MEDIA TYPE", 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			e := newEnv(t, emulator.Options{})
			e.emu.InjectFault("GET /api/users/{id}", emulator.Fault{Status: tt.status})
			_, err := e.client.Users.Get(t.Context(), 3)
			var ue *upstream.Error
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v (%T), want *upstream.Error", err, err)
			}
			assertSentinel(t, err, tt.sentinel)
			if ue.StatusCode != tt.status || ue.Method != "GET" || ue.Path != "/api/users/3" || ue.Message != tt.message || ue.Code != tt.code || ue.Fields != nil {
				t.Errorf("error = %+v", ue)
			}
			want := fmt.Sprintf("freescout GET /api/users/3: %d %s", tt.status, strings.ToLower(tt.message))
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			if n := e.emu.Count("GET /api/users/{id}"); n != tt.attempts {
				t.Errorf("sent %d times, want %d", n, tt.attempts)
			}
		})
	}
}

// TestRealErrors provokes errors through the emulator's own logic rather than faults.
func TestRealErrors(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()

	wrongKey, err := upstream.New(e.srv.URL, "not-the-key")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		call     func() error
		sentinel error
		status   int
	}{
		{"wrong key", func() error { _, err := wrongKey.Users.Get(ctx, 1); return err }, upstream.ErrUnauthorized, 401},
		{"unknown conversation", func() error { _, err := e.client.Conversations.Get(ctx, 424242); return err }, upstream.ErrNotFound, 404},
		{"unknown mailbox", func() error { _, _, err := e.client.Mailboxes.ListFolders(ctx, 77, nil); return err }, upstream.ErrNotFound, 404},
		{"bad filter", func() error {
			_, _, err := e.client.Conversations.List(ctx, &upstream.ConversationListOptions{Statuses: []string{"bogus"}})
			return err
		}, upstream.ErrBadRequest, 400},
		{"bad sort", func() error {
			_, _, err := e.client.Customers.List(ctx, &upstream.CustomerListOptions{SortField: "shoeSize"})
			return err
		}, upstream.ErrBadRequest, 400},
		{"duplicate user", func() error {
			_, _, err := e.client.Users.Create(ctx, &upstream.NewUser{FirstName: "O", LastName: "B", Email: "olivia.bennett@example.com"})
			return err
		}, upstream.ErrConflict, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ue *upstream.Error
			if !errors.As(err, &ue) || ue.StatusCode != tt.status || ue.Message == "" {
				t.Fatalf("err = %v, want an *upstream.Error with status %d", err, tt.status)
			}
			assertSentinel(t, err, tt.sentinel)
		})
	}
}

// TestErrorBodies checks error answers whose bodies vary: with and without
// errorCode, field errors of every kind, and bodies that are not JSON.
func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		sentinel    error
		message     string
		code        string
		fields      string // path=message=rejectedValue;...
	}{
		{"json with errorCode", 403, "application/json", `{"message":"Access denied to mailbox","errorCode":"ACCESS DENIED"}`,
			upstream.ErrForbidden, "Access denied to mailbox", "ACCESS DENIED", ""},
		{"json without errorCode", 404, "application/json", `{"message":"Conversation not found"}`,
			upstream.ErrNotFound, "Conversation not found", "", ""},
		{"field errors", 400, "application/json", `{"message":"Bad request","errorCode":"BAD REQUEST","_embedded":{"errors":[` +
			`{"path":"customFields[0].value","message":"must be a number","rejectedValue":"abc","source":"JSON"},` +
			`{"path":"threads[1].user","message":"user not found","rejectedValue":33},` +
			`{"path":"customer","message":"must be an object","rejectedValue":{"id":1}},` +
			`{"path":"subject","message":"may not be empty","rejectedValue":null}]}}`,
			upstream.ErrBadRequest, "Bad request", "BAD REQUEST",
			"customFields[0].value=must be a number=abc;threads[1].user=user not found=33;customer=must be an object=map[id:1];subject=may not be empty=<nil>"},
		{"html from a proxy", 502, "text/html", `<html><body><h1>502 Bad Gateway</h1></body></html>`,
			upstream.ErrUnavailable, "Bad Gateway", "", ""},
		{"plain text", 403, "text/plain", "Forbidden by WAF",
			upstream.ErrForbidden, "Forbidden", "", ""},
		{"empty body", 500, "", "",
			upstream.ErrUnavailable, "Internal Server Error", "", ""},
		{"json that is not an object", 400, "application/json", `["nope"]`,
			upstream.ErrBadRequest, "Bad Request", "", ""},
		{"json of the wrong types", 409, "application/json", `{"message":42,"errorCode":true}`,
			upstream.ErrConflict, "Conflict", "", ""},
		{"truncated json", 401, "application/json", `{"message":"Unauth`,
			upstream.ErrUnauthorized, "Unauthorized", "", ""},
		{"empty message", 422, "application/json", `{"message":"","errorCode":"VALIDATION"}`,
			upstream.ErrBadRequest, "Unprocessable Entity", "VALIDATION", ""},
		{"status without a name", 599, "text/plain", "",
			upstream.ErrUnavailable, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL, fastRetry())
			err := c.Customers.Update(t.Context(), 5, &upstream.CustomerUpdate{Notes: ptr("x")})
			var ue *upstream.Error
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v (%T), want *upstream.Error", err, err)
			}
			assertSentinel(t, err, tt.sentinel)
			if ue.StatusCode != tt.status || ue.Method != "PUT" || ue.Path != "/api/customers/5" || ue.Code != tt.code {
				t.Errorf("error = %+v", ue)
			}
			if ue.Message == "" || (tt.message != "" && ue.Message != tt.message) {
				t.Errorf("message = %q, want %q (never empty)", ue.Message, tt.message)
			}
			var fields []string
			for _, f := range ue.Fields {
				fields = append(fields, fmt.Sprintf("%s=%s=%v", f.Path, f.Message, f.RejectedValue))
				if !strings.Contains(err.Error(), f.Path+": "+f.Message) {
					t.Errorf("Error() %q lacks field error %s", err.Error(), f.Path)
				}
			}
			if got := strings.Join(fields, ";"); got != tt.fields {
				t.Errorf("fields = %s\nwant %s", got, tt.fields)
			}
			if ue.Error() != err.Error() || strings.ContainsAny(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "freescout PUT /api/customers/5: ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// TestCreatedID reads the new resource's id from Resource-ID, else from Location, else from
// the body, for every create method, and the object from the body when it is there in full.
func TestCreatedID(t *testing.T) {
	creates := []struct {
		name string
		full string // a body holding the object in full, with id %d
		call func(ctx context.Context, c *upstream.Client) (int, bool, error)
	}{
		{"conversation", `{"id":%d,"number":1,"subject":"s","status":"active","state":"published","mailboxId":1,"createdAt":"2024-01-02T03:04:05Z"}`,
			func(ctx context.Context, c *upstream.Client) (int, bool, error) {
				id, obj, err := c.Conversations.Create(ctx, &upstream.NewConversation{Type: "email"})
				return id, obj != nil, err
			}},
		{"thread", `{"id":%d,"type":"note","status":"nochange","state":"published","createdAt":"2024-01-02T03:04:05Z","createdBy":{"id":1,"type":"user"}}`,
			func(ctx context.Context, c *upstream.Client) (int, bool, error) {
				id, obj, err := c.Conversations.CreateThread(ctx, 1, &upstream.NewThread{Type: "note"})
				return id, obj != nil, err
			}},
		{"customer", `{"id":%d,"firstName":"A","lastName":null,"createdAt":"2024-01-02T03:04:05Z","_embedded":{"emails":[]}}`,
			func(ctx context.Context, c *upstream.Client) (int, bool, error) {
				id, obj, err := c.Customers.Create(ctx, &upstream.NewCustomer{FirstName: "A"})
				return id, obj != nil, err
			}},
		{"user", `{"id":%d,"firstName":"A","lastName":"B","email":"a@example.org","createdAt":"2024-01-02T03:04:05Z"}`,
			func(ctx context.Context, c *upstream.Client) (int, bool, error) {
				id, obj, err := c.Users.Create(ctx, &upstream.NewUser{FirstName: "A"})
				return id, obj != nil, err
			}},
		{"webhook", `{"id":%d,"url":"https://example.org","events":["convo.created"]}`,
			func(ctx context.Context, c *upstream.Client) (int, bool, error) {
				id, obj, err := c.Webhooks.Create(ctx, &upstream.NewWebhook{URL: "https://example.org"})
				return id, obj != nil, err
			}},
	}
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string // "full" is the create's full body with id bodyID
		bodyID   int
		want     int
		wantBody bool
		wantErr  string
	}{
		{name: "resource-id", status: 201, header: map[string]string{"Resource-ID": "35"}, want: 35},
		{name: "resource-id with spaces", status: 201, header: map[string]string{"Resource-ID": " 36 "}, want: 36},
		{name: "absolute location", status: 201, header: map[string]string{"Location": "https://support.example.org/api/conversations/77"}, want: 77},
		{name: "relative location", status: 201, header: map[string]string{"Location": "/api/users/12"}, want: 12},
		{name: "location with a query", status: 201, header: map[string]string{"Location": "/api/users/13?embed=threads"}, want: 13},
		{name: "resource-id wins", status: 201, header: map[string]string{"Resource-ID": "40", "Location": "/api/users/41"}, want: 40},
		{name: "a body with only the id", status: 201, header: map[string]string{"Resource-ID": "42"}, body: `{"id":42}`, want: 42},
		{name: "the object in full", status: 201, header: map[string]string{"Resource-ID": "43"}, body: "full", bodyID: 43, want: 43, wantBody: true},
		{name: "a body about another id", status: 201, header: map[string]string{"Resource-ID": "44"}, body: "full", bodyID: 45, want: 44},
		{name: "200 without resource-id", status: 200, body: "full", bodyID: 46, want: 46, wantBody: true},
		{name: "201 without resource-id, an id in the body", status: 201, body: `{"id":47}`, want: 47},
		{name: "a body that is not the object", status: 201, header: map[string]string{"Resource-ID": "48"}, body: `<html>ok</html>`, want: 48},
		{name: "neither", status: 201, wantErr: "no resource-id or location"},
		{name: "200 with an empty object", status: 200, body: `{}`, wantErr: "no resource-id or location"},
		{name: "bad resource-id", status: 201, header: map[string]string{"Resource-ID": "abc"}, wantErr: "resource-id"},
		{name: "location without id", status: 201, header: map[string]string{"Location": "/api/users/"}, wantErr: "location"},
	}
	for _, cr := range creates {
		for _, tt := range tests {
			t.Run(tt.name+"/"+cr.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tt.status)
					body := tt.body
					if body == "full" {
						body = fmt.Sprintf(cr.full, tt.bodyID)
					}
					_, _ = io.WriteString(w, body)
				}))
				t.Cleanup(srv.Close)
				id, body, err := cr.call(t.Context(), newClient(t, srv.URL))
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, upstream.ErrCreatedWithoutID) || id != 0 {
						t.Errorf("id %d, err %v; want an ErrCreatedWithoutID mentioning %q", id, err, tt.wantErr)
					}
					assertSentinel(t, err, nil) // it landed: neither unavailable nor refused
					return
				}
				if err != nil || id != tt.want || body != tt.wantBody {
					t.Errorf("id = %d, body %v, %v; want %d, body %v", id, body, err, tt.want, tt.wantBody)
				}
			})
		}
	}
}

// TestNoContent checks that 204 (and other bodiless 2xx) answers to writes
// are successes, and that a read needs a body.
func TestNoContent(t *testing.T) {
	writes := []struct {
		name string
		call func(ctx context.Context, c *upstream.Client) error
	}{
		{"update conversation", func(ctx context.Context, c *upstream.Client) error {
			return c.Conversations.Update(ctx, 1, &upstream.ConversationUpdate{Subject: ptr("x")})
		}},
		{"delete conversation", func(ctx context.Context, c *upstream.Client) error { return c.Conversations.Delete(ctx, 1) }},
		{"custom fields", func(ctx context.Context, c *upstream.Client) error {
			return c.Conversations.UpdateCustomFields(ctx, 1, nil)
		}},
		{"tags", func(ctx context.Context, c *upstream.Client) error { return c.Conversations.UpdateTags(ctx, 1, nil) }},
		{"update customer", func(ctx context.Context, c *upstream.Client) error {
			return c.Customers.Update(ctx, 1, &upstream.CustomerUpdate{})
		}},
		{"customer fields", func(ctx context.Context, c *upstream.Client) error { return c.Customers.UpdateFields(ctx, 1, nil) }},
		{"delete user", func(ctx context.Context, c *upstream.Client) error {
			return c.Users.Delete(ctx, 1, &upstream.UserDelete{ByUserID: 2})
		}},
		{"delete webhook", func(ctx context.Context, c *upstream.Client) error { return c.Webhooks.Delete(ctx, 1) }},
	}
	answers := []struct {
		name   string
		status int
		body   string
	}{
		{"204", http.StatusNoContent, ""},
		{"200 empty", http.StatusOK, ""},
		{"200 with a body", http.StatusOK, `{"ignored":true}`},
		{"202", http.StatusAccepted, ""},
	}
	for _, a := range answers {
		srv, _ := serveFixture(t, a.status, []byte(a.body))
		c := newClient(t, srv.URL)
		for _, w := range writes {
			t.Run(a.name+"/"+w.name, func(t *testing.T) {
				if err := w.call(t.Context(), c); err != nil {
					t.Errorf("err = %v", err)
				}
			})
		}
	}

	// A read answered without a body is not the documented JSON: no (zero, nil).
	for _, status := range []int{http.StatusOK, http.StatusNoContent} {
		srv, _ := serveFixture(t, status, nil)
		c := newClient(t, srv.URL, upstream.WithRetry(0, 0, 0))
		t.Run(fmt.Sprint("read ", status), func(t *testing.T) {
			conv, err := c.Conversations.Get(t.Context(), 1)
			if conv != nil || !errors.Is(err, upstream.ErrUnavailable) {
				t.Errorf("Get = %+v, %v; want nil and ErrUnavailable", conv, err)
			}
			list, _, err := c.Tags.List(t.Context(), nil)
			if list != nil || !errors.Is(err, upstream.ErrUnavailable) {
				t.Errorf("List = %+v, %v; want nil and ErrUnavailable", list, err)
			}
		})
	}
}

// TestMalformedAnswers covers 2xx answers that are not the documented JSON.
func TestMalformedAnswers(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	e.emu.InjectFault("GET /api/conversations", emulator.Fault{Malformed: true, Times: 1})
	list, _, err := e.client.Conversations.List(t.Context(), nil)
	if list != nil || !errors.Is(err, upstream.ErrUnavailable) || !strings.Contains(err.Error(), "decode") {
		t.Errorf("malformed list: %v, %v", list, err)
	}
	var ue *upstream.Error
	if errors.As(err, &ue) {
		t.Errorf("a decoding failure is not an HTTP error: %+v", ue)
	}

	getConv := func(ctx context.Context, c *upstream.Client) error { _, err := c.Conversations.Get(ctx, 1); return err }
	tests := []struct {
		name string
		body string
		call func(ctx context.Context, c *upstream.Client) error
	}{
		{"wrong type", `{"id":"seven"}`, getConv},
		{"list where an object belongs", `[]`, getConv},
		{"bad date", `{"id":1,"createdAt":"last tuesday"}`, getConv},
		{"bad threads count", `{"id":1,"threads":"two"}`, getConv},
		{"bad options", `{"_embedded":{"custom_fields":[{"id":1,"options":7}]}}`, func(ctx context.Context, c *upstream.Client) error {
			_, _, err := c.Mailboxes.ListCustomFields(ctx, 1)
			return err
		}},
		{"items of the wrong shape", `{"_embedded":{"users":{"id":1}}}`, func(ctx context.Context, c *upstream.Client) error {
			_, _, err := c.Users.List(ctx, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serveFixture(t, http.StatusOK, []byte(tt.body))
			c := newClient(t, srv.URL)
			if err := tt.call(t.Context(), c); !errors.Is(err, upstream.ErrUnavailable) {
				t.Errorf("err = %v, want ErrUnavailable", err)
			}
		})
	}
}

// TestBodyLimit streams an answer just over the client's 64 MiB limit.
func TestBodyLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 65 MiB; skipped with -short")
	}
	const size = 64<<20 + 1<<20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":1,"subject":"`)
		chunk := []byte(strings.Repeat("a", 1<<20))
		for written := 0; written < size; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"}`)
	}))
	t.Cleanup(srv.Close)
	obs := &calls{}
	c := newClient(t, srv.URL, upstream.WithRetry(0, 0, 0), upstream.WithObserver(obs.observe))
	conv, err := c.Conversations.Get(t.Context(), 1)
	if conv != nil || !errors.Is(err, upstream.ErrUnavailable) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized answer: %v", err)
	}
	if cs := obs.all(); len(cs) != 1 || cs[0].Status != 200 || cs[0].Err == nil {
		t.Errorf("observed %+v", cs)
	}
}

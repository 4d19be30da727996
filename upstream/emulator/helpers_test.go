package emulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// apiKey is the key the test clients send.
const apiKey = "c2ba609c687a3425402b9d881e5075db"

// client talks to an Emulator over real HTTP.
type client struct {
	t   testing.TB
	em  *emulator.Emulator
	srv *httptest.Server
	old bool // the emulator is module v1.0.20: 201 answers without a body
}

// newClient starts an Emulator requiring apiKey behind an httptest server.
func newClient(t testing.TB) *client {
	t.Helper()
	return newClientWith(t, emulator.Options{APIKey: apiKey})
}

// newClientWith starts an Emulator with opts behind an httptest server; the test's cleanup
// stops its webhook deliveries.
func newClientWith(t testing.TB, opts emulator.Options) *client {
	t.Helper()
	em, err := emulator.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	return &client{t: t, em: em, srv: srv, old: opts.ModuleVersion == oldVersion}
}

// oldVersion is the old module version the tests compare with the current one.
const oldVersion = "1.0.20"

// versions are the module versions the shape tests run against: the current and an old one.
func versions() []string { return []string{emulator.CurrentModuleVersion, oldVersion} }

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return v
}

// request sends method path with the API key header. body is sent as is when it is a
// string, else as JSON; nil sends nothing.
func (c *client) request(method, path string, body any) *http.Request {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-FreeScout-API-Key", apiKey)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// send sends req and reads the answer.
func (c *client) send(req *http.Request) response {
	c.t.Helper()
	res, err := c.trySend(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return res
}

// trySend sends req and reads the answer; unlike send it may run outside the test's goroutine.
func (c *client) trySend(req *http.Request) (response, error) {
	res, err := c.srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}, err
}

// goDo is do for other goroutines: failures are reported with Errorf.
func (c *client) goDo(method, path string, body any) response {
	res, err := c.trySend(c.request(method, path, body))
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
	}
	return res
}

func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	return c.send(c.request(method, path, body))
}

// get fetches path and requires 200.
func (c *client) get(path string) map[string]any {
	c.t.Helper()
	res := c.do(http.MethodGet, path, nil)
	if res.status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d: %s", path, res.status, res.body)
	}
	return res.json(c.t)
}

// expect sends a request and requires the status.
func (c *client) expect(status int, method, path string, body any) response {
	c.t.Helper()
	res := c.do(method, path, body)
	if res.status != status {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.status, status, res.body)
	}
	return res
}

// create posts body, requires 201 with a Resource-ID, and returns the id. The body must be
// the created object with that id (current modules) or empty (v1.0.20).
func (c *client) create(path string, body any) int {
	c.t.Helper()
	id, _ := c.createObject(path, body)
	return id
}

// createObject is create that also returns the 201 body (nil for v1.0.20).
func (c *client) createObject(path string, body any) (int, map[string]any) {
	c.t.Helper()
	res := c.expect(http.StatusCreated, http.MethodPost, path, body)
	if loc := res.header.Get("Location"); loc != "" {
		c.t.Errorf("POST %s: unexpected Location %q", path, loc)
	}
	id, err := strconv.Atoi(res.header.Get("Resource-ID"))
	if err != nil || id <= 0 {
		c.t.Fatalf("POST %s: Resource-ID %q", path, res.header.Get("Resource-ID"))
	}
	if c.old {
		if len(res.body) != 0 {
			c.t.Errorf("POST %s: module v%s answers 201 without a body, got %s", path, oldVersion, res.body)
		}
		return id, nil
	}
	created := res.json(c.t)
	if num(created["id"]) != id || res.header.Get("Content-Type") != "application/json" {
		c.t.Errorf("POST %s: 201 body id %v (Resource-ID %d), Content-Type %q", path, created["id"], id, res.header.Get("Content-Type"))
	}
	return id, created
}

// items returns the list answer's _embedded.<name>.
func items(t testing.TB, body map[string]any, name string) []map[string]any {
	t.Helper()
	emb, ok := body["_embedded"].(map[string]any)
	if !ok {
		t.Fatalf("no _embedded in %v", body)
	}
	raw, ok := emb[name].([]any)
	if !ok {
		t.Fatalf("no _embedded.%s array in %v", name, emb)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

// page returns the list answer's page block as ints.
func page(t testing.TB, body map[string]any) (size, total, pages, number int) {
	t.Helper()
	p, ok := body["page"].(map[string]any)
	if !ok {
		t.Fatalf("no page block in %v", body)
	}
	return num(p["size"]), num(p["totalElements"]), num(p["totalPages"]), num(p["number"])
}

// num reads a JSON number as an int (-1 when it is not a number).
func num(v any) int {
	f, ok := v.(float64)
	if !ok {
		return -1
	}
	return int(f)
}

// str reads a JSON string ("" when it is not one).
func str(v any) string {
	s, _ := v.(string)
	return s
}

// obj reads a JSON object (nil when it is not one).
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// ids returns the ids of list items.
func ids(list []map[string]any) []int {
	out := make([]int, len(list))
	for i, it := range list {
		out[i] = num(it["id"])
	}
	return out
}

// allStatuses lifts the list's default status=active.
const allStatuses = "status=active,pending,closed,spam"

// allConversations lists every conversation with the extra query (which may override the
// status filter) in one page.
func (c *client) allConversations(query string) []map[string]any {
	c.t.Helper()
	q := allStatuses + "&pageSize=1000"
	if query != "" {
		q += "&" + query
	}
	return items(c.t, c.get("/api/conversations?"+q), "conversations")
}

// errorPaths returns the paths of a 400 answer's _embedded.errors, checking its envelope.
func errorPaths(t testing.TB, res response) []string {
	t.Helper()
	if res.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", res.status, res.body)
	}
	body := res.json(t)
	if body["message"] != "Bad request" || body["errorCode"] != "BAD REQUEST" {
		t.Errorf("400 envelope = %v", body)
	}
	var paths []string
	for _, e := range items(t, body, "errors") {
		if str(e["message"]) == "" || e["source"] == nil {
			t.Errorf("error entry without message or source: %v", e)
		}
		paths = append(paths, str(e["path"]))
	}
	return paths
}

// fieldIDs reads a mailbox's custom-field definitions from the emulator and returns a lookup of
// their ids by name; a name the mailbox lacks fails the test.
func (c *client) fieldIDs(mailboxID int) func(name string) int {
	c.t.Helper()
	byName := map[string]int{}
	for _, f := range items(c.t, c.get(fmt.Sprintf("/api/mailboxes/%d/custom_fields", mailboxID)), "custom_fields") {
		byName[str(f["name"])] = num(f["id"])
	}
	return func(name string) int {
		c.t.Helper()
		id, ok := byName[name]
		if !ok {
			c.t.Fatalf("mailbox %d has no custom field %q (it has %v)", mailboxID, name, byName)
		}
		return id
	}
}

package upstream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// testKey is the API key the tests' emulators expect. It is distinctive so
// that a leak into a URL or an error string cannot go unnoticed.
const testKey = "k3y-5ecr3t-9f2c41d7"

// fastRetry keeps retry backoffs short so that retry tests stay quick.
func fastRetry() upstream.Option {
	return upstream.WithRetry(2, time.Millisecond, 4*time.Millisecond)
}

// seenRequest is what the recording wrapper keeps of one request.
type seenRequest struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
}

// recorder wraps a handler and keeps every request it passes on.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []seenRequest
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	rec.mu.Lock()
	u := *r.URL
	rec.reqs = append(rec.reqs, seenRequest{Method: r.Method, URL: &u, Header: r.Header.Clone(), Body: body})
	rec.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.next.ServeHTTP(w, r)
}

// all returns a copy of the recorded requests.
func (rec *recorder) all() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

// last returns the most recent request; the test fails when there is none.
func (rec *recorder) last(t *testing.T) seenRequest {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	return rec.reqs[len(rec.reqs)-1]
}

// calls collects the Calls an observer reports.
type calls struct {
	mu   sync.Mutex
	list []upstream.Call
}

func (c *calls) observe(_ context.Context, call upstream.Call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, call)
}

func (c *calls) all() []upstream.Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list)
}

// env is an emulator served over real HTTP with a client pointed at it.
type env struct {
	emu    *emulator.Emulator
	rec    *recorder
	srv    *httptest.Server
	client *upstream.Client
	calls  *calls
}

// newEnv starts an emulator (with its sample data) behind a recorder and an
// httptest server, and returns a client for it. opts come after the test
// defaults (fast retries, an observer), so they win.
func newEnv(t *testing.T, emuOpts emulator.Options, opts ...upstream.Option) *env {
	t.Helper()
	if emuOpts.APIKey == "" {
		emuOpts.APIKey = testKey
	}
	e := &env{emu: emulator.New(emuOpts), calls: &calls{}}
	e.rec = &recorder{next: e.emu}
	e.srv = httptest.NewServer(e.rec)
	t.Cleanup(e.srv.Close)
	all := append([]upstream.Option{fastRetry(), upstream.WithObserver(e.calls.observe)}, opts...)
	e.client = newClient(t, e.srv.URL, all...)
	return e
}

// newClient returns a client for baseURL authenticating with testKey.
func newClient(t *testing.T, baseURL string, opts ...upstream.Option) *upstream.Client {
	t.Helper()
	c, err := upstream.New(baseURL, testKey, opts...)
	if err != nil {
		t.Fatalf("upstream.New(%q): %v", baseURL, err)
	}
	return c
}

// raw fetches path from the emulator with a plain HTTP client and returns the
// body, so that tests can compare the client's decoding with the bytes sent.
func (e *env) raw(t *testing.T, path string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-FreeScout-API-Key", testKey)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", path, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, res.StatusCode, b)
	}
	return b
}

// rawEmbedded returns the raw items of a list answer (_embedded.<key>) and its page block.
func rawEmbedded(t *testing.T, body []byte, key string) (json.RawMessage, json.RawMessage) {
	t.Helper()
	var doc struct {
		Embedded map[string]json.RawMessage `json:"_embedded"`
		Page     json.RawMessage            `json:"page"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("list document: %v", err)
	}
	items, ok := doc.Embedded[key]
	if !ok {
		t.Fatalf("list document has no _embedded.%s", key)
	}
	return items, doc.Page
}

// fixture reads upstream/testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serveFixture starts a server that answers every request with status and
// body, recording the requests.
func serveFixture(t *testing.T, status int, body []byte) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{next: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv, rec
}

// assertLossless checks that decoded, the client's decoding of orig, keeps
// every value orig holds: decoded is encoded again and every key and value of
// orig must be found in that encoding. The package's documented
// normalisations are allowed: dates in either spelling compare as instants,
// a list's "threads" count is found as "threadsCount", custom-field options
// objects are found as a list of {id, label} ordered by numeric id, and
// options of null or "" as no options. A key whose value is null, "", 0,
// false, [] or {} may be missing only where the wire type omits empty values.
func assertLossless(t *testing.T, what string, orig []byte, decoded any) {
	t.Helper()
	enc, err := json.Marshal(decoded)
	if err != nil {
		t.Fatalf("%s: re-encode: %v", what, err)
	}
	var o, g any
	if err := json.Unmarshal(orig, &o); err != nil {
		t.Fatalf("%s: original: %v", what, err)
	}
	if err := json.Unmarshal(enc, &g); err != nil {
		t.Fatalf("%s: re-encoded: %v", what, err)
	}
	var problems []string
	compareJSON(what, o, g, &problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// omittable lists the JSON keys the wire types leave out when empty.
var omittable = map[string]bool{
	// Person
	"firstName": true, "lastName": true, "photoUrl": true, "email": true,
	// Timelog
	"conversationId": true,
	// ConversationEmbeds
	"threads": true, "timelogs": true, "tags": true,
	// Entry and FieldError
	"type": true, "rejectedValue": true, "source": true,
}

func isEmptyJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case float64:
		return v == 0
	case bool:
		return !v
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func compareJSON(path string, o, g any, problems *[]string) {
	fail := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	switch ov := o.(type) {
	case nil:
		if !isEmptyJSON(g) {
			fail("null decoded as %v", g)
		}
	case map[string]any:
		gm, ok := g.(map[string]any)
		if !ok {
			if len(ov) == 0 && isEmptyJSON(g) {
				return
			}
			fail("object decoded as %T %v", g, g)
			return
		}
		keys := make([]string, 0, len(ov))
		for k := range ov {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := ov[k]
			p := path + "." + k
			gk := k
			if _, isCount := v.(float64); isCount && k == "threads" {
				gk = "threadsCount"
			}
			gv, present := gm[gk]
			if k == "options" {
				compareOptions(p, v, gv, problems)
				continue
			}
			if !present {
				if isEmptyJSON(v) && (omittable[k] || v == nil) {
					continue
				}
				*problems = append(*problems, p+": lost in decoding")
				continue
			}
			compareJSON(p, v, gv, problems)
		}
	case []any:
		gl, ok := g.([]any)
		if !ok {
			if len(ov) == 0 && isEmptyJSON(g) {
				return
			}
			fail("array decoded as %T %v", g, g)
			return
		}
		if len(gl) != len(ov) {
			fail("%d items decoded as %d", len(ov), len(gl))
			return
		}
		for i := range ov {
			compareJSON(path+"["+strconv.Itoa(i)+"]", ov[i], gl[i], problems)
		}
	case string:
		gs, ok := g.(string)
		if ok && gs == ov {
			return
		}
		if ov == "" && isEmptyJSON(g) {
			return
		}
		if ok && looksLikeDate(ov) {
			ot, err1 := upstream.ParseTime(ov)
			gt, err2 := upstream.ParseTime(gs)
			if err1 == nil && err2 == nil && ot.Equal(gt.Time) {
				return
			}
		}
		fail("%q decoded as %v", ov, g)
	default: // numbers and booleans
		if o != g {
			fail("%v decoded as %v", o, g)
		}
	}
}

// looksLikeDate reports whether s starts like a FreeScout date.
func looksLikeDate(s string) bool {
	return len(s) >= 10 && s[4] == '-' && s[7] == '-'
}

// compareOptions checks a custom field's options: an object must come back as
// the list of its entries ordered by numeric id; null and "" as no options.
func compareOptions(path string, o, g any, problems *[]string) {
	fail := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	om, isObject := o.(map[string]any)
	if !isObject {
		if !isEmptyJSON(o) {
			fail("unexpected options %v in the original", o)
		}
		if !isEmptyJSON(g) {
			fail("empty options %v decoded as %v", o, g)
		}
		return
	}
	ids := make([]string, 0, len(om))
	for id := range om {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, _ := strconv.Atoi(ids[i])
		b, _ := strconv.Atoi(ids[j])
		return a < b
	})
	gl, _ := g.([]any)
	if len(gl) != len(ids) {
		fail("%d options decoded as %v", len(ids), g)
		return
	}
	for i, id := range ids {
		entry, _ := gl[i].(map[string]any)
		if entry["id"] != id || entry["label"] != om[id] {
			fail("option %d: want {id:%s label:%v}, got %v", i, id, om[id], gl[i])
		}
	}
}

// ids returns the ids of items.
func ids[T any](items []T, id func(T) int) []int {
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func convID(c upstream.Conversation) int { return c.ID }
func custID(c upstream.Customer) int     { return c.ID }

func ptr[T any](v T) *T { return &v }

// fieldID returns the id of the mailbox's custom field with the name, read through the client.
func fieldID(t *testing.T, c *upstream.Client, mailboxID int, name string) int {
	t.Helper()
	defs, _, err := c.Mailboxes.ListCustomFields(t.Context(), mailboxID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range defs {
		if f.Name == name {
			return f.ID
		}
	}
	t.Fatalf("mailbox %d has no custom field %q: %+v", mailboxID, name, defs)
	return 0
}

// customerFieldID returns the id of the customer field with the name, read from customer 1,
// who has every customer field set.
func customerFieldID(t *testing.T, c *upstream.Client, name string) int {
	t.Helper()
	cu, err := c.Customers.Get(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range cu.CustomerFields {
		if f.Name == name {
			return f.ID
		}
	}
	t.Fatalf("customer 1 has no customer field %q: %+v", name, cu.CustomerFields)
	return 0
}

package emulator_test

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// deadline bounds every wait for a delivery: only a real bug reaches it.
const deadline = 30 * time.Second

// receipt is a request a webhook receiver got.
type receipt struct {
	header http.Header
	body   []byte
	at     time.Time
}

func (r receipt) event() string { return r.header.Get("X-FreeScout-Event") }

// receiver is a webhook receiver over real HTTP. It hands every request to the test and
// answers the n-th (1-based) with status(n).
type receiver struct {
	srv *httptest.Server
	got chan receipt
	n   atomic.Int64
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	t.Helper()
	r := &receiver{got: make(chan receipt, 1000)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Errorf("receiver: %v", err)
		}
		n := int(r.n.Add(1))
		r.got <- receipt{header: req.Header.Clone(), body: body, at: time.Now()}
		w.WriteHeader(status(n))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func always(status int) func(int) int { return func(int) int { return status } }

// url is where the receiver listens, with a path naming the webhook.
func (r *receiver) url(name string) string { return r.srv.URL + "/" + name }

// next waits for the next request.
func (r *receiver) next(t *testing.T) receipt {
	t.Helper()
	select {
	case got := <-r.got:
		return got
	case <-time.After(deadline):
		t.Fatal("no delivery arrived")
		return receipt{}
	}
}

// drain returns the requests received and not yet taken.
func (r *receiver) drain() []receipt {
	var out []receipt
	for {
		select {
		case got := <-r.got:
			out = append(out, got)
		default:
			return out
		}
	}
}

// hookClient starts an emulator whose deliveries are not retried, with sample webhook 1
// deleted, unless opts say otherwise.
func hookClient(t *testing.T, opts emulator.Options) *client {
	t.Helper()
	opts.APIKey = apiKey
	if opts.WebhookRetryDelays == nil {
		opts.WebhookRetryDelays = []time.Duration{}
	}
	c := newClientWith(t, opts)
	c.expect(http.StatusNoContent, http.MethodDelete, "/api/webhooks/1", nil)
	return c
}

// allEvents are the events a webhook can track.
func allEvents() []string {
	return []string{"convo.assigned", "convo.created", "convo.deleted", "convo.deleted_forever", "convo.restored",
		"convo.moved", "convo.status", "convo.customer.reply.created", "convo.agent.reply.created",
		"convo.note.created", "customer.created", "customer.updated"}
}

// sign computes X-FreeScout-Signature independently of the emulator.
func sign(body []byte, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestWebhooksAPI(t *testing.T) {
	c := newClient(t)
	hooks := func(query string) []map[string]any { return items(t, c.get("/api/webhooks"+query), "webhooks") }
	if list := hooks(""); len(list) != 1 || num(list[0]["id"]) != 1 || list[0]["lastRunTime"] != nil || list[0]["lastRunError"] != nil {
		t.Fatalf("sample webhooks = %v", list)
	}
	tests := []struct {
		name      string
		body      map[string]any
		events    []string
		mailboxes []int
	}{
		{"events array", map[string]any{"url": "https://example.org/a", "events": []string{"convo.created", "customer.updated"}},
			[]string{"convo.created", "customer.updated"}, nil},
		{"comma-separated events", map[string]any{"url": "https://example.org/b", "events": "convo.status, convo.moved,convo.status"},
			[]string{"convo.status", "convo.moved"}, nil},
		{"unknown events dropped", map[string]any{"url": "https://example.org/c", "events": []string{"convo.exploded", "customer.created", "nope"}},
			[]string{"customer.created"}, nil},
		{"mailboxes", map[string]any{"url": "http://example.org/d", "events": "convo.assigned", "mailboxes": []int{2, 3, 2}},
			[]string{"convo.assigned"}, []int{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, created := c.createObject("/api/webhooks", tt.body)
			var listed map[string]any
			for _, h := range hooks("") {
				if num(h["id"]) == id {
					listed = h
				}
			}
			if !reflect.DeepEqual(created, listed) {
				t.Errorf("201 body %v, listed %v", created, listed)
			}
			keys := slices.Sorted(maps.Keys(listed))
			wantKeys := []string{"events", "id", "lastRunError", "lastRunTime", "url"}
			if tt.mailboxes != nil {
				wantKeys = []string{"events", "id", "lastRunError", "lastRunTime", "mailboxes", "url"}
			}
			if !slices.Equal(keys, wantKeys) || listed["url"] != tt.body["url"] ||
				fmt.Sprint(listed["events"]) != fmt.Sprint(tt.events) || (tt.mailboxes != nil && fmt.Sprint(listed["mailboxes"]) != fmt.Sprint(tt.mailboxes)) {
				t.Errorf("webhook = %v, want events %v mailboxes %v", listed, tt.events, tt.mailboxes)
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		tests := []struct {
			body map[string]any
			want []string
		}{
			{map[string]any{}, []string{"url", "events"}},
			{map[string]any{"url": "ftp://example.org", "events": []string{"convo.created"}}, []string{"url"}},
			{map[string]any{"url": "https://example.org", "events": []string{}}, []string{"events"}},
			{map[string]any{"url": "https://example.org", "events": ""}, []string{"events"}},
			{map[string]any{"url": "https://example.org", "events": []string{"convo.exploded"}}, []string{"events"}},
			{map[string]any{"url": "https://example.org", "events": "convo.exploded,nope"}, []string{"events"}},
			{map[string]any{"url": "https://example.org", "events": 7}, []string{"events"}},
			{map[string]any{"url": "ftp://example.org", "events": []string{"convo.exploded"}}, []string{"url", "events"}},
			{map[string]any{"url": "https://example.org", "events": "convo.created", "mailboxes": []int{1, 99}}, []string{"mailboxes[1]"}},
			{map[string]any{"url": "https://example.org", "events": "convo.created", "mailboxes": "1"}, []string{"mailboxes"}},
		}
		for _, tt := range tests {
			if paths := errorPaths(t, c.do(http.MethodPost, "/api/webhooks", tt.body)); !slices.Equal(paths, tt.want) {
				t.Errorf("%v: paths %v, want %v", tt.body, paths, tt.want)
			}
		}
	})
	t.Run("list pages", func(t *testing.T) {
		body := c.get("/api/webhooks?pageSize=2&page=2")
		size, total, pages, number := page(t, body)
		if got := ids(items(t, body, "webhooks")); size != 2 || total != 5 || pages != 3 || number != 2 || !slices.Equal(got, []int{3, 4}) {
			t.Errorf("page 2: ids %v, size %d total %d pages %d number %d", got, size, total, pages, number)
		}
	})
	t.Run("delete", func(t *testing.T) {
		c.expect(http.StatusNoContent, http.MethodDelete, "/api/webhooks/2", nil)
		c.expect(http.StatusNotFound, http.MethodDelete, "/api/webhooks/2", nil)
		if got := ids(hooks("")); !slices.Equal(got, []int{1, 3, 4, 5}) {
			t.Errorf("after delete: %v", got)
		}
	})
}

func TestWebhookSecret(t *testing.T) {
	sum := md5.Sum([]byte(emulator.AppKey + "webhook_key"))
	want := hex.EncodeToString(sum[:])
	if !strings.HasPrefix(emulator.AppKey, "base64:") {
		t.Errorf("AppKey %q lacks Laravel's base64: prefix", emulator.AppKey)
	}
	if got := emulator.New(emulator.Options{}).WebhookSecret(); got != want || emulator.DefaultWebhookSecret() != want {
		t.Errorf("default secret differs from md5(APP_KEY . 'webhook_key')") // never print a secret
	}
	if got := emulator.New(emulator.Options{WebhookSecret: "s3cret"}).WebhookSecret(); got != "s3cret" {
		t.Error("Options.WebhookSecret is not used")
	}
	if got := emulator.SignWebhook([]byte(`{"id":1}`), "key"); got != sign([]byte(`{"id":1}`), "key") {
		t.Errorf("SignWebhook = %s", got)
	}
}

// wantDelivery is a delivery a write should cause.
type wantDelivery struct {
	event   string
	id      int            // the conversation's or customer's id
	trigger int            // the thread that must come first; 0 for none
	body    map[string]any // the body, when a read after the write cannot show it
}

// TestWebhookDeliveries performs each kind of write (and a read) and checks the deliveries
// a webhook tracking every event receives: events, headers, signature and body.
func TestWebhookDeliveries(t *testing.T) {
	const secret = "test-secret"
	c := hookClient(t, emulator.Options{WebhookSecret: secret})
	r := newReceiver(t, always(http.StatusOK))
	hook := c.create("/api/webhooks", map[string]any{"url": r.url("all"), "events": allEvents()})
	conv := c.firstConversation("status=active&mailboxId=1&assignedTo=")
	convPath := fmt.Sprintf("/api/conversations/%d", conv)
	newestThread := func(id int) int { return num(threadsOf(c.get(fmt.Sprintf("/api/conversations/%d", id)))[0]["id"]) }
	threadAt := func(id, i int) int { return num(threadsOf(c.get(fmt.Sprintf("/api/conversations/%d", id)))[i]["id"]) }

	tests := []struct {
		name  string
		write func(t *testing.T) []wantDelivery
	}{
		{"create conversation for a new customer", func(t *testing.T) []wantDelivery {
			id, created := c.createObject("/api/conversations", map[string]any{"type": "email", "mailboxId": 1, "subject": "Hooked",
				"customer": map[string]any{"email": "hooked@example.org", "firstName": "Hugo"},
				"threads":  []any{map[string]any{"type": "message", "text": "Reply", "user": 2}, map[string]any{"type": "customer", "text": "Hi"}}})
			cust := num(obj(created["customer"])["id"])
			return []wantDelivery{{event: "customer.created", id: cust}, {event: "convo.created", id: id, trigger: newestThread(id)}}
		}},
		{"create a draft conversation", func(t *testing.T) []wantDelivery {
			c.create("/api/conversations", map[string]any{"type": "email", "mailboxId": 1, "subject": "Draft",
				"customer": map[string]any{"id": 1}, "threads": []any{map[string]any{"type": "message", "text": "Later", "user": 1, "state": "draft"}}})
			return nil
		}},
		{"customer reply from a new address", func(t *testing.T) []wantDelivery {
			tid, created := c.createObject(convPath+"/threads", map[string]any{"type": "customer", "text": "Any news?", "customer": map[string]any{"email": "colleague@example.org"}})
			return []wantDelivery{{event: "customer.created", id: num(obj(created["createdBy"])["id"])},
				{event: "convo.customer.reply.created", id: conv, trigger: tid}}
		}},
		{"agent reply that closes", func(t *testing.T) []wantDelivery {
			tid := c.create(convPath+"/threads", map[string]any{"type": "message", "text": "Done.", "user": 1, "status": "closed"})
			return []wantDelivery{{event: "convo.agent.reply.created", id: conv, trigger: tid}}
		}},
		{"note", func(t *testing.T) []wantDelivery {
			tid := c.create(convPath+"/threads", map[string]any{"type": "note", "text": "FYI", "user": 2})
			return []wantDelivery{{event: "convo.note.created", id: conv, trigger: tid}}
		}},
		{"draft reply", func(t *testing.T) []wantDelivery {
			c.create(convPath+"/threads", map[string]any{"type": "message", "text": "Draft", "user": 1, "state": "draft"})
			return nil
		}},
		{"status and assignee", func(t *testing.T) []wantDelivery {
			c.expect(http.StatusNoContent, http.MethodPut, convPath, `{"byUser":1,"status":"active","assignTo":3}`)
			return []wantDelivery{{event: "convo.status", id: conv, trigger: threadAt(conv, 1)}, {event: "convo.assigned", id: conv, trigger: threadAt(conv, 0)}}
		}},
		{"unassign: no convo.assigned", func(t *testing.T) []wantDelivery {
			c.expect(http.StatusNoContent, http.MethodPut, convPath, map[string]any{"byUser": 1, "assignTo": nil})
			return nil
		}},
		{"move", func(t *testing.T) []wantDelivery {
			c.expect(http.StatusNoContent, http.MethodPut, convPath, map[string]any{"byUser": 1, "mailboxId": 2})
			return []wantDelivery{{event: "convo.moved", id: conv, trigger: newestThread(conv)}}
		}},
		{"customer and subject: no event", func(t *testing.T) []wantDelivery {
			c.expect(http.StatusNoContent, http.MethodPut, convPath, map[string]any{"customerId": 4, "subject": "Renamed"})
			return nil
		}},
		{"tags and custom fields: no event", func(t *testing.T) []wantDelivery {
			c.expect(http.StatusNoContent, http.MethodPut, convPath+"/tags", map[string]any{"tags": []string{"hooked"}})
			c.expect(http.StatusNoContent, http.MethodPut, "/api/conversations/1/custom_fields", map[string]any{"customFields": []any{map[string]any{"id": 37, "value": "Direct"}}})
			return nil
		}},
		{"reads: no event", func(t *testing.T) []wantDelivery {
			c.get(convPath)
			c.get("/api/conversations?pageSize=5")
			c.get("/api/customers/1")
			return nil
		}},
		{"create customer", func(t *testing.T) []wantDelivery {
			return []wantDelivery{{event: "customer.created", id: c.create("/api/customers", map[string]any{"firstName": "Célia", "lastName": "Ünal", "email": "celia@example.org"})}}
		}},
		{"update customer", func(t *testing.T) []wantDelivery {
			c.expect(http.StatusNoContent, http.MethodPut, "/api/customers/3", map[string]any{"jobTitle": "CTO"})
			return []wantDelivery{{event: "customer.updated", id: 3}}
		}},
		{"customer fields", func(t *testing.T) []wantDelivery {
			c.expect(http.StatusNoContent, http.MethodPut, "/api/customers/3/customer_fields", map[string]any{"customerFields": []any{map[string]any{"id": 11, "value": 40}}})
			return []wantDelivery{{event: "customer.updated", id: 3}}
		}},
		{"delete forever", func(t *testing.T) []wantDelivery {
			before := c.get(convPath + "?embed=threads")
			c.expect(http.StatusNoContent, http.MethodDelete, convPath, nil)
			return []wantDelivery{{event: "convo.deleted_forever", id: conv, body: before}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.write(t)
			waitDeliveries(t, c.em)
			got := r.drain()
			events := func(list []string) []string { slices.Sort(list); return list }
			var gotEvents, wantEvents []string
			for _, g := range got {
				gotEvents = append(gotEvents, g.event())
			}
			for _, w := range want {
				wantEvents = append(wantEvents, w.event)
			}
			if !slices.Equal(events(gotEvents), events(wantEvents)) {
				t.Fatalf("events %v, want %v", gotEvents, wantEvents)
			}
			for _, g := range got {
				i := slices.IndexFunc(want, func(w wantDelivery) bool { return w.event == g.event() })
				checkDelivery(t, c, g, want[i], secret)
				want = slices.Delete(want, i, i+1)
			}
		})
	}
	for _, a := range c.em.Deliveries() {
		if a.WebhookID != hook || a.Attempt != 1 || a.Status != http.StatusOK || a.Error != "" || a.URL != r.url("all") || a.At.IsZero() {
			t.Errorf("attempt %+v", a)
		}
	}
}

// checkDelivery checks one delivery's headers, signature and body.
func checkDelivery(t *testing.T, c *client, got receipt, want wantDelivery, secret string) {
	t.Helper()
	if ct := got.header.Get("Content-Type"); ct != "application/hal+json" {
		t.Errorf("%s: Content-Type %q", want.event, ct)
	}
	if sig := got.header.Get("X-FreeScout-Signature"); sig != sign(got.body, secret) {
		t.Errorf("%s: signature %q does not sign the body", want.event, sig)
	}
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("%s: body: %v\n%s", want.event, err, got.body)
	}
	if _, has := body["event"]; has || num(body["id"]) != want.id {
		t.Errorf("%s: body id %v (want %d), event field %v", want.event, body["id"], want.id, body["event"])
	}
	expect := want.body
	if strings.HasPrefix(want.event, "customer.") {
		if expect == nil {
			expect = c.get(fmt.Sprintf("/api/customers/%d", want.id))
		}
		delete(expect, "customerFields") // deliveries leave them out
	} else {
		if expect == nil {
			expect = c.get(fmt.Sprintf("/api/conversations/%d?embed=threads", want.id))
		}
		threads := obj(expect["_embedded"])["threads"].([]any)
		if i := slices.IndexFunc(threads, func(th any) bool { return num(obj(th)["id"]) == want.trigger }); i >= 0 {
			threads = append(append([]any{threads[i]}, threads[:i]...), threads[i+1:]...)
		} else if want.trigger != 0 {
			t.Fatalf("%s: the conversation has no thread %d", want.event, want.trigger)
		}
		obj(expect["_embedded"])["threads"] = threads
		for _, m := range []map[string]any{body, expect} {
			delete(obj(m["customerWaitingSince"]), "friendly") // rendered at another second
		}
	}
	if !reflect.DeepEqual(body, expect) {
		t.Errorf("%s: body\n%s\nwant what the API reads, triggering thread first:\n%v", want.event, got.body, expect)
	}
}

// TestWebhookRetries checks retries after a non-2xx answer and after a connection error, and
// that the webhook's lastRunTime and lastRunError show the last attempt.
func TestWebhookRetries(t *testing.T) {
	lastRun := func(t *testing.T, c *client, id int) (any, any) {
		t.Helper()
		for _, h := range items(t, c.get("/api/webhooks"), "webhooks") {
			if num(h["id"]) == id {
				return h["lastRunTime"], h["lastRunError"]
			}
		}
		t.Fatalf("webhook %d not listed", id)
		return nil, nil
	}
	t.Run("500, then 200", func(t *testing.T) {
		c := hookClient(t, emulator.Options{WebhookRetryDelays: []time.Duration{time.Millisecond, time.Millisecond}})
		r := newReceiver(t, func(n int) int {
			return map[bool]int{true: http.StatusInternalServerError, false: http.StatusNoContent}[n == 1]
		})
		hook := c.create("/api/webhooks", map[string]any{"url": r.url("flaky"), "events": "customer.created"})
		c.create("/api/customers", map[string]any{"email": "retry@example.org"})
		first, second := r.next(t), r.next(t)
		waitDeliveries(t, c.em)
		if !slices.Equal(first.body, second.body) || first.header.Get("X-FreeScout-Signature") != second.header.Get("X-FreeScout-Signature") {
			t.Error("the retry sent another body")
		}
		attempts := c.em.Deliveries()
		if len(attempts) != 2 || attempts[0].Attempt != 1 || attempts[0].Status != 500 || !strings.Contains(attempts[0].Error, "500") ||
			attempts[1].Attempt != 2 || attempts[1].Status != 204 || attempts[1].Error != "" || attempts[1].Event != "customer.created" || attempts[1].WebhookID != hook {
			t.Errorf("attempts %+v", attempts)
		}
		if at, failure := lastRun(t, c, hook); at == nil || failure != nil {
			t.Errorf("after the success: lastRunTime %v, lastRunError %v", at, failure)
		}
		if extra := r.drain(); len(extra) != 0 {
			t.Errorf("%d more deliveries after a success", len(extra))
		}
	})
	t.Run("always 503: 1+len(retries) attempts", func(t *testing.T) {
		c := hookClient(t, emulator.Options{WebhookRetryDelays: []time.Duration{0, time.Millisecond, 2 * time.Millisecond}})
		r := newReceiver(t, always(http.StatusServiceUnavailable))
		hook := c.create("/api/webhooks", map[string]any{"url": r.url("down"), "events": "customer.created"})
		c.create("/api/customers", map[string]any{"email": "down@example.org"})
		waitDeliveries(t, c.em)
		if n := len(r.drain()); n != 4 {
			t.Errorf("%d attempts received, want 4", n)
		}
		for i, a := range c.em.Deliveries() {
			if a.Attempt != i+1 || a.Status != 503 {
				t.Errorf("attempt %+v", a)
			}
		}
		if at, failure := lastRun(t, c, hook); at == nil || !strings.Contains(str(failure), "503") {
			t.Errorf("lastRunTime %v, lastRunError %v", at, failure)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		c := hookClient(t, emulator.Options{WebhookRetryDelays: []time.Duration{time.Millisecond}})
		gone := httptest.NewServer(http.NotFoundHandler())
		url := gone.URL + "/gone"
		gone.Close()
		hook := c.create("/api/webhooks", map[string]any{"url": url, "events": []string{"customer.created"}})
		c.create("/api/customers", map[string]any{"email": "refused@example.org"})
		waitDeliveries(t, c.em)
		attempts := c.em.Deliveries()
		if len(attempts) != 2 || attempts[0].Status != 0 || attempts[0].Error == "" || attempts[1].Attempt != 2 {
			t.Errorf("attempts %+v", attempts)
		}
		if at, failure := lastRun(t, c, hook); at == nil || str(failure) == "" {
			t.Errorf("lastRunTime %v, lastRunError %v", at, failure)
		}
	})
	t.Run("documentation hosts are refused without the network", func(t *testing.T) {
		c := newClientWith(t, emulator.Options{APIKey: apiKey, WebhookRetryDelays: []time.Duration{}})
		c.create("/api/conversations", map[string]any{"type": "email", "mailboxId": 1, "subject": "To the sample webhook",
			"customer": map[string]any{"id": 1}, "threads": []any{map[string]any{"type": "customer", "text": "Hi"}}})
		waitDeliveries(t, c.em)
		attempts := c.em.Deliveries()
		if len(attempts) != 1 || attempts[0].WebhookID != 1 || !strings.Contains(attempts[0].Error, "reserved for documentation") {
			t.Errorf("attempts %+v", attempts)
		}
	})
	t.Run("a webhook deleted meanwhile gets no retry", func(t *testing.T) {
		c := hookClient(t, emulator.Options{WebhookRetryDelays: []time.Duration{time.Hour}})
		release, inFlight := make(chan struct{}), make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			inFlight <- struct{}{}
			<-release
			w.WriteHeader(http.StatusInternalServerError)
		}))
		t.Cleanup(srv.Close)
		hook := c.create("/api/webhooks", map[string]any{"url": srv.URL, "events": "customer.created"})
		c.create("/api/customers", map[string]any{"email": "deleted@example.org"})
		<-inFlight
		c.expect(http.StatusNoContent, http.MethodDelete, fmt.Sprintf("/api/webhooks/%d", hook), nil)
		close(release)
		waitDeliveries(t, c.em) // returns at once: no retry waits its hour
		if attempts := c.em.Deliveries(); len(attempts) != 1 || attempts[0].Status != 500 {
			t.Errorf("attempts %+v", attempts)
		}
	})
	t.Run("a webhook deleted before its delivery's time gets none", func(t *testing.T) {
		c := hookClient(t, emulator.Options{WebhookDelay: 50 * time.Millisecond})
		r := newReceiver(t, always(http.StatusOK))
		hook := c.create("/api/webhooks", map[string]any{"url": r.url("gone"), "events": "customer.created"})
		c.create("/api/customers", map[string]any{"email": "gone@example.org"})
		c.expect(http.StatusNoContent, http.MethodDelete, fmt.Sprintf("/api/webhooks/%d", hook), nil)
		waitDeliveries(t, c.em)
		if n := len(c.em.Deliveries()) + len(r.drain()); n != 0 {
			t.Errorf("%d attempts", n)
		}
	})
}

// TestWebhookMailboxes: a webhook with mailboxes hears only of conversations in them, and of
// every customer.
func TestWebhookMailboxes(t *testing.T) {
	c := hookClient(t, emulator.Options{})
	r := newReceiver(t, always(http.StatusOK))
	limited := c.create("/api/webhooks", map[string]any{"url": r.url("billing"), "events": allEvents(), "mailboxes": []int{2}})
	everything := c.create("/api/webhooks", map[string]any{"url": r.url("all"), "events": allEvents()})
	newConversation := func(mailbox int) int {
		return c.create("/api/conversations", map[string]any{"type": "email", "mailboxId": mailbox, "subject": "Where",
			"customer": map[string]any{"id": 5}, "threads": []any{map[string]any{"type": "customer", "text": "Hi"}}})
	}
	support := newConversation(1)
	newConversation(2)
	c.create("/api/customers", map[string]any{"email": "anywhere@example.org"})
	c.expect(http.StatusNoContent, http.MethodPut, fmt.Sprintf("/api/conversations/%d", support), map[string]any{"byUser": 1, "mailboxId": 2})
	waitDeliveries(t, c.em)
	if n := len(r.drain()); n != 7 {
		t.Errorf("the receiver got %d deliveries, want 7", n)
	}
	byHook := map[int][]string{}
	for _, a := range c.em.Deliveries() {
		byHook[a.WebhookID] = append(byHook[a.WebhookID], a.Event)
	}
	for id := range byHook {
		slices.Sort(byHook[id])
	}
	want := map[int][]string{
		limited:    {"convo.created", "convo.moved", "customer.created"}, // billing's new conversation, the move into billing, the customer
		everything: {"convo.created", "convo.created", "convo.moved", "customer.created"},
	}
	if !reflect.DeepEqual(byHook, want) {
		t.Errorf("events by webhook %v, want %v", byHook, want)
	}
}

// TestWebhookDelay: with a delay, nothing has arrived when the write returns, and the
// delivery arrives once the delay has passed.
func TestWebhookDelay(t *testing.T) {
	const delay = time.Second
	c := hookClient(t, emulator.Options{WebhookDelay: delay})
	r := newReceiver(t, always(http.StatusOK))
	c.create("/api/webhooks", map[string]any{"url": r.url("later"), "events": "customer.created"})
	start := time.Now()
	c.create("/api/customers", map[string]any{"email": "later@example.org"})
	if time.Since(start) < delay { // else the machine was too busy to tell; the rest still holds
		if early := r.drain(); len(early) != 0 || len(c.em.Deliveries()) != 0 {
			t.Errorf("delivered before the delay: %d requests", len(early))
		}
	}
	got := r.next(t)
	if got.at.Sub(start) < delay {
		t.Errorf("delivered %v after the write, before the delay of %v", got.at.Sub(start), delay)
	}
	if got.event() != "customer.created" {
		t.Errorf("event %q", got.event())
	}
}

// TestWebhookShutdown checks what Shutdown and Close do with pending and in-flight deliveries.
func TestWebhookShutdown(t *testing.T) {
	t.Run("pending deliveries are dropped", func(t *testing.T) {
		c := hookClient(t, emulator.Options{WebhookDelay: time.Hour})
		r := newReceiver(t, always(http.StatusOK))
		c.create("/api/webhooks", map[string]any{"url": r.url("never"), "events": "customer.created"})
		c.create("/api/customers", map[string]any{"email": "never@example.org"})
		ctx, cancel := context.WithTimeout(t.Context(), deadline)
		defer cancel()
		if err := c.em.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := c.em.WaitDeliveries(ctx); err != nil {
			t.Fatal(err)
		}
		c.create("/api/customers", map[string]any{"email": "after@example.org"}) // the API still answers
		if n := len(c.em.Deliveries()) + len(r.drain()); n != 0 {
			t.Errorf("%d deliveries after Shutdown", n)
		}
	})
	t.Run("Shutdown waits for an attempt in flight", func(t *testing.T) {
		c := hookClient(t, emulator.Options{})
		release := make(chan struct{})
		var once sync.Once
		t.Cleanup(func() { once.Do(func() { close(release) }) })
		inFlight := make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			inFlight <- struct{}{}
			<-release
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(srv.Close)
		c.create("/api/webhooks", map[string]any{"url": srv.URL, "events": "customer.created"})
		c.create("/api/customers", map[string]any{"email": "slow@example.org"})
		<-inFlight
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			done <- c.em.Shutdown(ctx)
		}()
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned while an attempt was in flight: %v", err)
		default:
		}
		once.Do(func() { close(release) })
		if err := <-done; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if attempts := c.em.Deliveries(); len(attempts) != 1 || attempts[0].Status != http.StatusOK {
			t.Errorf("attempts %+v", attempts)
		}
	})
	t.Run("Close cancels an attempt in flight", func(t *testing.T) {
		c := hookClient(t, emulator.Options{WebhookRetryDelays: []time.Duration{0}})
		inFlight := make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // only then does the server notice the client leave
			inFlight <- struct{}{}
			<-r.Context().Done() // hangs until the emulator gives up
		}))
		t.Cleanup(srv.Close)
		c.create("/api/webhooks", map[string]any{"url": srv.URL, "events": "customer.created"})
		c.create("/api/customers", map[string]any{"email": "hung@example.org"})
		<-inFlight
		if err := c.em.Close(); err != nil {
			t.Fatal(err)
		}
		attempts := c.em.Deliveries()
		if len(attempts) != 1 || attempts[0].Status != 0 || !strings.Contains(attempts[0].Error, "context canceled") {
			t.Errorf("attempts %+v (a cancelled attempt is not retried after Close)", attempts)
		}
		if err := c.em.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

// TestWebhookClient: Options.WebhookClient sends the deliveries.
func TestWebhookClient(t *testing.T) {
	var used atomic.Int64
	client := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		used.Add(1)
		return http.DefaultTransport.RoundTrip(req)
	})}
	c := hookClient(t, emulator.Options{WebhookClient: client})
	r := newReceiver(t, always(http.StatusOK))
	c.create("/api/webhooks", map[string]any{"url": r.url("own"), "events": "customer.created"})
	c.create("/api/customers", map[string]any{"email": "own@example.org"})
	r.next(t)
	waitDeliveries(t, c.em)
	if used.Load() != 1 {
		t.Errorf("the client sent %d deliveries", used.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

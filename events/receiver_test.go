package events

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testSecret is a webhook secret shaped like FreeScout's (an md5 in hex).
const testSecret = "0b7c2a1d5e9f4a3b8c6d2e1f0a9b8c7d"

// sign returns FreeScout's signature of body.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// results records what a receiver reports to its observer.
type results struct {
	mu  sync.Mutex
	got []string
}

// observe is the ReceiverOptions.Observe func.
func (r *results) observe(result string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, result)
}

// last returns the latest result.
func (r *results) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		return ""
	}
	return r.got[len(r.got)-1]
}

// delivery is one webhook request.
type delivery struct {
	method      string
	contentType string
	event       string
	signature   string // "" for none
	body        []byte
}

// send posts d to url and returns the status code.
func (d delivery) send(t *testing.T, url string) int {
	t.Helper()
	method := d.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(d.body))
	if err != nil {
		t.Fatal(err)
	}
	if d.contentType != "" {
		req.Header.Set("Content-Type", d.contentType)
	}
	if d.event != "" {
		req.Header.Set(HeaderEvent, d.event)
	}
	if d.signature != "" {
		req.Header.Set(HeaderSignature, d.signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// signed returns a FreeScout delivery of event with body, correctly signed.
func signed(event string, body string) delivery {
	return delivery{
		contentType: "application/hal+json",
		event:       event,
		signature:   sign(testSecret, []byte(body)),
		body:        []byte(body),
	}
}

// receiverHarness is a receiver over real HTTP on a memory bus, with a Run
// recording what reaches the bus.
type receiverHarness struct {
	url     string
	bus     *Memory
	got     *collector
	results *results
	logs    *logRecorder
	markers int
}

// newReceiverHarness starts a receiver with opts (Observe and Logger are
// set by the harness).
func newReceiverHarness(t *testing.T, opts ReceiverOptions) *receiverHarness {
	t.Helper()
	h := &receiverHarness{bus: NewMemory(MemoryOptions{}), got: newCollector(), results: &results{}, logs: newLogRecorder()}
	t.Cleanup(func() { _ = h.bus.Close() })
	startRun(t, h.bus, h.got)
	warmUp(t, h.bus, h.got)
	opts.Observe = h.results.observe
	opts.Logger = slog.New(h.logs)
	srv := httptest.NewServer(NewReceiver(testSecret, h.bus, opts))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/webhooks/freescout"
	return h
}

// published returns the events that reached the bus since the last call:
// it puts a marker on the bus and waits for it, so nothing published before
// is still on its way.
func (h *receiverHarness) published(t *testing.T) []Event {
	t.Helper()
	h.markers++
	marker := fmt.Sprintf(`{"marker":%d}`, h.markers)
	publish(t, h.bus, ConvoCreated, marker)
	evs := h.got.waitBody(t, marker)
	start := 0
	for i := len(evs) - 2; i >= 0; i-- {
		if strings.HasPrefix(string(evs[i].Body), `{"marker":`) || strings.HasPrefix(string(evs[i].Body), `{"warmup":`) {
			start = i + 1
			break
		}
	}
	return evs[start : len(evs)-1]
}

// TestReceiver sends deliveries over HTTP: each gets its status and result,
// and only verified, well-formed deliveries of known events reach the bus,
// byte for byte.
func TestReceiver(t *testing.T) {
	h := newReceiverHarness(t, ReceiverOptions{MaxBodyBytes: 4096})
	unicode := `{"id":1,"subject":"Réclamation été ☀️ 🎫","_embedded":{"threads":[{"body":"Ça marche, 谢谢"}]}}`
	big := `{"pad":"` + strings.Repeat("x", 5000) + `"}`
	for _, tc := range []struct {
		name      string
		d         delivery
		edit      func(d *delivery) // changes d before it is sent
		status    int
		result    string
		published bool
	}{
		{name: "hal+json", d: signed(ConvoCreated, `{"id":1}`),
			status: http.StatusNoContent, result: ResultPublished, published: true},
		{name: "json with charset", d: signed(ConvoAssigned, `{"id":2}`), edit: func(d *delivery) {
			d.contentType = "application/json; charset=UTF-8"
		}, status: http.StatusNoContent, result: ResultPublished, published: true},
		{name: "non-ASCII body", d: signed(CustomerUpdated, unicode),
			status: http.StatusNoContent, result: ResultPublished, published: true},
		{name: "body at the limit", d: signed(ConvoNoteCreated, `{"pad":"`+strings.Repeat("y", 4096-10)+`"}`),
			status: http.StatusNoContent, result: ResultPublished, published: true},
		{name: "signature over a re-encoded body", d: signed(ConvoCreated, unicode), edit: func(d *delivery) {
			d.signature = sign(testSecret, []byte(strings.ReplaceAll(unicode, "é", `\u00e9`)))
		}, status: http.StatusUnauthorized, result: ResultBadSignature},
		{name: "missing signature", d: signed(ConvoCreated, `{"id":3}`), edit: func(d *delivery) {
			d.signature = ""
		}, status: http.StatusUnauthorized, result: ResultBadSignature},
		{name: "other secret", d: signed(ConvoCreated, `{"id":4}`), edit: func(d *delivery) {
			d.signature = sign("another secret", d.body)
		}, status: http.StatusUnauthorized, result: ResultBadSignature},
		{name: "signature not base64", d: signed(ConvoCreated, `{"id":5}`), edit: func(d *delivery) {
			d.signature = "not base64!"
		}, status: http.StatusUnauthorized, result: ResultBadSignature},
		{name: "signature of another body", d: signed(ConvoCreated, `{"id":6}`), edit: func(d *delivery) {
			d.body = []byte(`{"id":7}`)
		}, status: http.StatusUnauthorized, result: ResultBadSignature},
		{name: "body over the limit", d: signed(ConvoCreated, big),
			status: http.StatusRequestEntityTooLarge, result: ResultTooLarge},
		{name: "GET", d: signed(ConvoCreated, `{"id":8}`), edit: func(d *delivery) {
			d.method = http.MethodGet
		}, status: http.StatusMethodNotAllowed, result: ResultBadRequest},
		{name: "text/plain", d: signed(ConvoCreated, `{"id":9}`), edit: func(d *delivery) {
			d.contentType = "text/plain"
		}, status: http.StatusUnsupportedMediaType, result: ResultUnsupportedMedia},
		{name: "no content type", d: signed(ConvoCreated, `{"id":10}`), edit: func(d *delivery) {
			d.contentType = ""
		}, status: http.StatusUnsupportedMediaType, result: ResultUnsupportedMedia},
		{name: "no event header", d: signed("", `{"id":11}`),
			status: http.StatusBadRequest, result: ResultBadRequest},
		{name: "array body", d: signed(ConvoCreated, `[{"id":12}]`),
			status: http.StatusBadRequest, result: ResultBadRequest},
		{name: "broken JSON", d: signed(ConvoCreated, `{"id":13`),
			status: http.StatusBadRequest, result: ResultBadRequest},
		{name: "empty body", d: signed(ConvoCreated, ``),
			status: http.StatusBadRequest, result: ResultBadRequest},
		{name: "unknown event", d: signed("convo.exploded", `{"id":14}`),
			status: http.StatusAccepted, result: ResultIgnored},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.edit != nil {
				tc.edit(&tc.d)
			}
			if status := tc.d.send(t, h.url); status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			if got := h.results.last(); got != tc.result {
				t.Errorf("result %q, want %q", got, tc.result)
			}
			evs := h.published(t)
			switch {
			case !tc.published && len(evs) != 0:
				t.Errorf("published %v, want nothing", names(evs))
			case tc.published && len(evs) != 1:
				t.Errorf("published %v, want one event", names(evs))
			case tc.published:
				if evs[0].Name != tc.d.event || !bytes.Equal(evs[0].Body, tc.d.body) {
					t.Errorf("published %s %q, want %s %q", evs[0].Name, evs[0].Body, tc.d.event, tc.d.body)
				}
			}
		})
	}
	logs := h.logs.text()
	if !strings.Contains(logs, "bad signature") {
		t.Errorf("the rejections were not logged: %s", logs)
	}
	if strings.Contains(logs, testSecret) {
		t.Error("the log holds the secret")
	}
	if sig := sign(testSecret, []byte(`{"id":3}`)); strings.Contains(logs, sig) {
		t.Error("the log holds a signature")
	}
}

// TestReceiverDuplicate: FreeScout's redelivery of an event is answered 2xx
// and not published again.
func TestReceiverDuplicate(t *testing.T) {
	h := newReceiverHarness(t, ReceiverOptions{})
	d := signed(ConvoAgentReplyCreated, `{"id":99,"threads":[{"body":"réponse"}]}`)
	for i, want := range []string{ResultPublished, ResultDuplicate, ResultDuplicate} {
		if status := d.send(t, h.url); status != http.StatusNoContent {
			t.Errorf("delivery %d: status %d, want 204", i, status)
		}
		if got := h.results.last(); got != want {
			t.Errorf("delivery %d: result %q, want %q", i, got, want)
		}
	}
	if evs := h.published(t); len(evs) != 1 {
		t.Errorf("published %v, want the event once", names(evs))
	}
}

// TestReceiverBusError: a bus that does not take the event gets 503, so
// FreeScout redelivers.
func TestReceiverBusError(t *testing.T) {
	bus := NewMemory(MemoryOptions{})
	_ = bus.Close()
	res := &results{}
	srv := httptest.NewServer(NewReceiver(testSecret, bus, ReceiverOptions{Observe: res.observe}))
	defer srv.Close()
	if status := signed(ConvoCreated, `{"id":1}`).send(t, srv.URL); status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", status)
	}
	if got := res.last(); got != ResultBusError {
		t.Errorf("result %q, want %q", got, ResultBusError)
	}
}

// TestReceiverDisabled: without a secret, the route answers 404, even to a
// delivery signed with the empty key, and publishes nothing.
func TestReceiverDisabled(t *testing.T) {
	bus := NewMemory(MemoryOptions{})
	defer bus.Close()
	got := newCollector()
	startRun(t, bus, got)
	warmUp(t, bus, got)
	res := &results{}
	srv := httptest.NewServer(NewReceiver("", bus, ReceiverOptions{Observe: res.observe}))
	defer srv.Close()
	d := signed(ConvoCreated, `{"id":1}`)
	d.signature = sign("", d.body)
	if status := d.send(t, srv.URL); status != http.StatusNotFound {
		t.Errorf("status %d, want 404", status)
	}
	if r := res.last(); r != ResultDisabled {
		t.Errorf("result %q, want %q", r, ResultDisabled)
	}
	publish(t, bus, ConvoCreated, `{"end":true}`)
	if evs := after(got.waitBody(t, `{"end":true}`)); len(evs) != 1 {
		t.Errorf("published %v, want nothing but the end marker", names(evs))
	}
}

// TestReceiverPublishesAfterReceiving: ReceivedAt is when the delivery came.
func TestReceiverPublishesAfterReceiving(t *testing.T) {
	h := newReceiverHarness(t, ReceiverOptions{})
	before := time.Now()
	if status := signed(ConvoMoved, `{"id":5}`).send(t, h.url); status != http.StatusNoContent {
		t.Fatalf("status %d", status)
	}
	evs := h.published(t)
	if len(evs) != 1 || evs[0].ReceivedAt.Before(before) || evs[0].ReceivedAt.After(time.Now()) {
		t.Fatalf("published %v with ReceivedAt outside the request", names(evs))
	}
}

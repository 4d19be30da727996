package gqlhttp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/gqlhttp"
)

const eventStream = "text/event-stream"

// event is one item of an event stream: an event, or a comment.
type event struct {
	comment bool
	name    string // the event field
	data    string // the data field; lines joined with \n
	hasData bool
}

// eventReader reads an event stream the way the SSE spec interprets one, keeping
// comments as items of their own.
type eventReader struct {
	rd *bufio.Reader
}

// next returns the next event or comment; io.EOF when the stream ended between events.
func (er *eventReader) next() (event, error) {
	var ev event
	started := false
	for {
		line, err := er.rd.ReadString('\n')
		if err != nil {
			if err == io.EOF && line == "" && !started {
				return ev, io.EOF
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return ev, err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		switch {
		case line == "":
			if started {
				return ev, nil
			}
		case strings.HasPrefix(line, ":"):
			if !started {
				// A comment stands alone here only when a blank line follows it, as the
				// transport writes them.
				ev.comment = true
				started = true
			}
		default:
			started = true
			name, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch name {
			case "event":
				ev.name = value
			case "data":
				if ev.hasData {
					ev.data += "\n"
				}
				ev.data += value
				ev.hasData = true
			}
		}
	}
}

// nextEvent returns the next event, skipping comments.
func (er *eventReader) nextEvent(t *testing.T) event {
	t.Helper()
	for {
		ev, err := er.next()
		if err != nil {
			t.Fatalf("reading the event stream: %v", err)
		}
		if !ev.comment {
			return ev
		}
	}
}

// openStream sends a request asking for an event stream and checks that one opened. The
// request is cancelled when the test ends, or by cancel.
func openStream(t *testing.T, srv *httptest.Server, method, target, body string) (*http.Response, *eventReader, context.CancelFunc) {
	t.Helper()
	res, cancel := sseRequest(t, srv, method, target, body)
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("status %d, want 200: %s", res.StatusCode, b)
	}
	if got := res.Header.Get("Content-Type"); got != "text/event-stream; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := res.Header.Get("X-Accel-Buffering"); got != "no" {
		t.Errorf("X-Accel-Buffering = %q", got)
	}
	return res, &eventReader{rd: bufio.NewReader(res.Body)}, cancel
}

// sseRequest sends a request with Accept: text/event-stream (a JSON body for POST).
func sseRequest(t *testing.T, srv *httptest.Server, method, target, body string) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", eventStream)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	return res, cancel
}

// wantNext checks that ev is a next event whose data is the JSON want.
func wantNext(t *testing.T, ev event, want string) {
	t.Helper()
	if ev.name != "next" {
		t.Fatalf("event %q (data %q), want next", ev.name, ev.data)
	}
	if !jsonEqual(t, json.RawMessage(ev.data), want) {
		t.Errorf("next data = %s, want %s", ev.data, want)
	}
}

// wantComplete checks that ev is a complete event with an empty data field, and that the
// stream ends after it.
func wantComplete(t *testing.T, er *eventReader, ev event) {
	t.Helper()
	if ev.name != "complete" || !ev.hasData || ev.data != "" {
		t.Fatalf("event %+v, want complete with an empty data field", ev)
	}
	for {
		ev, err := er.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("after complete: %v", err)
		}
		if !ev.comment {
			t.Fatalf("after complete: %+v, want the end of the stream", ev)
		}
	}
}

func subscribeBody(query string) string {
	b, _ := json.Marshal(map[string]any{"query": query})
	return string(b)
}

func TestSSESubscription(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	srv := streamServer(t, gqlhttp.New(s.schema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{})))

	_, er, _ := openStream(t, srv, http.MethodPost, "/graphql", subscribeBody("subscription { ticks(count: 3) }"))
	for i := 1; i <= 3; i++ {
		wantNext(t, er.nextEvent(t), fmt.Sprintf(`{"data":{"ticks":%d}}`, i))
	}
	wantComplete(t, er, er.nextEvent(t))
	if err := s.waitEnded(t); err != nil {
		t.Errorf("the resolver's context ended with %v; its source ended first", err)
	}
}

func TestSSEGETSubscription(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	srv := streamServer(t, gqlhttp.New(s.schema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{})))

	target := "/graphql?" + url.Values{
		"query":     {"subscription($n: Int!) { ticks(count: $n) }"},
		"variables": {`{"n":2}`},
	}.Encode()
	_, er, _ := openStream(t, srv, http.MethodGet, target, "")
	wantNext(t, er.nextEvent(t), `{"data":{"ticks":1}}`)
	wantNext(t, er.nextEvent(t), `{"data":{"ticks":2}}`)
	wantComplete(t, er, er.nextEvent(t))
	s.waitEnded(t)
}

func TestSSEQueryAndMutation(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	srv := streamServer(t, gqlhttp.New(s.schema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{})))

	for _, tt := range []struct{ name, method, target, body string }{
		{"POST query", http.MethodPost, "/graphql", subscribeBody("{ name }")},
		{"GET query", http.MethodGet, getURL("query", "{ name }"), ""},
		{"POST mutation", http.MethodPost, "/graphql", subscribeBody("mutation { name }")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, er, _ := openStream(t, srv, tt.method, tt.target, tt.body)
			wantNext(t, er.nextEvent(t), `{"data":{"name":"test"}}`)
			wantComplete(t, er, er.nextEvent(t))
		})
	}
}

func TestSSEFieldErrorsKeepTheirShape(t *testing.T) {
	srv := streamServer(t, gqlhttp.New(testSchema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{})))
	_, er, _ := openStream(t, srv, http.MethodPost, "/graphql", subscribeBody("{ name fail }"))
	ev := er.nextEvent(t)
	var got struct {
		Errors []gqlerror.Error `json:"errors"`
		Data   json.RawMessage  `json:"data"`
	}
	if err := json.Unmarshal([]byte(ev.data), &got); err != nil {
		t.Fatalf("next data %q: %v", ev.data, err)
	}
	if ev.name != "next" || len(got.Errors) != 1 || got.Errors[0].Message != "resolver failed" ||
		!jsonEqual(t, got.Data, `{"fail":null,"name":"test"}`) {
		t.Errorf("event %q data %s: want next with the resolver's error and the data", ev.name, ev.data)
	}
	wantComplete(t, er, er.nextEvent(t))
}

func TestSSEClientDisconnect(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	done := make(chan struct{}, 1)
	h := gqlhttp.New(s.schema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{}))
	srv := streamServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		h.ServeHTTP(w, r)
	}))

	res, er, cancel := openStream(t, srv, http.MethodPost, "/graphql", subscribeBody("subscription { forever }"))
	wantNext(t, er.nextEvent(t), `{"data":{"forever":1}}`)
	cancel()
	_ = res.Body.Close()

	if err := s.waitEnded(t); !errors.Is(err, context.Canceled) {
		t.Errorf("the resolver ended with context error %v, want it cancelled", err)
	}
	select {
	case <-done:
	case <-time.After(patience):
		t.Fatal("the handler never returned")
	}
}

func TestSSEKeepAlive(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	srv := streamServer(t, gqlhttp.New(s.schema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{KeepAlive: 50 * time.Millisecond})))

	res, er, cancel := openStream(t, srv, http.MethodPost, "/graphql", subscribeBody("subscription { forever }"))
	wantNext(t, er.nextEvent(t), `{"data":{"forever":1}}`)
	// The subscription is idle from now on: only keep-alive comments can come.
	ev, err := er.next()
	if err != nil {
		t.Fatalf("reading the idle stream: %v", err)
	}
	if !ev.comment {
		t.Fatalf("idle stream: %+v, want a comment", ev)
	}
	cancel()
	_ = res.Body.Close()
	s.waitEnded(t)
}

func TestSSEPanic(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	srv := streamServer(t, gqlhttp.New(s.schema(),
		gqlhttp.WithSSE(gqlhttp.SSEOptions{}),
		gqlhttp.WithRecover(func(context.Context, any) error { return errors.New("recovered") }),
	))

	_, er, _ := openStream(t, srv, http.MethodPost, "/graphql", subscribeBody("subscription { panic }"))
	ev := er.nextEvent(t)
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(ev.data), &got); err != nil {
		t.Fatalf("next data %q: %v", ev.data, err)
	}
	var errs []gqlerror.Error
	_ = json.Unmarshal(got["errors"], &errs)
	if ev.name != "next" || len(errs) != 1 || errs[0].Message != "recovered" || errs[0].Extensions["code"] != "INTERNAL" {
		t.Errorf("event %q data %s: want next with the recovered error, code INTERNAL", ev.name, ev.data)
	}
	if _, ok := got["data"]; ok {
		t.Errorf("next data %s has a data entry", ev.data)
	}
	wantComplete(t, er, er.nextEvent(t))
}

// rateLimit refuses operations named Limited as the gateway's budgets do.
type rateLimit struct{}

func (rateLimit) ExtensionName() string                   { return "RateLimit" }
func (rateLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (rateLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation.Name != "Limited" {
		return nil
	}
	return &gqlerror.Error{Message: "budget spent", Extensions: map[string]any{
		"code": string(errcode.RateLimited), "retryAfter": 7,
	}}
}

// persistedStub resolves extensions.persistedQuery to one known subscription.
type persistedStub struct{}

func (persistedStub) ExtensionName() string                   { return "PersistedStub" }
func (persistedStub) Validate(graphql.ExecutableSchema) error { return nil }
func (persistedStub) MutateOperationParameters(_ context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := params.Extensions["persistedQuery"]; ok && params.Query == "" {
		params.Query = "subscription { ticks(count: 1) }"
	}
	return nil
}

func TestSSERefusals(t *testing.T) {
	s := newStreams()
	h := gqlhttp.New(s.schema(),
		gqlhttp.WithSSE(gqlhttp.SSEOptions{}),
		gqlhttp.WithMaxBodyBytes(256),
		gqlhttp.WithExtension(rateLimit{}),
		gqlhttp.WithExtension(persistedStub{}),
	)
	sse := func(kv ...string) http.Header { return hdr(append([]string{"Accept", eventStream}, kv...)...) }
	postSSE := func(kv ...string) http.Header { return sse(append([]string{"Content-Type", appJSON}, kv...)...) }

	tests := []struct {
		name       string
		method     string
		target     string
		header     http.Header
		body       string
		wantStatus int
		wantType   string
		wantCode   string
		wantMsg    string // a part of the first error's message, when set
		wantAllow  string
		wantRetry  string
	}{
		{name: "validation error", method: "POST", header: postSSE(), body: `{"query":"subscription { nope }"}`,
			wantStatus: 400, wantType: appJSON, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error, GET", method: "GET", target: getURL("query", "subscription { nope }"), header: sse(),
			wantStatus: 400, wantType: appJSON, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error in the negotiated type", method: "POST",
			header: postSSE("Accept", gqlResponse), body: `{"query":"{ nope }"}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error under application/json is still 400", method: "POST",
			header: postSSE("Accept", appJSON), body: `{"query":"{ nope }"}`,
			wantStatus: 400, wantType: appJSON, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "parse error", method: "POST", header: postSSE(), body: `{"query":"subscription {"}`,
			wantStatus: 400, wantType: appJSON, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "variable coercion error", method: "POST", header: postSSE(),
			body:       `{"query":"subscription($n: Int!) { ticks(count: $n) }","variables":{"n":"x"}}`,
			wantStatus: 400, wantType: appJSON, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "rate limited", method: "POST", header: postSSE(), body: `{"query":"subscription Limited { forever }"}`,
			wantStatus: 429, wantType: appJSON, wantCode: "RATE_LIMITED", wantRetry: "7"},
		{name: "bad JSON", method: "POST", header: postSSE(), body: `{"query":`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantMsg: "the request body is not valid JSON"},
		{name: "missing query", method: "POST", header: postSSE(), body: `{"variables":{}}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantMsg: "missing query parameter"},
		{name: "missing query, GET", method: "GET", target: "/graphql", header: sse(),
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantMsg: "missing query parameter"},
		{name: "not JSON", method: "POST", header: sse("Content-Type", "text/plain"), body: `{"query":"{ name }"}`,
			wantStatus: 415, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantMsg: "the request body must be application/json"},
		{name: "body too large", method: "POST", header: postSSE(),
			body:       `{"query":"{ name }","extensions":{"padding":"` + strings.Repeat("x", 256) + `"}}`,
			wantStatus: 413, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantMsg: "the request body is larger than the limit"},
		{name: "mutation over GET", method: "GET", target: getURL("query", "mutation { name }"), header: sse(),
			wantStatus: 405, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantMsg: "send the mutation with POST", wantAllow: "POST"},
		{name: "mutation over GET chosen by operationName", method: "GET",
			target: getURL("query", "subscription S { forever } mutation M { name }", "operationName", "M"), header: sse(),
			wantStatus: 405, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantAllow: "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/graphql"
			}
			a := do(t, h, tt.method, target, tt.header, tt.body)
			if a.status != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %v)", a.status, tt.wantStatus, a.body)
			}
			if want := tt.wantType + "; charset=utf-8"; a.contentType != want {
				t.Errorf("Content-Type = %q, want %q", a.contentType, want)
			}
			if got := a.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if got := a.header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if _, ok := a.body["data"]; ok {
				t.Errorf("data entry present: %s", a.body["data"])
			}
			if len(a.errors) == 0 {
				t.Fatalf("no errors, want code %s (body %v)", tt.wantCode, a.body)
			}
			if got := a.errors[0].Extensions["code"]; got != tt.wantCode {
				t.Errorf("extensions.code = %v, want %s (%s)", got, tt.wantCode, a.errors[0].Message)
			}
			if !strings.Contains(a.errors[0].Message, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", a.errors[0].Message, tt.wantMsg)
			}
		})
	}

	t.Run("persisted-only request", func(t *testing.T) {
		srv := streamServer(t, h)
		_, er, _ := openStream(t, srv, http.MethodPost, "/graphql", `{"extensions":{"persistedQuery":{"version":1}}}`)
		wantNext(t, er.nextEvent(t), `{"data":{"ticks":1}}`)
		wantComplete(t, er, er.nextEvent(t))
		s.waitEnded(t)
	})
}

func TestSubscriptionsOverPlainHTTP(t *testing.T) {
	// With and without SSE enabled, a subscription asked for as plain JSON is refused.
	for _, opts := range [][]gqlhttp.Option{nil, {gqlhttp.WithSSE(gqlhttp.SSEOptions{})}} {
		h := gqlhttp.New(newStreams().schema(), opts...)
		for _, a := range []answer{
			do(t, h, "POST", "/graphql", hdr("Content-Type", appJSON, "Accept", gqlResponse), `{"query":"subscription { forever }"}`),
			do(t, h, "GET", getURL("query", "subscription { forever }"), hdr("Accept", "*/*"), ""),
		} {
			if a.status != http.StatusBadRequest || len(a.errors) != 1 || a.errors[0].Extensions["code"] != "BAD_USER_INPUT" {
				t.Fatalf("status %d, errors %+v: want 400 BAD_USER_INPUT", a.status, a.errors)
			}
			if msg := a.errors[0].Message; !strings.Contains(msg, "graphql-transport-ws") || !strings.Contains(msg, "Accept: text/event-stream") {
				t.Errorf("message %q does not point to WebSocket and SSE", msg)
			}
		}
	}
}

func TestSSEWriteTimeout(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	done := make(chan struct{}, 1)
	h := gqlhttp.New(s.schema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{WriteTimeout: 200 * time.Millisecond}))
	srv := streamServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		h.ServeHTTP(w, r)
	}))

	// A client that sends its request and then never reads: the payloads fill the
	// socket buffers until a write blocks past its deadline.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	body := subscribeBody("subscription { flood(size: 1000000) }")
	req := "POST /graphql HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n" +
		"Content-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}

	if err := s.waitEnded(t); !errors.Is(err, context.Canceled) {
		t.Errorf("the resolver ended with context error %v, want it cancelled", err)
	}
	select {
	case <-done:
	case <-time.After(patience):
		t.Fatal("the handler never returned")
	}
}

// TestSSEAcceptingJSONToo: a query from a client whose Accept lists the JSON
// types beside text/event-stream (urql does for every request) is answered
// as JSON; its subscriptions still stream.
func TestSSEAcceptingJSONToo(t *testing.T) {
	noLeaks(t)
	s := newStreams()
	srv := streamServer(t, gqlhttp.New(s.schema(), gqlhttp.WithSSE(gqlhttp.SSEOptions{})))
	const accept = "application/graphql-response+json, application/json, text/event-stream"
	post := func(body string) *http.Response {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("Content-Type", "application/json")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = res.Body.Close() })
		return res
	}
	res := post(subscribeBody("{ name }"))
	b, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "application/graphql-response+json") || string(b) != `{"data":{"name":"test"}}` {
		t.Errorf("query: status %d, Content-Type %q, body %s; want the JSON answer", res.StatusCode, ct, b)
	}
	if ct := post(subscribeBody("subscription { ticks(count: 1) }")).Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" {
		t.Errorf("subscription: Content-Type %q, want the event stream", ct)
	}
}

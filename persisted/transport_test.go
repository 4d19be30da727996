package persisted

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/scoutgraph/scoutgraph/cache"
)

// gqlResponse is a GraphQL response of the test schema.
type gqlResponse struct {
	Data *struct {
		Ran string `json:"ran"`
	} `json:"data"`
	Errors []gqlError `json:"errors"`
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// summary is what a test compares: the query that ran, or the first error.
func (r gqlResponse) summary() string {
	if len(r.Errors) > 0 {
		return r.Errors[0].Extensions.Code + " " + r.Errors[0].Message
	}
	if r.Data == nil {
		return "no data"
	}
	return "ran " + r.Data.Ran
}

// extensionsJSON returns the request extensions naming hash, as JSON.
func extensionsJSON(hash string) string {
	return `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
}

// TestTransports runs APQ through gqlgen's own transports over real HTTP:
// the extension rewrites the operation whichever transport built it.
func TestTransports(t *testing.T) {
	ext, err := New(Config{Mode: APQ, Store: NewStore(cache.NewMemory(), StoreOptions{}), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := handler.New(testSchema())
	srv.AddTransport(transport.Websocket{})
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.Use(ext)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	hello := Hash(helloQuery)
	helloBody := `{"query":` + quote(helloQuery) + `,"extensions":` + extensionsJSON(hello) + `}`
	hashBody := `{"operationName":"Hello","extensions":` + extensionsJSON(hello) + `}`
	const notFound = "PERSISTED_QUERY_NOT_FOUND PersistedQueryNotFound"
	steps := []struct {
		name string
		do   func() gqlResponse
		want string
	}{
		{"POST hash alone", func() gqlResponse { return postJSON(ctx, t, ts.URL, hashBody) }, notFound},
		{"WebSocket hash alone", func() gqlResponse { return subscribeWS(ctx, t, ts.URL, hashBody) }, notFound},
		{"POST hash and query", func() gqlResponse { return postJSON(ctx, t, ts.URL, helloBody) }, "ran " + helloQuery},
		{"POST hash alone", func() gqlResponse { return postJSON(ctx, t, ts.URL, hashBody) }, "ran " + helloQuery},
		{"GET hash alone", func() gqlResponse {
			return get(ctx, t, ts.URL+"?operationName=Hello&extensions="+url.QueryEscape(extensionsJSON(hello)))
		}, "ran " + helloQuery},
		{"SSE hash alone", func() gqlResponse { return postSSE(ctx, t, ts.URL, hashBody) }, "ran " + helloQuery},
		{"WebSocket hash alone", func() gqlResponse { return subscribeWS(ctx, t, ts.URL, hashBody) }, "ran " + helloQuery},
	}
	for _, s := range steps {
		if got := s.do().summary(); got != s.want {
			t.Errorf("%s: %s, want %s", s.name, got, s.want)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// decode reads a GraphQL response from a body.
func decode(t *testing.T, r io.Reader) gqlResponse {
	t.Helper()
	var resp gqlResponse
	if err := json.NewDecoder(r).Decode(&resp); err != nil {
		t.Fatalf("decoding the response: %v", err)
	}
	return resp
}

func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// post sends body as JSON, asking for the media type accept.
func post(ctx context.Context, t *testing.T, u, body, accept string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	return do(t, req)
}

func postJSON(ctx context.Context, t *testing.T, u, body string) gqlResponse {
	t.Helper()
	return decode(t, post(ctx, t, u, body, "application/json").Body)
}

func get(ctx context.Context, t *testing.T, u string) gqlResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, do(t, req).Body)
}

// postSSE sends a GraphQL-over-SSE request and returns its first event.
func postSSE(ctx context.Context, t *testing.T, u, body string) gqlResponse {
	t.Helper()
	resp := post(ctx, t, u, body, "text/event-stream")
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("SSE response Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			return decode(t, strings.NewReader(data))
		}
	}
	t.Fatalf("SSE stream ended without an event: %v", sc.Err())
	return gqlResponse{}
}

// subscribeWS runs one operation over graphql-transport-ws and returns its
// first result, or its errors.
func subscribeWS(ctx context.Context, t *testing.T, u, payload string) gqlResponse {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(u, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		t.Fatalf("websocket dial: %v", err)
	}
	defer conn.Close(websocket.StatusNormalClosure, "")
	type message struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	if err := wsjson.Write(ctx, conn, message{Type: "connection_init"}); err != nil {
		t.Fatal(err)
	}
	if err := wsjson.Write(ctx, conn, message{ID: "1", Type: "subscribe", Payload: json.RawMessage(payload)}); err != nil {
		t.Fatal(err)
	}
	for {
		var m message
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			t.Fatalf("websocket read: %v", err)
		}
		switch m.Type {
		case "next":
			return decode(t, bytes.NewReader(m.Payload))
		case "error":
			var errs []gqlError
			if err := json.Unmarshal(m.Payload, &errs); err != nil {
				t.Fatalf("error payload %s: %v", m.Payload, err)
			}
			return gqlResponse{Errors: errs}
		case "complete":
			t.Fatal("websocket operation completed without a result")
		}
	}
}

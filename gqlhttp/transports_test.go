package gqlhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/scoutgraph/scoutgraph/gqlhttp"
)

// namedTransport serves the requests whose X-Transport header is one of its names by
// answering its own name in an X-Served-By header.
type namedTransport struct {
	name  string
	names []string
}

func (n namedTransport) Supports(r *http.Request) bool {
	for _, name := range n.names {
		if r.Header.Get("X-Transport") == name {
			return true
		}
	}
	return false
}

func (n namedTransport) Do(w http.ResponseWriter, _ *http.Request, _ graphql.GraphExecutor) {
	w.Header().Set("X-Served-By", n.name)
	w.WriteHeader(http.StatusNoContent)
}

func TestWithTransportOrder(t *testing.T) {
	h := gqlhttp.New(testSchema(),
		gqlhttp.WithSSE(gqlhttp.SSEOptions{}),
		gqlhttp.WithTransport(namedTransport{name: "first", names: []string{"a"}}),
		gqlhttp.WithTransport(namedTransport{name: "second", names: []string{"a", "b", "sse"}}),
	)
	post := func(kv ...string) http.Header {
		return hdr(append([]string{"Content-Type", appJSON}, kv...)...)
	}
	tests := []struct {
		name     string
		header   http.Header
		wantBy   string // X-Served-By; "" for the built-in transports
		wantType string // Content-Type for the built-in transports
	}{
		{"the first supporting transport wins", post("X-Transport", "a"), "first", ""},
		{"later ones serve what earlier ones do not", post("X-Transport", "b"), "second", ""},
		{"added transports come before SSE", post("X-Transport", "sse", "Accept", eventStream), "second", ""},
		{"then SSE", post("Accept", eventStream), "", "text/event-stream; charset=utf-8"},
		{"SSE needs text/event-stream named", post("Accept", "*/*"), "", "application/json; charset=utf-8"},
		{"SSE with a zero quality is not asked for", post("Accept", "text/event-stream;q=0, application/json"), "",
			"application/json; charset=utf-8"},
		{"then plain HTTP", post(), "", "application/json; charset=utf-8"},
	}
	srv := streamServer(t, h)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/graphql",
				strings.NewReader(`{"query":"{ name }"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tt.header
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if got := res.Header.Get("X-Served-By"); got != tt.wantBy {
				t.Errorf("served by %q, want %q", got, tt.wantBy)
			}
			if got := res.Header.Get("Content-Type"); tt.wantBy == "" && got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
		})
	}
}

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func TestWebsocketThroughWithTransport(t *testing.T) {
	s := newStreams()
	srv := streamServer(t, gqlhttp.New(s.schema(),
		gqlhttp.WithTransport(transport.Websocket{}),
		gqlhttp.WithSSE(gqlhttp.SSEOptions{}),
	))

	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, "ws"+srv.URL[len("http"):]+"/graphql", &websocket.DialOptions{
		HTTPClient:   srv.Client(),
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if res.StatusCode != http.StatusSwitchingProtocols || conn.Subprotocol() != "graphql-transport-ws" {
		t.Fatalf("status %d, subprotocol %q", res.StatusCode, conn.Subprotocol())
	}

	read := func() wsMessage {
		t.Helper()
		for {
			var m wsMessage
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				t.Fatalf("reading: %v", err)
			}
			if m.Type != "ping" && m.Type != "pong" {
				return m
			}
		}
	}
	if err := wsjson.Write(ctx, conn, wsMessage{Type: "connection_init"}); err != nil {
		t.Fatal(err)
	}
	if m := read(); m.Type != "connection_ack" {
		t.Fatalf("got %+v, want connection_ack", m)
	}
	payload, _ := json.Marshal(map[string]any{"query": "subscription { ticks(count: 3) }"})
	if err := wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		m := read()
		if m.Type != "next" || m.ID != "1" || !jsonEqual(t, m.Payload, fmt.Sprintf(`{"data":{"ticks":%d}}`, i)) {
			t.Fatalf("got %+v (payload %s), want next %d", m, m.Payload, i)
		}
	}
	if m := read(); m.Type != "complete" || m.ID != "1" {
		t.Fatalf("got %+v, want complete", m)
	}
	s.waitEnded(t)
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

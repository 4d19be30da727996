package gatewaytest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Subscription clients for tests: graphql-transport-ws over WebSocket and
// graphql-sse (distinct connections) over Server-Sent Events, written from
// the protocols' specifications so that tests check the gateway against
// them rather than against gqlgen's own client.

// Subscription is a running subscription: its events in order, then the
// end of the stream.
type Subscription struct {
	events chan *Response
	done   chan struct{}
	err    error // why the stream ended; set before done closes
	cancel context.CancelFunc
}

// Next returns the next event, or an error once the stream has ended (io.EOF
// after a complete) or ctx is done.
func (s *Subscription) Next(ctx context.Context) (*Response, error) {
	select {
	case r, ok := <-s.events:
		if ok {
			return r, nil
		}
		<-s.done
		return nil, s.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close ends the subscription and its connection.
func (s *Subscription) Close() {
	s.cancel()
	<-s.done
}

func newSubscription(cancel context.CancelFunc) *Subscription {
	return &Subscription{events: make(chan *Response, 256), done: make(chan struct{}), cancel: cancel}
}

// finish ends the stream with err (io.EOF for a complete).
func (s *Subscription) finish(err error) {
	s.err = err
	close(s.events)
	close(s.done)
}

// SubscribeWS starts a subscription over graphql-transport-ws at baseURL's
// /graphql; header's credentials go in connection_init's payload. It
// returns once the server acknowledged the connection and the subscribe
// message is sent (the server may register it a moment later: see
// WaitSubscriptions).
func SubscribeWS(ctx context.Context, baseURL string, header http.Header, query string, vars map[string]any) (*Subscription, error) {
	wsURL := "ws" + strings.TrimPrefix(baseURL, "http") + "/graphql"
	dialCtx, cancelDial := context.WithTimeout(ctx, 30*time.Second)
	defer cancelDial()
	conn, _, err := websocket.Dial(dialCtx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	conn.SetReadLimit(8 << 20)
	payload := map[string]any{}
	for k := range header {
		payload[k] = header.Get(k)
	}
	send := func(ctx context.Context, msg map[string]any) error {
		b, err := json.Marshal(msg)
		if err != nil {
			return err
		}
		return conn.Write(ctx, websocket.MessageText, b)
	}
	if err := send(dialCtx, map[string]any{"type": "connection_init", "payload": payload}); err != nil {
		conn.CloseNow()
		return nil, err
	}
	for {
		var msg wsMessage
		if err := readJSON(dialCtx, conn, &msg); err != nil {
			conn.CloseNow()
			return nil, fmt.Errorf("connection_ack: %w", err)
		}
		if msg.Type == "connection_ack" {
			break
		}
		if msg.Type != "ping" && msg.Type != "pong" && msg.Type != "ka" {
			conn.CloseNow()
			return nil, fmt.Errorf("got %q before connection_ack", msg.Type)
		}
	}
	if err := send(dialCtx, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}}); err != nil {
		conn.CloseNow()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := newSubscription(cancel)
	go func() {
		defer conn.CloseNow()
		for {
			var msg wsMessage
			if err := readJSON(runCtx, conn, &msg); err != nil {
				s.finish(fmt.Errorf("websocket: %w", err))
				return
			}
			switch msg.Type {
			case "next":
				var r Response
				if err := json.Unmarshal(msg.Payload, &r); err != nil {
					s.finish(fmt.Errorf("next payload: %w", err))
					return
				}
				r.Status = http.StatusOK
				s.events <- &r
			case "error":
				var errs []Error
				_ = json.Unmarshal(msg.Payload, &errs)
				s.events <- &Response{Errors: errs}
				s.finish(io.EOF)
				return
			case "complete":
				_ = conn.Close(websocket.StatusNormalClosure, "")
				s.finish(io.EOF)
				return
			case "ping":
				_ = send(runCtx, map[string]any{"type": "pong"})
			}
		}
	}()
	return s, nil
}

type wsMessage struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

func readJSON(ctx context.Context, conn *websocket.Conn, v any) error {
	_, b, err := conn.Read(ctx)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// SubscribeSSE starts a subscription over graphql-sse (a POST with Accept:
// text/event-stream) at baseURL's /graphql, with header. It returns once
// the stream is open; a refusal (any status but 200) is an error holding
// the status and body.
func SubscribeSSE(ctx context.Context, baseURL string, header http.Header, query string, vars map[string]any) (*Subscription, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	req, err := http.NewRequestWithContext(runCtx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		cancel()
		return nil, &RefusedError{Status: resp.StatusCode, Body: string(b)}
	}
	s := newSubscription(cancel)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 8<<20)
		event, data := "", ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				switch event {
				case "next":
					var r Response
					if err := json.Unmarshal([]byte(data), &r); err != nil {
						s.finish(fmt.Errorf("next data %q: %w", data, err))
						return
					}
					r.Status = http.StatusOK
					s.events <- &r
				case "complete":
					s.finish(io.EOF)
					return
				}
				event, data = "", ""
			case strings.HasPrefix(line, ":"):
				// a comment: keep-alive
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
			}
		}
		err := sc.Err()
		if err == nil {
			err = errors.New("the stream ended without complete")
		}
		s.finish(err)
	}()
	return s, nil
}

// RefusedError is an SSE subscription the gateway refused.
type RefusedError struct {
	Status int
	Body   string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused with status %d: %s", e.Status, e.Body)
}

var subscriptionsGauge = regexp.MustCompile(`(?m)^scoutgraph_subscriptions (\d+)`)

// Subscriptions is how many subscriptions the gateway at baseURL serves, as
// its /metrics says.
func Subscriptions(ctx context.Context, baseURL string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	m := subscriptionsGauge.FindSubmatch(b)
	if m == nil {
		return 0, errors.New("no scoutgraph_subscriptions in /metrics")
	}
	return strconv.Atoi(string(m[1]))
}

// WaitSubscriptions waits until the gateway at baseURL serves at least n
// subscriptions (polling its /metrics), for at most a minute.
func WaitSubscriptions(t testing.TB, baseURL string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := Subscriptions(t.Context(), baseURL)
		if err == nil && got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway at %s serves %d subscriptions after a minute, want %d (err %v)", baseURL, got, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

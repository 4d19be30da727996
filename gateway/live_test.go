package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// liveSel is what the live tests select of a conversation event: nested
// objects the webhook's body answers (the customer's email) and ones it
// does not (the mailbox's name, from the mailbox directory).
const liveSel = `id type receivedAt conversation { id subject mailbox { id name } customer { email } } thread { id }`

const subConversations = `subscription($f: ConversationEventFilter) { conversationEvents(filter: $f) { ` + liveSel + ` } }`

// liveEvent is a conversation event as the live tests select it.
type liveEvent struct {
	ConversationEvents struct {
		ID           string `json:"id"`
		Type         string `json:"type"`
		ReceivedAt   string `json:"receivedAt"`
		Conversation struct {
			ID       string `json:"id"`
			Subject  string `json:"subject"`
			Mailbox  struct{ ID, Name string }
			Customer struct{ Email string }
		} `json:"conversation"`
		Thread *struct{ ID string } `json:"thread"`
	} `json:"conversationEvents"`
}

// nextEvent waits (a minute at most) for the subscription's next event and
// decodes it; an event with errors fails the test.
func nextEvent(t *testing.T, what string, s *gatewaytest.Subscription) liveEvent {
	t.Helper()
	r := nextAnswer(t, what, s)
	var ev liveEvent
	if err := json.Unmarshal(r.Data, &ev); err != nil {
		t.Fatalf("%s: %s: %v", what, r.Data, err)
	}
	return ev
}

// createLiveConversation creates a conversation through the gateway and
// returns its id.
func createLiveConversation(t *testing.T, env *gatewaytest.Env, mailbox, subject string) string {
	t.Helper()
	r := env.Do(t, `mutation($in: CreateConversationInput!) { createConversation(input: $in) { conversationId userErrors { message } } }`, map[string]any{
		"in": map[string]any{
			"type": "EMAIL", "mailboxId": mailbox, "subject": subject,
			"customer": map[string]any{"email": "live.test@example.org", "firstName": "Live"},
			"threads":  []any{map[string]any{"type": "CUSTOMER", "text": "hello", "customer": map[string]any{"email": "live.test@example.org"}}},
		},
	})
	var out struct {
		CreateConversation struct {
			ConversationID string
			UserErrors     []struct{ Message string }
		}
	}
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil || out.CreateConversation.ConversationID == "" {
		t.Fatalf("createConversation: %s %+v", r.Data, r.Errors)
	}
	return out.CreateConversation.ConversationID
}

// liveCallers are the callers of the live tests.
func liveCallers(t *testing.T) (string, map[string]string) {
	return authtest.TokensFile(t,
		authtest.TokenCaller{Name: "agent", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}},
		authtest.TokenCaller{Name: "box2", Scopes: []auth.Scope{auth.ScopeRead}, MailboxIDs: []int{2}},
		authtest.TokenCaller{Name: "writer", Scopes: []auth.Scope{auth.ScopeWrite}},
	)
}

// TestSubscriptionsOverWebSocketAndSSE: the emulator's webhooks reach
// subscribers over graphql-transport-ws and graphql-sse, each event resolved
// with nested objects (the customer's email, the mailbox's name); filters
// and the caller's mailboxes hold (by causality: when the unfiltered
// subscriber has heard both events, the others have been offered both);
// credentials are checked on both transports; and ending the streams
// completes them. What an event costs (its FreeScout calls and its
// extensions.cost) is not checked here, where four subscribers share each
// event and its lookups: TestEventCalls checks it.
func TestSubscriptionsOverWebSocketAndSSE(t *testing.T) {
	path, tokens := liveCallers(t)
	env := gatewaytest.Start(t, gatewaytest.Options{Live: true, Configure: func(c *gateway.Config) {
		c.Auth = auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: path}
	}})
	agent, box2 := bearer(tokens["agent"]), bearer(tokens["box2"])
	env.Header = agent
	created := map[string]any{"f": map[string]any{"types": []string{"CREATED"}}}
	ws, err := gatewaytest.SubscribeWS(t.Context(), env.URL, agent, subConversations, created)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	sse, err := gatewaytest.SubscribeSSE(t.Context(), env.URL, agent, subConversations, created)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	inBox2, err := gatewaytest.SubscribeWS(t.Context(), env.URL, agent, subConversations, map[string]any{"f": map[string]any{"mailboxIds": []string{"2"}, "types": []string{"CREATED"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer inBox2.Close()
	restricted, err := gatewaytest.SubscribeSSE(t.Context(), env.URL, box2, subConversations, created)
	if err != nil {
		t.Fatal(err)
	}
	defer restricted.Close()
	gatewaytest.WaitSubscriptions(t, env.URL, 4)

	first := createLiveConversation(t, env, "1", "live: first, in mailbox 1")
	second := createLiveConversation(t, env, "2", "live: second, in mailbox 2")
	for _, s := range []struct {
		name string
		sub  *gatewaytest.Subscription
	}{{"websocket", ws}, {"sse", sse}} {
		// FreeScout delivers webhooks from a queue, in no promised order
		// (the emulator too): both events, in either order.
		heard := map[string]bool{}
		for i := range 2 {
			ev := nextEvent(t, s.name, s.sub).ConversationEvents
			c := ev.Conversation
			heard[c.ID] = true
			if ev.Type != "CREATED" || (c.ID != first && c.ID != second) || !strings.HasPrefix(c.Subject, "live: ") || c.Customer.Email != "live.test@example.org" || c.Mailbox.Name == "" || ev.ReceivedAt == "" {
				t.Errorf("%s event %d: %+v, want conversation %s or %s created, with its customer and mailbox", s.name, i, ev, first, second)
			}
		}
		if !heard[first] || !heard[second] {
			t.Errorf("%s heard %v, want conversations %s and %s", s.name, heard, first, second)
		}
	}
	for _, s := range []struct {
		name string
		sub  *gatewaytest.Subscription
	}{{"filtered to mailbox 2", inBox2}, {"a caller of mailbox 2", restricted}} {
		if ev := nextEvent(t, s.name, s.sub).ConversationEvents; ev.Conversation.ID != second {
			t.Errorf("%s heard conversation %s first, want %s (mailbox 2)", s.name, ev.Conversation.ID, second)
		}
	}

	// Credentials: none over WebSocket closes the connection, a caller
	// without the read scope is refused on both.
	if _, err := gatewaytest.SubscribeWS(t.Context(), env.URL, nil, subConversations, nil); err == nil {
		t.Error("a WebSocket without credentials was acknowledged")
	}
	writer := bearer(tokens["writer"])
	if s, err := gatewaytest.SubscribeWS(t.Context(), env.URL, writer, subConversations, nil); err != nil {
		t.Errorf("websocket of a writer: %v", err)
	} else if r, err := s.Next(t.Context()); err != nil || len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
		t.Errorf("websocket subscription of a caller without read: %+v, %v; want FORBIDDEN", r, err)
	}
	var refused *gatewaytest.RefusedError
	if _, err := gatewaytest.SubscribeSSE(t.Context(), env.URL, writer, subConversations, nil); !errors.As(err, &refused) || !strings.Contains(refused.Body, "FORBIDDEN") {
		t.Errorf("sse subscription of a caller without read: %v; want a refusal with FORBIDDEN", err)
	}
	if _, err := gatewaytest.SubscribeSSE(t.Context(), env.URL, nil, subConversations, nil); !errors.As(err, &refused) || refused.Status != http.StatusUnauthorized {
		t.Errorf("sse subscription without credentials: %v; want 401", err)
	}

	// Shutting down completes every stream.
	env.Gateway.EndStreams()
	for name, s := range map[string]*gatewaytest.Subscription{"websocket": ws, "sse": sse} {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		if r, err := s.Next(ctx); !errors.Is(err, io.EOF) {
			t.Errorf("%s after EndStreams: %+v, %v; want the stream completed", name, r, err)
		}
		cancel()
	}
}

// TestSubscriptionsPerConnection: one WebSocket connection holds at most 50
// subscriptions at once; the 51st is refused with RATE_LIMITED, and once one
// ends there is room again.
func TestSubscriptionsPerConnection(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(env.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	send := func(msg string) {
		t.Helper()
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	// read returns the next message that is not a ping or keep-alive.
	read := func() (id, typ string, payload json.RawMessage) {
		t.Helper()
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				ID      string          `json:"id"`
				Type    string          `json:"type"`
				Payload json.RawMessage `json:"payload"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m.Type != "ping" && m.Type != "pong" && m.Type != "ka" {
				return m.ID, m.Type, m.Payload
			}
		}
	}
	send(`{"type":"connection_init"}`)
	if _, typ, _ := read(); typ != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", typ)
	}
	subscribe := func(id int) {
		send(fmt.Sprintf(`{"id":"%d","type":"subscribe","payload":{"query":"subscription { customerEvents { id } }"}}`, id))
	}
	for id := 1; id <= 50; id++ {
		subscribe(id)
	}
	gatewaytest.WaitSubscriptions(t, env.URL, 50)
	subscribe(51)
	id, typ, payload := read()
	if id != "51" || !strings.Contains(string(payload), "RATE_LIMITED") {
		t.Fatalf("subscription 51: %s %s %s; want RATE_LIMITED", id, typ, payload)
	}
	send(`{"id":"7","type":"complete"}`)
	waitFor(t, time.Minute, "subscription 7 to end", func() bool {
		n, err := gatewaytest.Subscriptions(ctx, env.URL)
		return err == nil && n == 49
	})
	subscribe(52)
	gatewaytest.WaitSubscriptions(t, env.URL, 50)
}

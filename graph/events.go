package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/events"
	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/upstream"

	json "github.com/goccy/go-json"
)

// Live events. The gateway parses each webhook once per replica
// (ParseEvent), hands it to the hub (events.Hub, the Resolver's Events),
// and each subscription resolver turns the events its filter and caller
// accept into ConversationEvents or CustomerEvents. Their conversation,
// thread and customer are produced when the event is resolved, with the
// event's own data session (AroundResponses makes one per event), by the
// same producer as every other conversation: from the webhook's body where
// it holds what is selected, from FreeScout where it does not.

// EventSource is where subscriptions get their events; *events.Hub is one.
type EventSource interface {
	Subscribe(ctx context.Context, owner string, match func(events.Event) bool) (*events.Subscription, error)
}

// LiveEvent is a webhook as the gateway understood it, in events.Event's
// Parsed.
type LiveEvent struct {
	Conversation *upstream.Conversation // convo.* events
	Customer     *upstream.Customer     // customer.* events
}

// conversationEventTypes maps FreeScout's convo.* events onto the schema's.
var conversationEventTypes = map[string]model.ConversationEventType{
	"convo.assigned":               model.ConversationEventTypeAssigned,
	"convo.created":                model.ConversationEventTypeCreated,
	"convo.deleted":                model.ConversationEventTypeDeleted,
	"convo.deleted_forever":        model.ConversationEventTypeDeletedForever,
	"convo.restored":               model.ConversationEventTypeRestored,
	"convo.moved":                  model.ConversationEventTypeMoved,
	"convo.status":                 model.ConversationEventTypeStatus,
	"convo.customer.reply.created": model.ConversationEventTypeCustomerReplyCreated,
	"convo.agent.reply.created":    model.ConversationEventTypeAgentReplyCreated,
	"convo.note.created":           model.ConversationEventTypeNoteCreated,
}

var customerEventTypes = map[string]model.CustomerEventType{
	"customer.created": model.CustomerEventTypeCreated,
	"customer.updated": model.CustomerEventTypeUpdated,
}

// ParseEvent reads a webhook's body: FreeScout's Conversation object for
// convo.* events, its Customer object for customer.* events. An event of
// another name parses to an empty LiveEvent.
func ParseEvent(name string, body []byte) (*LiveEvent, error) {
	switch {
	case strings.HasPrefix(name, "convo."):
		var c upstream.Conversation
		if err := json.Unmarshal(body, &c); err != nil || c.ID <= 0 {
			return nil, fmt.Errorf("%s body is not a conversation: %w", name, errors.Join(err, errors.New("no id")))
		}
		return &LiveEvent{Conversation: &c}, nil
	case strings.HasPrefix(name, "customer."):
		var c upstream.Customer
		if err := json.Unmarshal(body, &c); err != nil || c.ID <= 0 {
			return nil, fmt.Errorf("%s body is not a customer: %w", name, errors.Join(err, errors.New("no id")))
		}
		return &LiveEvent{Customer: &c}, nil
	}
	return &LiveEvent{}, nil
}

// subscribe subscribes the caller of ctx to the events match accepts.
func subscribe(ctx context.Context, src EventSource, match func(events.Event) bool) (sub *events.Subscription, err error) {
	c := auth.CallerFrom(ctx)
	if c == nil || src == nil {
		return nil, errcode.New(errcode.Internal, "internal error")
	}
	if slots, _ := ctx.Value(slotsKey{}).(*subscriptionSlots); slots != nil {
		if !slots.take() {
			return nil, errcode.New(errcode.RateLimited, fmt.Sprintf("the connection has %d subscriptions, as many as one connection may; end one first", slots.max))
		}
		stop := context.AfterFunc(ctx, slots.give)
		defer func() {
			if sub == nil && stop() {
				slots.give()
			}
		}()
	}
	sub, err = src.Subscribe(ctx, c.ID, match)
	switch {
	case errors.Is(err, events.ErrTooManySubscriptions):
		return nil, errcode.Wrap(errcode.RateLimited, "the caller has as many subscriptions as it may; end one first", err)
	case errors.Is(err, events.ErrHubClosed):
		return nil, errcode.Wrap(errcode.UpstreamUnavailable, "the gateway is shutting down; subscribe again in a moment", err)
	}
	return sub, err
}

// subscriptionSlots bound the subscriptions of one connection.
type subscriptionSlots struct {
	max  int
	mu   sync.Mutex
	used int
}

func (s *subscriptionSlots) take() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used >= s.max {
		return false
	}
	s.used++
	return true
}

func (s *subscriptionSlots) give() {
	s.mu.Lock()
	s.used--
	s.mu.Unlock()
}

type slotsKey struct{}

// WithSubscriptionLimit bounds the subscriptions started with ctx (or a
// context derived from it) that are live at once to max: the WebSocket
// transport gives each connection such a context. Over it, a subscription
// fails with RATE_LIMITED.
func WithSubscriptionLimit(ctx context.Context, max int) context.Context {
	return context.WithValue(ctx, slotsKey{}, &subscriptionSlots{max: max})
}

// stream turns a subscription's events into GraphQL events (convert) on a
// channel that closes when the subscription ends: the transports then
// complete the stream. A subscriber dropped for not keeping up gets, last,
// an event that carries the error that says so (ended).
func stream[T any](ctx context.Context, sub *events.Subscription, convert func(events.Event) T, ended func(error) T) <-chan T {
	out := make(chan T)
	go func() {
		defer close(out)
		for ev := range sub.Events() {
			select {
			case out <- convert(ev):
			case <-ctx.Done():
				return
			}
		}
		if errors.Is(sub.Err(), events.ErrTooSlow) {
			select {
			case out <- ended(errcode.New(errcode.SubscriptionEnded, "the subscriber did not keep up with the events; the subscription ended, subscribe again")):
			case <-ctx.Done():
			}
		}
	}()
	return out
}

// conversationMatch accepts the conversation events filter asks for that
// the caller may see.
func conversationMatch(c *auth.Caller, f *model.ConversationEventFilter) (func(events.Event) bool, error) {
	var mailboxes, convs []int
	var kinds []model.ConversationEventType
	if f != nil {
		var err error
		if mailboxes, err = argIDs("filter.mailboxIds", f.MailboxIds); err != nil {
			return nil, err
		}
		if convs, err = argIDs("filter.conversationIds", f.ConversationIds); err != nil {
			return nil, err
		}
		kinds = f.Types
	}
	return func(ev events.Event) bool {
		le, _ := ev.Parsed.(*LiveEvent)
		kind, ok := conversationEventTypes[ev.Name]
		if le == nil || le.Conversation == nil || !ok {
			return false
		}
		conv := le.Conversation
		return c.SeesMailbox(conv.MailboxID) &&
			(len(mailboxes) == 0 || slices.Contains(mailboxes, conv.MailboxID)) &&
			(len(convs) == 0 || slices.Contains(convs, conv.ID)) &&
			(len(kinds) == 0 || slices.Contains(kinds, kind))
	}, nil
}

// customerMatch accepts the customer events filter asks for.
func customerMatch(f *model.CustomerEventFilter) (func(events.Event) bool, error) {
	var ids []int
	var kinds []model.CustomerEventType
	if f != nil {
		var err error
		if ids, err = argIDs("filter.customerIds", f.CustomerIds); err != nil {
			return nil, err
		}
		kinds = f.Types
	}
	return func(ev events.Event) bool {
		le, _ := ev.Parsed.(*LiveEvent)
		kind, ok := customerEventTypes[ev.Name]
		if le == nil || le.Customer == nil || !ok {
			return false
		}
		return (len(ids) == 0 || slices.Contains(ids, le.Customer.ID)) && (len(kinds) == 0 || slices.Contains(kinds, kind))
	}, nil
}

// argIDs parses a list of ID arguments.
func argIDs(name string, in []string) ([]int, error) {
	out := make([]int, 0, len(in))
	for _, s := range in {
		n, err := argID(name, s)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// conversationEvent is a hub's event as a ConversationEvent.
func conversationEvent(ev events.Event) *model.ConversationEvent {
	le := ev.Parsed.(*LiveEvent)
	m := &model.ConversationEvent{ID: ev.ID, Type: conversationEventTypes[ev.Name], ReceivedAt: ev.ReceivedAt.UTC(), Raw: le.Conversation}
	switch m.Type {
	case model.ConversationEventTypeCustomerReplyCreated, model.ConversationEventTypeAgentReplyCreated, model.ConversationEventTypeNoteCreated:
		if threads := le.Conversation.Embedded.Threads; len(threads) > 0 {
			m.ThreadID = threads[0].ID // FreeScout sends the triggering thread first
		}
	}
	return m
}

// customerEvent is a hub's event as a CustomerEvent.
func customerEvent(ev events.Event) *model.CustomerEvent {
	le := ev.Parsed.(*LiveEvent)
	return &model.CustomerEvent{ID: ev.ID, Type: customerEventTypes[ev.Name], ReceivedAt: ev.ReceivedAt.UTC(), Raw: le.Customer}
}

// AroundResponses is the response middleware that gives each event of a
// subscription a fresh data session: the event's objects are resolved
// while its response is made, with that session (queries and mutations
// got theirs from AroundOperations).
func (r *Resolver) AroundResponses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
			ctx = WithSession(ctx, r.Sessions.NewSession(ctx))
		}
	}
	return next(ctx)
}

// eventConversation produces the conversation of a conversation event from
// the webhook's body.
func eventConversation(ctx context.Context, obj *model.ConversationEvent) (*model.Conversation, error) {
	if obj.Err != nil {
		return nil, obj.Err
	}
	s := session(ctx)
	fields := selected(ctx, "Conversation")
	return produceConversation(ctx, s, fields, obj.Raw), nil
}

// eventThread produces the thread of a reply or note event.
func eventThread(ctx context.Context, obj *model.ConversationEvent) (*model.Thread, error) {
	if obj.Err != nil || obj.ThreadID == 0 {
		return nil, nil
	}
	for i := range obj.Raw.Embedded.Threads {
		if t := &obj.Raw.Embedded.Threads[i]; t.ID == obj.ThreadID {
			p := newProducer(ctx, session(ctx))
			m := p.thread(selected(ctx, "Thread"), t)
			p.wait()
			return m, nil
		}
	}
	return nil, nil
}

// eventCustomer answers a customer event's customer from the webhook's
// body, which is FreeScout's Customer object without its customer fields:
// those are read from FreeScout when selected.
func eventCustomer(ctx context.Context, obj *model.CustomerEvent) (*model.Customer, error) {
	if obj.Err != nil {
		return nil, obj.Err
	}
	if !selects(selected(ctx, "Customer"), "customerFields") {
		return toCustomer(obj.Raw), nil
	}
	c, err := session(ctx).Customer(ctx, obj.Raw.ID)
	if err != nil {
		return nil, err
	}
	return toCustomer(c), nil
}

package model

import (
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// ConversationEvent is a change to a conversation, as FreeScout's webhook
// told it. Its conversation and thread are produced when the event is
// resolved (with the event's own data session), from Raw.
type ConversationEvent struct {
	ID         string
	Type       ConversationEventType
	ReceivedAt time.Time
	Raw        *upstream.Conversation // the webhook's body
	// ThreadID is the thread that triggered a reply or note event (the
	// first of the body's threads); 0 for other events.
	ThreadID int
	// Err, when set, is why the subscription ends instead of an event.
	Err error
}

// CustomerEvent is a change to a customer, as FreeScout's webhook told it.
type CustomerEvent struct {
	ID         string
	Type       CustomerEventType
	ReceivedAt time.Time
	Raw        *upstream.Customer // the webhook's body
	Err        error              // see ConversationEvent.Err
}

package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Defaults for HubOptions.
const (
	defaultHubBuffer      = 64
	defaultHubMaxPerOwner = 100
)

// Why a subscription ended or could not start. A subscription whose ctx
// ended reports context.Cause of that ctx instead.
var (
	// ErrTooSlow: the subscriber's buffer was full when an event for it
	// came, so it was dropped.
	ErrTooSlow = errors.New("events: subscriber too slow, dropped")
	// ErrHubClosed: the hub was closed (the replica is shutting down).
	ErrHubClosed = errors.New("events: hub closed")
	// ErrTooManySubscriptions: the owner already has HubOptions.MaxPerOwner
	// live subscriptions.
	ErrTooManySubscriptions = errors.New("events: too many subscriptions")
)

// HubOptions configures NewHub. The zero value is ready to use.
type HubOptions struct {
	// Buffer is how many events a subscription holds that its subscriber
	// has not taken yet; default 64. One more and it is dropped.
	Buffer int
	// MaxPerOwner bounds the live subscriptions of one owner; default 100.
	MaxPerOwner int
	// Logger receives dropped subscribers; default: discarded.
	Logger *slog.Logger
}

// Hub fans events out to the subscriptions of one replica. Its methods are
// safe for concurrent use.
type Hub struct {
	buffer      int
	maxPerOwner int
	log         *slog.Logger

	mu     sync.RWMutex // Publish sends under RLock; channels are closed under Lock
	subs   []*Subscription
	owners map[string]int
	closed bool
}

// Subscription is one subscriber's stream of matching events.
type Subscription struct {
	owner string
	match func(Event) bool
	ch    chan Event

	// index is the position in Hub.subs, -1 once removed; guarded by Hub.mu.
	index int
	// stopCtx stops the ctx watch; guarded by Hub.mu.
	stopCtx func() bool
	// dropping is set by the Publish that found the buffer full, so that no
	// later event goes in before the subscription is removed.
	dropping atomic.Bool

	errMu sync.Mutex
	err   error
}

// NewHub returns an empty hub.
func NewHub(opts HubOptions) *Hub {
	if opts.Buffer <= 0 {
		opts.Buffer = defaultHubBuffer
	}
	if opts.MaxPerOwner <= 0 {
		opts.MaxPerOwner = defaultHubMaxPerOwner
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		buffer:      opts.Buffer,
		maxPerOwner: opts.MaxPerOwner,
		log:         opts.Logger,
		owners:      make(map[string]int),
	}
}

// Subscribe starts a subscription of owner (the caller's identity) to the
// events match accepts (every event if match is nil). It lasts until ctx
// ends, the hub closes or the subscriber is too slow; then its channel is
// closed and Err says why. match is called from Publish, possibly from
// several goroutines at once: it must be quick, safe for concurrent use and
// must not call the hub.
func (h *Hub) Subscribe(ctx context.Context, owner string, match func(Event) bool) (*Subscription, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("events: subscribe: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("events: subscribe: %w", ErrHubClosed)
	}
	if h.owners[owner] >= h.maxPerOwner {
		return nil, fmt.Errorf("%w: at most %d per caller", ErrTooManySubscriptions, h.maxPerOwner)
	}
	s := &Subscription{
		owner: owner,
		match: match,
		ch:    make(chan Event, h.buffer),
		index: len(h.subs),
	}
	h.subs = append(h.subs, s)
	h.owners[owner]++
	// The watch takes h.mu, so even a ctx that ends right now is seen only
	// after this subscription is in place.
	s.stopCtx = context.AfterFunc(ctx, func() { h.remove(s, context.Cause(ctx)) })
	return s, nil
}

// Publish hands ev to every subscription that matches it, without blocking:
// a subscription whose buffer is full is dropped with ErrTooSlow. Events
// published from one goroutine reach each subscription in that order.
func (h *Hub) Publish(ev Event) {
	var slow []*Subscription
	h.mu.RLock()
	for _, s := range h.subs {
		if s.dropping.Load() || (s.match != nil && !s.match(ev)) {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			if s.dropping.CompareAndSwap(false, true) {
				slow = append(slow, s)
			}
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		h.log.Info("events: dropping a subscriber too slow to take its events", "owner", s.owner, "buffer", cap(s.ch))
		h.remove(s, ErrTooSlow)
	}
}

// Len returns the number of live subscriptions.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Close ends every subscription with ErrHubClosed, closing its channel, and
// refuses new ones. It is idempotent.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, s := range h.subs {
		s.end(ErrHubClosed)
	}
	clear(h.subs)
	h.subs = h.subs[:0]
	clear(h.owners)
}

// remove ends s with err, unless it has ended already.
func (h *Hub) remove(s *Subscription, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := s.index
	if i < 0 {
		return
	}
	last := len(h.subs) - 1
	h.subs[i] = h.subs[last]
	h.subs[i].index = i
	h.subs[last] = nil
	h.subs = h.subs[:last]
	if h.owners[s.owner]--; h.owners[s.owner] == 0 {
		delete(h.owners, s.owner)
	}
	s.end(err)
}

// end records why s ended and closes its channel. The caller holds Hub.mu
// for writing, so no Publish is sending to s.
func (s *Subscription) end(err error) {
	s.index = -1
	s.stopCtx()
	s.errMu.Lock()
	s.err = err
	s.errMu.Unlock()
	close(s.ch)
}

// Events returns the channel of the subscription's events. It is closed
// when the subscription ends, after the events still buffered.
func (s *Subscription) Events() <-chan Event {
	return s.ch
}

// Err returns why the subscription ended: ErrTooSlow, ErrHubClosed or the
// cause of its ctx's end. It is nil while the subscription is live.
func (s *Subscription) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/scoutgraph/scoutgraph/events"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/session"
)

// live is the gateway's live events. The receiver puts FreeScout's signed
// deliveries on the bus; every replica runs the bus, and for each event, in
// order:
//
//  1. parses its body once (graph.ParseEvent);
//  2. drops what it makes stale in the shared cache: a customer event the
//     customer's profile, every conversation and customer event the
//     conversation cache's generation (session.Factory), so that what is
//     read next, and the event's own answer, is fresh;
//  3. hands it to the hub, which fans it out to this replica's
//     subscriptions without waiting for any of them.
//
// An event the bus lost (events.NameLost: Redis lost data, or this replica
// fell too far behind) drops the conversation cache; customer profiles then
// live out their minute.
type live struct {
	bus      events.Bus
	hub      *events.Hub
	receiver http.Handler
	sessions *session.Factory
	metrics  *metrics
	logger   *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
}

func newLive(bus events.Bus, secret string, sessions *session.Factory, m *metrics, logger *slog.Logger) *live {
	l := &live{
		bus:      bus,
		hub:      events.NewHub(events.HubOptions{MaxPerOwner: maxSubscriptionsPerCaller, Logger: logger}),
		sessions: sessions,
		metrics:  m,
		logger:   logger,
		done:     make(chan struct{}),
	}
	l.receiver = events.NewReceiver(secret, bus, events.ReceiverOptions{Logger: logger, Observe: m.observeWebhook})
	m.countSubscriptions(l.hub.Len)
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(ctx)
	return l
}

// run reads the bus until ctx ends or the bus closes.
func (l *live) run(ctx context.Context) {
	defer close(l.done)
	for {
		err := l.bus.Run(ctx, l.handle)
		if err == nil || errors.Is(err, events.ErrClosed) || ctx.Err() != nil {
			return
		}
		l.logger.Error("event bus stopped; reading it again in a second", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// eventTimeout bounds the cache work of one event.
const eventTimeout = 5 * time.Second

// handle is steps 1 to 3 for one event.
func (l *live) handle(ev events.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
	defer cancel()
	if ev.Name == events.NameLost {
		l.metrics.events.WithLabelValues("lost").Inc()
		l.logger.Warn("the event bus lost events; the conversation cache is dropped", "id", ev.ID)
		l.sessions.ForgetConversations(ctx)
		return
	}
	if !events.IsFreeScoutEvent(ev.Name) {
		return // the receiver publishes FreeScout's events only
	}
	l.metrics.events.WithLabelValues(ev.Name).Inc()
	parsed, err := graph.ParseEvent(ev.Name, ev.Body)
	if err != nil {
		l.logger.Warn("event body not understood; the conversation cache is dropped and the event is not sent to subscribers", "event", ev.Name, "id", ev.ID, "err", err)
		l.sessions.ForgetConversations(ctx)
		return
	}
	switch {
	case parsed.Customer != nil:
		l.sessions.ForgetCustomer(ctx, parsed.Customer.ID)
	case parsed.Conversation != nil:
		l.sessions.ForgetConversations(ctx)
	}
	ev.Parsed = parsed
	l.hub.Publish(ev)
}

// close ends every subscription (each stream completes), stops reading the
// bus and closes it.
func (l *live) close() error {
	l.hub.Close()
	l.cancel()
	<-l.done
	return l.bus.Close()
}

package events

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"
	"time"
)

// FreeScout's webhook events, as named by the X-FreeScout-Event header.
const (
	ConvoAssigned             = "convo.assigned"
	ConvoCreated              = "convo.created"
	ConvoDeleted              = "convo.deleted"
	ConvoDeletedForever       = "convo.deleted_forever"
	ConvoRestored             = "convo.restored"
	ConvoMoved                = "convo.moved"
	ConvoStatus               = "convo.status"
	ConvoCustomerReplyCreated = "convo.customer.reply.created"
	ConvoAgentReplyCreated    = "convo.agent.reply.created"
	ConvoNoteCreated          = "convo.note.created"
	CustomerCreated           = "customer.created"
	CustomerUpdated           = "customer.updated"
)

// NameLost is the Name of the Event a bus delivers in place of events it
// could not deliver (a replica that fell behind the Redis stream's bound, a
// Redis that lost its data). Its Body is empty. It is never one of
// FreeScout's event names.
const NameLost = "scoutgraph.events.lost"

// DefaultDedupeWindow is how long a bus remembers an event to recognise its
// redeliveries: FreeScout resends a failed delivery up to 10 times over about
// 2 hours.
const DefaultDedupeWindow = 3 * time.Hour

// ErrClosed is returned by the operations of a closed bus.
var ErrClosed = errors.New("events: bus closed")

// FreeScoutEvents returns FreeScout's 12 webhook events, as a webhook
// registered for all of them lists them.
func FreeScoutEvents() []string {
	return []string{ConvoAssigned, ConvoCreated, ConvoDeleted, ConvoDeletedForever,
		ConvoRestored, ConvoMoved, ConvoStatus, ConvoCustomerReplyCreated,
		ConvoAgentReplyCreated, ConvoNoteCreated, CustomerCreated, CustomerUpdated}
}

// IsFreeScoutEvent reports whether name is one of FreeScout's 12 webhook
// events.
func IsFreeScoutEvent(name string) bool {
	switch name {
	case ConvoAssigned, ConvoCreated, ConvoDeleted, ConvoDeletedForever,
		ConvoRestored, ConvoMoved, ConvoStatus, ConvoCustomerReplyCreated,
		ConvoAgentReplyCreated, ConvoNoteCreated, CustomerCreated, CustomerUpdated:
		return true
	}
	return false
}

// Event is one event on the bus.
type Event struct {
	// ID is the bus's own id for the event, unique on that bus.
	ID string
	// Name is FreeScout's event name, such as "convo.created", or NameLost.
	Name string
	// Body is the webhook body, byte for byte as received. It is shared by
	// every consumer of the event and must not be modified.
	Body []byte
	// ReceivedAt is when the receiver accepted the delivery.
	ReceivedAt time.Time
	// Parsed is what the consumer made of the body, once per replica before
	// it hands the event to its Hub (which only passes it along); nil on
	// the bus.
	Parsed any
}

// Publisher puts events on a bus.
type Publisher interface {
	// Publish puts an event on the bus and returns once it is there.
	// published is false when an event with the same name and an identical
	// body is already on the bus within the dedupe window (a redelivery);
	// it is then not published again.
	Publish(ctx context.Context, name string, body []byte, receivedAt time.Time) (published bool, err error)
}

// Bus carries events to every replica that runs it. Memory and Redis are
// the two implementations; the gateway picks one at start.
type Bus interface {
	Publisher
	// Run calls handle, in order and from one goroutine, with every event
	// published on the bus (by any replica) from the moment Run starts,
	// until ctx ends (Run then returns nil) or the bus is closed (ErrClosed).
	// handle must not block for long: a slow handle delays every later
	// event. Several Runs may run at once; each sees every event.
	Run(ctx context.Context, handle func(Event)) error
	// Close ends every Run and makes later calls fail with ErrClosed.
	Close() error
}

// dedupeKey identifies an event for dedupe: a SHA-256 of its name and body.
// FreeScout's event names hold no NUL byte, so the pair is unambiguous.
func dedupeKey(name string, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// runGroup tracks the Runs of a bus, and the goroutines they start, so that
// Close can end them and wait for them.
type runGroup struct {
	closing context.Context // done once close is called
	stop    context.CancelFunc

	mu sync.Mutex // orders start's wg.Add before close's wg.Wait
	wg sync.WaitGroup
}

// newRunGroup returns an open group.
func newRunGroup() *runGroup {
	closing, stop := context.WithCancel(context.Background())
	return &runGroup{closing: closing, stop: stop}
}

// start derives the context of one Run from ctx: it is canceled when ctx
// ends or the group closes. done must be called when the Run has ended.
// While the Run lasts, it may start goroutines with g.wg.Go; close waits for
// them too.
func (g *runGroup) start(ctx context.Context) (runCtx context.Context, done func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing.Err() != nil {
		return nil, nil, ErrClosed
	}
	g.wg.Add(1)
	runCtx, cancel := context.WithCancel(ctx)
	stopAfter := context.AfterFunc(g.closing, cancel)
	return runCtx, func() {
		stopAfter()
		cancel()
		g.wg.Done()
	}, nil
}

// closed reports whether close was called.
func (g *runGroup) closed() bool {
	return g.closing.Err() != nil
}

// close cancels every Run and waits for them and their goroutines. It is
// idempotent.
func (g *runGroup) close() {
	g.mu.Lock()
	g.stop()
	g.mu.Unlock()
	g.wg.Wait()
}

// runResult is what a Run returns once runCtx has ended: ErrClosed when the
// bus was closed while the caller's ctx was still live, nil otherwise.
func (g *runGroup) runResult(ctx context.Context) error {
	if ctx.Err() == nil && g.closed() {
		return ErrClosed
	}
	return nil
}

// handleAll calls handle with each event of batch, in order, while ctx
// lasts; it reports whether ctx still lasts.
func handleAll(ctx context.Context, batch []Event, handle func(Event)) bool {
	for _, ev := range batch {
		if ctx.Err() != nil {
			return false
		}
		handle(ev)
	}
	return ctx.Err() == nil
}

// idClock issues ids shaped like Redis Stream ids, "<unix ms>-<n>", that
// increase even when the wall clock stands still or steps back, so that ids
// stay unique across restarts of a process as well.
type idClock struct {
	ms, n int64
}

// next returns the id for an event published at now.
func (c *idClock) next(now time.Time) string {
	ms := now.UnixMilli()
	if ms > c.ms {
		c.ms, c.n = ms, 0
	} else {
		c.n++
	}
	return strconv.FormatInt(c.ms, 10) + "-" + strconv.FormatInt(c.n, 10)
}

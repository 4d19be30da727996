package events

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// MemoryOptions configures NewMemory. The zero value is ready to use.
type MemoryOptions struct {
	// DedupeWindow is how long a published event is remembered to recognise
	// its redeliveries; default DefaultDedupeWindow.
	DedupeWindow time.Duration
	// Now is the clock the window and the event ids are read from; default
	// time.Now. Tests set it to see a window pass without waiting for it.
	Now func() time.Time
}

// Memory is a Bus inside one process, for a gateway without Redis. Events
// reach the Runs of this process only, and nothing survives a restart.
type Memory struct {
	window time.Duration
	now    func() time.Time
	runs   *runGroup

	mu      sync.Mutex
	seen    map[[sha256.Size]byte]struct{}
	expiry  []seenEntry // the keys of seen, oldest first
	ids     idClock
	readers map[*memoryReader]struct{}
}

var _ Bus = (*Memory)(nil)

// seenEntry is one remembered event and when it is forgotten.
type seenEntry struct {
	key [sha256.Size]byte
	at  time.Time
}

// memoryReader is the queue of one Run: Publish appends to it, the Run
// drains it.
type memoryReader struct {
	queue []Event // guarded by Memory.mu
	wake  chan struct{}
}

// NewMemory returns an in-process bus.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.DedupeWindow <= 0 {
		opts.DedupeWindow = DefaultDedupeWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Memory{
		window:  opts.DedupeWindow,
		now:     opts.Now,
		runs:    newRunGroup(),
		seen:    make(map[[sha256.Size]byte]struct{}),
		readers: make(map[*memoryReader]struct{}),
	}
}

// Publish implements Publisher. It never blocks: every Run has an unbounded
// queue, which a handle that does not block keeps short.
func (m *Memory) Publish(ctx context.Context, name string, body []byte, receivedAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if m.runs.closed() {
		return false, ErrClosed
	}
	key := dedupeKey(name, body)

	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now() // under the lock: expiries are remembered in order
	m.forget(now)
	if _, dup := m.seen[key]; dup {
		return false, nil
	}
	m.seen[key] = struct{}{}
	m.expiry = append(m.expiry, seenEntry{key: key, at: now.Add(m.window)})
	ev := Event{ID: m.ids.next(now), Name: name, Body: body, ReceivedAt: receivedAt}
	for r := range m.readers {
		r.queue = append(r.queue, ev)
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	return true, nil
}

// forget drops the remembered events whose window has passed. The window is
// the same for all, so they expire in the order they were remembered.
func (m *Memory) forget(now time.Time) {
	n := 0
	for n < len(m.expiry) && !m.expiry[n].at.After(now) {
		delete(m.seen, m.expiry[n].key)
		n++
	}
	if n > 0 {
		m.expiry = m.expiry[n:]
	}
}

// Run implements Bus.
func (m *Memory) Run(ctx context.Context, handle func(Event)) error {
	runCtx, done, err := m.runs.start(ctx)
	if err != nil {
		return err
	}
	defer done()

	r := &memoryReader{wake: make(chan struct{}, 1)}
	m.mu.Lock()
	m.readers[r] = struct{}{}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.readers, r)
		m.mu.Unlock()
	}()

	for {
		select {
		case <-runCtx.Done():
			return m.runs.runResult(ctx)
		case <-r.wake:
		}
		m.mu.Lock()
		batch := r.queue
		r.queue = nil
		m.mu.Unlock()
		if !handleAll(runCtx, batch, handle) {
			return m.runs.runResult(ctx)
		}
	}
}

// Close implements Bus: it ends every Run and waits for them. It is
// idempotent.
func (m *Memory) Close() error {
	m.runs.close()
	return nil
}

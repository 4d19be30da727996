package events

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for RedisOptions.
const (
	defaultRedisPrefix    = "scoutgraph:v1:events:"
	defaultRedisMaxLen    = 10000
	defaultRedisBlock     = 2 * time.Second
	defaultRedisOpTimeout = 2 * time.Second
)

// Reading: entries per XREAD, and the backoff after a failed read.
const (
	readCount       = 100
	minReadBackoff  = 100 * time.Millisecond
	maxReadBackoff  = 5 * time.Second
	readBackoffStep = 2
)

// RedisOptions configures NewRedis. The zero value is ready to use.
type RedisOptions struct {
	// Prefix is put before every key; default "scoutgraph:v1:events:". The
	// keys are Prefix+"{stream}" (the stream), Prefix+"{stream}:seq" (its
	// sequence counter) and Prefix+"{stream}:seen:<sha256 hex>" (one dedupe
	// marker per event, expiring after DedupeWindow). They all share one
	// Redis Cluster hash slot, as the publish script needs: by "{stream}",
	// or by a hash tag in Prefix if it holds one.
	Prefix string
	// DedupeWindow is how long a dedupe marker lives; default
	// DefaultDedupeWindow.
	DedupeWindow time.Duration
	// MaxLen bounds the stream, approximately (XADD MAXLEN ~): Redis keeps
	// at least this many of the latest entries and trims whole nodes of
	// older ones. Default 10000. Memory is about MaxLen times the typical
	// body size. A replica more than MaxLen entries behind gets NameLost.
	MaxLen int64
	// Block is how long one XREAD waits for new entries; default 2s. A
	// Run returns as soon as its ctx ends; a read still waiting then ends by
	// itself within Block, and Close waits for it. go-redis gives a blocking
	// XREAD a read deadline of Block plus 10 seconds, whatever the client's
	// ReadTimeout, so a small ReadTimeout does not cut the wait short.
	Block time.Duration
	// OpTimeout bounds one Publish (or the caller's earlier deadline);
	// default 2s. It is enforced on the socket only by a client with
	// ContextTimeoutEnabled; otherwise the client's own timeouts apply.
	OpTimeout time.Duration
	// Logger receives outage and lost-event reports; default: discarded.
	Logger *slog.Logger
}

// publishScript dedupes and appends one event atomically.
//
// KEYS: stream, sequence counter, dedupe marker.
// ARGV: dedupe window in ms, max length, name, body, received at (Unix ns).
//
// It answers nil for a duplicate, else the new entry's id. The marker is
// checked first and set last: a script that fails before XADD has written at
// most the counter (whose skipped value a reader reports as NameLost, a
// harmless false alarm), never a marker without its entry. Redis refuses a
// script under OOM at its first write, the INCR, so nothing after it fails
// for memory.
var publishScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then
  return false
end
local seq = redis.call('INCR', KEYS[2])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
  'name', ARGV[3], 'body', ARGV[4], 'at', ARGV[5], 'seq', seq)
redis.call('SET', KEYS[3], id, 'PX', ARGV[1])
return id
`)

// Redis is a Bus on a Redis Stream, shared by every replica on one Redis.
// See the package documentation for why a stream and what a replica that
// falls behind sees.
type Redis struct {
	client    redis.UniversalClient
	stream    string
	seq       string
	seenPfx   string
	window    time.Duration
	maxLen    int64
	block     time.Duration
	opTimeout time.Duration
	log       *slog.Logger
	runs      *runGroup
}

var _ Bus = (*Redis)(nil)

// NewRedis returns a bus on client. The client stays the caller's: Close
// does not close it. It fails only for a prefix that would scatter the keys
// over several cluster slots (one holding an empty hash tag, "{}").
func NewRedis(client redis.UniversalClient, opts RedisOptions) (*Redis, error) {
	if client == nil {
		return nil, errors.New("events: redis bus: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = defaultRedisPrefix
	}
	if i := strings.IndexByte(opts.Prefix, '{'); i >= 0 && strings.HasPrefix(opts.Prefix[i:], "{}") {
		return nil, fmt.Errorf("events: redis bus: prefix %q holds an empty hash tag", opts.Prefix)
	}
	if opts.DedupeWindow <= 0 {
		opts.DedupeWindow = DefaultDedupeWindow
	}
	if opts.MaxLen <= 0 {
		opts.MaxLen = defaultRedisMaxLen
	}
	if opts.Block <= 0 {
		opts.Block = defaultRedisBlock
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = defaultRedisOpTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	stream := opts.Prefix + "{stream}"
	return &Redis{
		client:    client,
		stream:    stream,
		seq:       stream + ":seq",
		seenPfx:   stream + ":seen:",
		window:    opts.DedupeWindow,
		maxLen:    opts.MaxLen,
		block:     opts.Block,
		opTimeout: opts.OpTimeout,
		log:       opts.Logger,
		runs:      newRunGroup(),
	}, nil
}

// Publish implements Publisher. published is false for an event already on
// the bus, even one put there by an earlier attempt of this very call that
// go-redis retried after losing the reply.
func (r *Redis) Publish(ctx context.Context, name string, body []byte, receivedAt time.Time) (bool, error) {
	if r.runs.closed() {
		return false, ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, r.opTimeout)
	defer cancel()
	key := dedupeKey(name, body)
	keys := []string{r.stream, r.seq, r.seenPfx + hex.EncodeToString(key[:])}
	err := publishScript.Run(ctx, r.client, keys,
		r.window.Milliseconds(), r.maxLen, name, body, receivedAt.UnixNano()).Err()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("events: redis publish: %w", err)
	}
	return true, nil
}

// Run implements Bus. One goroutine reads the stream and hands batches to
// Run, which calls handle; when ctx ends Run returns at once, and a read
// still in flight ends within RedisOptions.Block.
func (r *Redis) Run(ctx context.Context, handle func(Event)) error {
	runCtx, done, err := r.runs.start(ctx)
	if err != nil {
		return err
	}
	defer done()

	batches := make(chan []Event)
	r.runs.wg.Go(func() { r.read(runCtx, batches) })
	for {
		select {
		case <-runCtx.Done():
			return r.runs.runResult(ctx)
		case batch := <-batches:
			if !handleAll(runCtx, batch, handle) {
				return r.runs.runResult(ctx)
			}
		}
	}
}

// Close implements Bus: it ends every Run and waits for their reads to end
// (at most RedisOptions.Block). It does not close the client. It is
// idempotent.
func (r *Redis) Close() error {
	r.runs.close()
	return nil
}

// cursor is a reader's position: the last entry seen and its sequence
// number (0: not known, so the next entry is not checked for a gap).
type cursor struct {
	id  string
	seq int64
}

// read sends out, in order, batches of the events added to the stream from
// the moment it starts, until ctx ends. Errors are retried with backoff,
// from the last entry seen.
func (r *Redis) read(ctx context.Context, out chan<- []Event) {
	var (
		cur     cursor
		placed  bool
		outages outage
	)
	for ctx.Err() == nil {
		var (
			batch []Event
			err   error
		)
		if placed {
			batch, err = r.next(ctx, &cur)
		} else {
			cur, err = r.start(ctx)
			placed = err == nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !sleep(ctx, outages.failed(r.log, err)) {
				return
			}
			continue
		}
		outages.recovered(r.log)
		if len(batch) == 0 {
			continue
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return
		}
	}
}

// start returns the position of the stream's last entry, so that reading
// begins with the next one; "0-0" for a stream that does not exist yet, so
// that its first entry is read.
func (r *Redis) start(ctx context.Context) (cursor, error) {
	msgs, err := r.client.XRevRangeN(ctx, r.stream, "+", "-", 1).Result()
	if err != nil {
		return cursor{}, fmt.Errorf("events: redis read position: %w", err)
	}
	if len(msgs) == 0 {
		return cursor{id: "0-0"}, nil
	}
	seq, _ := strconv.ParseInt(stringField(msgs[0].Values, "seq"), 10, 64)
	return cursor{id: msgs[0].ID, seq: seq}, nil
}

// next reads the entries after cur, waiting up to Block for one, and
// advances cur. A jump in the sequence numbers puts a NameLost event before
// the entry that follows the gap.
func (r *Redis) next(ctx context.Context, cur *cursor) ([]Event, error) {
	streams, err := r.client.XRead(ctx, &redis.XReadArgs{
		Streams: []string{r.stream, cur.id},
		Count:   readCount,
		Block:   r.block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("events: redis read: %w", err)
	}
	var batch []Event
	for _, s := range streams {
		for _, msg := range s.Messages {
			ev, seq, ok := r.decode(msg)
			if seq > 0 && cur.seq > 0 && seq != cur.seq+1 {
				batch = append(batch, r.lost(msg.ID, cur.seq, seq))
			}
			cur.id = msg.ID
			if seq > 0 {
				cur.seq = seq
			}
			if ok {
				batch = append(batch, ev)
			}
		}
	}
	return batch, nil
}

// decode turns a stream entry into an Event. seq is 0 when the entry has
// none; ok is false for an entry without a name, which is skipped.
func (r *Redis) decode(msg redis.XMessage) (ev Event, seq int64, ok bool) {
	seq, _ = strconv.ParseInt(stringField(msg.Values, "seq"), 10, 64)
	name := stringField(msg.Values, "name")
	if name == "" {
		r.log.Warn("events: skipping a stream entry without an event name", "stream", r.stream, "entry", msg.ID)
		return Event{}, seq, false
	}
	ev = Event{ID: msg.ID, Name: name, Body: []byte(stringField(msg.Values, "body"))}
	if ns, err := strconv.ParseInt(stringField(msg.Values, "at"), 10, 64); err == nil {
		ev.ReceivedAt = time.Unix(0, ns)
	}
	return ev, seq, true
}

// lost reports the events missing between the sequence numbers last and
// next (next not above last: Redis lost its data) and returns the NameLost
// event delivered before entry id.
func (r *Redis) lost(id string, last, next int64) Event {
	if next > last {
		r.log.Warn("events: events trimmed from the stream before this replica read them; delivering "+NameLost,
			"stream", r.stream, "missed", next-last-1, "before", id)
	} else {
		r.log.Warn("events: the stream's sequence went back (Redis lost its data); delivering "+NameLost,
			"stream", r.stream, "last_seq", last, "seq", next, "before", id)
	}
	return Event{ID: "lost-" + id, Name: NameLost, ReceivedAt: time.Now()}
}

// stringField returns the string value of a stream entry's field, or "".
func stringField(values map[string]any, field string) string {
	s, _ := values[field].(string)
	return s
}

// outage tracks consecutive read failures, so that an outage is logged once
// when it starts and once when it ends, not at every retry.
type outage struct {
	since    time.Time
	failures int
}

// failed records a failure, logs it if it starts an outage, and returns how
// long to wait before the next attempt.
func (o *outage) failed(log *slog.Logger, err error) time.Duration {
	if o.failures == 0 {
		o.since = time.Now()
		log.Warn("events: redis unavailable; retrying from the last event read", "err", err)
	}
	o.failures++
	backoff := minReadBackoff
	for i := 1; i < o.failures && backoff < maxReadBackoff; i++ {
		backoff *= readBackoffStep
	}
	return min(backoff, maxReadBackoff)
}

// recovered ends an outage, if one is going on, and logs it.
func (o *outage) recovered(log *slog.Logger) {
	if o.failures == 0 {
		return
	}
	log.Info("events: redis available again", "after", time.Since(o.since).Round(time.Millisecond), "failures", o.failures)
	*o = outage{}
}

// sleep waits for d, or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

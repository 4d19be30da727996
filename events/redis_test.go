package events

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisTwoReplicas runs two buses on one Redis with separate clients,
// as two replicas do: every event published on either is handled by both,
// once each and in the order published, and a redelivery is published
// once, from whichever replica it reaches.
func TestRedisTwoReplicas(t *testing.T) {
	opts := sharedRedisOptions(t)
	prefix := testPrefix(t, opts)
	busA := newRedisBus(t, newClient(t, opts), RedisOptions{Prefix: prefix})
	busB := newRedisBus(t, newClient(t, opts), RedisOptions{Prefix: prefix})
	gotA, gotB := newCollector(), newCollector()
	startRun(t, busA, gotA)
	startRun(t, busB, gotB)
	warmUp(t, busA, gotA, gotB)

	var want []string
	for i := range 20 {
		pub := Publisher(busA)
		if i%2 == 1 {
			pub = busB
		}
		body := fmt.Sprintf(`{"id":%d,"subject":"Ünïcödé 🎫"}`, i)
		if !publish(t, pub, ConvoCustomerReplyCreated, body) {
			t.Fatalf("event %d: published = false, want true", i)
		}
		want = append(want, ConvoCustomerReplyCreated+":"+body)
		if i == 7 {
			// FreeScout redelivers event 7, to one replica and then the other.
			for _, pub := range []Publisher{busA, busB} {
				if publish(t, pub, ConvoCustomerReplyCreated, body) {
					t.Fatal("redelivery: published = true, want false")
				}
			}
		}
	}
	// The same body under another event name is another event.
	body := `{"id":7,"subject":"Ünïcödé 🎫"}`
	if !publish(t, busB, ConvoNoteCreated, body) {
		t.Fatal("same body, other event: published = false, want true")
	}
	want = append(want, ConvoNoteCreated+":"+body)
	const end = `{"end":true}`
	publish(t, busA, CustomerUpdated, end)
	want = append(want, CustomerUpdated+":"+end)

	for name, c := range map[string]*collector{"A": gotA, "B": gotB} {
		got := after(c.waitBody(t, end))
		if g := names(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
			t.Errorf("replica %s handled\n%s\nwant\n%s", name, strings.Join(g, "\n"), strings.Join(want, "\n"))
		}
		for i, ev := range got {
			if i > 0 && !streamIDLess(got[i-1].ID, ev.ID) {
				t.Errorf("replica %s: ids out of order: %s then %s", name, got[i-1].ID, ev.ID)
			}
			if ev.ReceivedAt.IsZero() {
				t.Errorf("replica %s: event %s has no ReceivedAt", name, ev.ID)
			}
		}
	}
}

// TestRedisDedupeWindow: a redelivery within the window is not published
// again; the dedupe marker lives in Redis with the window as its TTL; once it
// is gone (deleted here, as Redis does when the TTL runs out) the same event
// is published again, and is a duplicate again after that. The window is an
// hour, and the test never waits for it: no assertion depends on how fast
// the machine or Redis is.
func TestRedisDedupeWindow(t *testing.T) {
	opts := sharedRedisOptions(t)
	prefix := testPrefix(t, opts)
	client := newClient(t, opts)
	const window = time.Hour
	bus := newRedisBus(t, client, RedisOptions{Prefix: prefix, DedupeWindow: window})
	body := `{"id":1}`
	if !publish(t, bus, ConvoCreated, body) {
		t.Fatal("first: published = false")
	}
	if publish(t, bus, ConvoCreated, body) {
		t.Fatal("redelivery within the window: published = true")
	}
	key := dedupeKey(ConvoCreated, []byte(body))
	marker := bus.seenPfx + fmt.Sprintf("%x", key)
	ttl, err := client.PTTL(t.Context(), marker).Result()
	if err != nil || ttl <= window/2 || ttl > window {
		t.Fatalf("the dedupe marker's TTL is %v (%v), want the window, %v", ttl, err, window)
	}
	if err := client.Del(t.Context(), marker).Err(); err != nil {
		t.Fatal(err)
	}
	if !publish(t, bus, ConvoCreated, body) {
		t.Fatal("after the window: published = false, want true")
	}
	if publish(t, bus, ConvoCreated, body) {
		t.Fatal("redelivery within the new window: published = true")
	}
}

// TestRedisPause pauses Redis (SIGSTOP) for 3 s while one replica publishes
// an event; its publish fails or waits, and is retried as FreeScout would
// redeliver. The other replica handles the event exactly once.
func TestRedisPause(t *testing.T) {
	srv := startRedisServer(t)
	const prefix = "pause:"
	logs := newLogRecorder()
	pub := newRedisBus(t, newClient(t, srv.options()), RedisOptions{Prefix: prefix, OpTimeout: 500 * time.Millisecond})
	sub := newRedisBus(t, newClient(t, srv.options()), RedisOptions{Prefix: prefix, Block: time.Second, Logger: slog.New(logs)})
	got := newCollector()
	startRun(t, sub, got)
	warmUp(t, pub, got)

	const body = `{"id":42,"subject":"during the pause"}`
	srv.signal(syscall.SIGSTOP)
	published := make(chan error, 1)
	failed := 0
	go func() {
		var err error
		failed, err = publishRetrying(pub, ConvoCreated, body)
		published <- err
	}()
	// The deliberate pause: Redis stays stopped for 3 s.
	pause := time.NewTimer(3 * time.Second)
	<-pause.C
	srv.signal(syscall.SIGCONT)
	if err := <-published; err != nil {
		t.Fatalf("publishing after Redis resumed: %v", err)
	}
	t.Logf("publish attempts that failed during the pause: %d", failed)

	const end = `{"end":true}`
	publish(t, pub, ConvoCreated, end)
	evs := after(got.waitBody(t, end))
	if n := countBody(evs, body); n != 1 {
		t.Fatalf("the paused event was handled %d times, want 1; events: %v", n, names(evs))
	}
	if len(evs) != 2 {
		t.Errorf("handled %v, want the paused event then the end", names(evs))
	}
}

// TestRedisRestart kills Redis and starts it again, empty (no persistence):
// the reading replica logs the outage once and its end once, delivers
// NameLost (what Redis held is gone) and then every event published after
// the restart.
func TestRedisRestart(t *testing.T) {
	srv := startRedisServer(t)
	const prefix = "restart:"
	logs := newLogRecorder()
	pub := newRedisBus(t, newClient(t, srv.options()), RedisOptions{Prefix: prefix})
	sub := newRedisBus(t, newClient(t, srv.options()), RedisOptions{Prefix: prefix, Block: time.Second, Logger: slog.New(logs)})
	got := newCollector()
	startRun(t, sub, got)
	warmUp(t, pub, got)
	publish(t, pub, ConvoCreated, `{"before":1}`)
	got.waitBody(t, `{"before":1}`)

	srv.kill()
	logs.waitFor(t, "events: redis unavailable")
	srv.start()
	logs.waitFor(t, "events: redis available again")

	for i := range 3 {
		if _, err := publishRetrying(pub, ConvoCreated, fmt.Sprintf(`{"after":%d}`, i)); err != nil {
			t.Fatalf("publishing after the restart: %v", err)
		}
	}
	evs := after(got.waitBody(t, `{"after":2}`))
	want := []string{ConvoCreated + `:{"before":1}`, NameLost + ":",
		ConvoCreated + `:{"after":0}`, ConvoCreated + `:{"after":1}`, ConvoCreated + `:{"after":2}`}
	if g := names(evs); strings.Join(g, " ") != strings.Join(want, " ") {
		t.Errorf("handled %v, want %v", g, want)
	}
	if n := logs.count("events: redis unavailable"); n != 1 {
		t.Errorf("outage logged %d times, want once; log: %v", n, logs.messages())
	}
	if n := logs.count("events: redis available again"); n != 1 {
		t.Errorf("recovery logged %d times, want once; log: %v", n, logs.messages())
	}
}

// TestRedisFallsBehind: a replica that falls further behind than MaxLen
// gets NameLost in place of the trimmed events, then the rest in order.
func TestRedisFallsBehind(t *testing.T) {
	opts := sharedRedisOptions(t)
	prefix := testPrefix(t, opts)
	pub := newRedisBus(t, newClient(t, opts), RedisOptions{Prefix: prefix, MaxLen: 10})
	sub := newRedisBus(t, newClient(t, opts), RedisOptions{Prefix: prefix})
	got := newCollector()
	gate := make(chan struct{})
	stalled := make(chan struct{})
	stall := func(ev Event) {
		got.handle(ev)
		if string(ev.Body) == `{"n":0}` {
			close(stalled)
			<-gate // the replica stops reading here
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sub.Run(ctx, stall) }()
	defer func() {
		cancel()
		<-done
	}()
	warmUp(t, pub, got)

	const total = 1000
	publish(t, pub, ConvoCreated, `{"n":0}`)
	<-stalled
	for i := 1; i < total; i++ {
		publish(t, pub, ConvoCreated, fmt.Sprintf(`{"n":%d}`, i))
	}
	close(gate)
	last := fmt.Sprintf(`{"n":%d}`, total-1)
	evs := after(got.waitBody(t, last))

	lost, prev := 0, -1
	for i, ev := range evs {
		if ev.Name == NameLost {
			lost++
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(string(ev.Body), `{"n":`), "}"))
		if err != nil {
			t.Fatalf("unexpected event %s:%s", ev.Name, ev.Body)
		}
		afterLost := i > 0 && evs[i-1].Name == NameLost
		switch {
		case n <= prev:
			t.Fatalf("event %d after %d", n, prev)
		case n != prev+1 && !afterLost:
			t.Fatalf("events %d to %d missing without NameLost", prev+1, n-1)
		case n == prev+1 && afterLost:
			t.Fatalf("NameLost before event %d, though none is missing", n)
		}
		prev = n
	}
	if lost != 1 {
		t.Fatalf("NameLost delivered %d times, want once: %v", lost, names(evs))
	}
	if len(evs) > total/2 {
		t.Errorf("handled %d events; with MaxLen 10 most of the %d should have been trimmed", len(evs), total)
	}
}

// TestRedisBlockedReadOutlastsReadTimeout runs the reader on a client
// whose ReadTimeout is half of Block: the blocking XREADs wait their whole
// Block without a single error. The ReadTimeout (1 s) also bounds the
// reader's plain commands (its first XREVRANGE), so it is kept far above
// what a loaded machine takes to answer one.
func TestRedisBlockedReadOutlastsReadTimeout(t *testing.T) {
	srv := startRedisServer(t)
	const prefix = "timeout:"
	logs := newLogRecorder()
	o := srv.options()
	o.ReadTimeout = time.Second
	sub := newRedisBus(t, newClient(t, o), RedisOptions{Prefix: prefix, Block: 2 * time.Second, Logger: slog.New(logs)})
	pub := newRedisBus(t, newClient(t, srv.options()), RedisOptions{Prefix: prefix})
	got := newCollector()
	startRun(t, sub, got)
	warmUp(t, pub, got)

	// Two more XREADs with nothing to read: whether Redis counts a blocking
	// command when it starts or when it ends, one of them has waited out its
	// whole Block.
	base := xreadCalls(t, srv)
	eventually(t, "two idle XREADs", func() bool { return xreadCalls(t, srv) >= base+2 })
	publish(t, pub, ConvoCreated, `{"late":true}`)
	got.waitBody(t, `{"late":true}`)
	if n := logs.count("events: redis unavailable"); n != 0 {
		t.Errorf("the reader reported an outage: %v", logs.messages())
	}
}

// publishRetrying publishes an event until Publish succeeds, as FreeScout
// redelivers until it gets a 2xx, for at most waitTimeout. It returns how
// many attempts failed, and the last error if none succeeded.
func publishRetrying(pub Publisher, name, body string) (failed int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for ctx.Err() == nil {
		if _, err = pub.Publish(ctx, name, []byte(body), time.Now()); err == nil {
			return failed, nil
		}
		failed++
	}
	return failed, err
}

// xreadCalls returns how many XREADs the server has run.
func xreadCalls(t testing.TB, srv *redisServer) int {
	t.Helper()
	stat := srv.info("commandstats", "cmdstat_xread") // calls=N,usec=...
	calls, _, _ := strings.Cut(strings.TrimPrefix(stat, "calls="), ",")
	n, _ := strconv.Atoi(calls)
	return n
}

// TestRedisRunEndsWithCtx: Run returns as soon as its ctx ends, while its
// XREAD is still blocked in Redis; Close then waits for that read.
func TestRedisRunEndsWithCtx(t *testing.T) {
	srv := startRedisServer(t)
	bus, err := NewRedis(newClient(t, srv.options()), RedisOptions{Prefix: "ctx:", Block: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- bus.Run(ctx, func(Event) {}) }()
	eventually(t, "the XREAD to block", func() bool { return srv.info("clients", "blocked_clients") == "1" })
	cancel()
	if err := awaitErr(t, done, "Run to return when its ctx ended"); err != nil {
		t.Fatalf("Run after its ctx ended: %v, want nil", err)
	}
	if b := srv.info("clients", "blocked_clients"); b != "1" {
		t.Fatalf("blocked_clients = %s after Run returned; the test needs the read still blocked", b)
	}
	// The read ends with the connection; Close waits for it.
	closed := make(chan error, 1)
	go func() { closed <- bus.Close() }()
	srv.kill()
	if err := awaitErr(t, closed, "Close to return once the read ended"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkClosed(t, bus)
}

// TestRedisCloseEndsRun: Close ends a running Run, which returns ErrClosed,
// and the closed bus refuses everything.
func TestRedisCloseEndsRun(t *testing.T) {
	opts := sharedRedisOptions(t)
	bus := newRedisBus(t, newClient(t, opts), RedisOptions{Prefix: testPrefix(t, opts), Block: 100 * time.Millisecond})
	checkCloseEndsRun(t, bus)
}

// TestNewRedisPrefix: every key shares one cluster slot, whatever the
// prefix; a prefix with an empty hash tag is refused.
func TestNewRedisPrefix(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	for _, tc := range []struct {
		prefix  string
		wantErr bool
	}{
		{prefix: ""},
		{prefix: "app:"},
		{prefix: "{tenant}:events:"},
		{prefix: "open{brace:"},
		{prefix: "bad{}:", wantErr: true},
	} {
		bus, err := NewRedis(client, RedisOptions{Prefix: tc.prefix})
		if tc.wantErr {
			if err == nil {
				t.Errorf("prefix %q: no error", tc.prefix)
			}
			continue
		}
		if err != nil {
			t.Errorf("prefix %q: %v", tc.prefix, err)
			continue
		}
		slot := hashTag(bus.stream)
		for _, key := range []string{bus.seq, bus.seenPfx + "00ff"} {
			if hashTag(key) != slot {
				t.Errorf("prefix %q: %s hashes on %q, the stream on %q", tc.prefix, key, hashTag(key), slot)
			}
		}
	}
	if tag := hashTag(defaultRedisPrefix + "{stream}"); tag != "stream" {
		t.Errorf("default keys hash on %q", tag)
	}
}

// hashTag returns what Redis Cluster hashes for key: the hash tag, or the
// whole key.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// streamIDLess reports whether stream id a comes before b.
func streamIDLess(a, b string) bool {
	ams, aseq, _ := strings.Cut(a, "-")
	bms, bseq, _ := strings.Cut(b, "-")
	am, _ := strconv.ParseUint(ams, 10, 64)
	bm, _ := strconv.ParseUint(bms, 10, 64)
	if am != bm {
		return am < bm
	}
	as, _ := strconv.ParseUint(aseq, 10, 64)
	bs, _ := strconv.ParseUint(bseq, 10, 64)
	return as < bs
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// The live mode (-live) measures what #9 promises:
//
//   - the conversation cache: the warm inbox (inbox-names) against a
//     gateway with CONVERSATION_CACHE_TTL=1m and one without, in the same
//     run: FreeScout calls per request, p50 of sequential requests, and
//     requests per second from liveClients concurrent clients;
//   - webhook to subscriber: two gateway processes on one real Redis
//     (REDIS_URL, default redis://127.0.0.1:6379/0) with liveSubscribers
//     WebSocket subscribers spread over them; signed deliveries are posted
//     to the first one by one, and every subscriber's receipt is timed
//     from the moment its delivery was posted (p50, p99 over all);
//   - memory per idle subscription: the growth of the second replica's
//     resident memory (and Go heap) once its subscribers are connected,
//     divided by their number;
//   - events per second one replica sustains: deliveries posted as fast as
//     liveSenders posters can, to one replica serving liveRateSubscribers
//     subscribers, until each has heard every event; subscribers dropped
//     for not keeping up are counted.
const (
	liveClients         = 8
	liveLoad            = 3 * time.Second
	liveSubscribers     = 1000
	liveEvents          = 40
	liveRateEvents      = 2000
	liveRateSubscribers = 100
	liveSenders         = 4
	// liveBatch is a burst of deliveries: below a subscription's buffer
	// (64), so that the rate measured is what the replica keeps up with.
	liveBatch = 32
)

// liveSubscription is what the benchmark's subscribers select: a webhook's
// body answers all of it, as it does for an inbox's live list.
const liveSubscription = `subscription { conversationEvents { id type conversation { id subject status } } }`

func runLive(ctx context.Context, o options, bin string, up *gatewaytest.Upstream, stderr io.Writer) (string, error) {
	var b strings.Builder
	fmt.Fprintln(stderr, "live: the conversation cache...")
	if err := liveCache(ctx, o, bin, up, &b); err != nil {
		return "", err
	}
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	fmt.Fprintln(stderr, "live: webhooks to subscribers...")
	if err := liveEventsBench(ctx, bin, up, redisURL, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// liveCache measures the warm inbox with the conversation cache off and on.
func liveCache(ctx context.Context, o options, bin string, up *gatewaytest.Upstream, b *strings.Builder) error {
	inbox := queries.InboxNames()
	fmt.Fprintf(b, "| warm %s, upstream latency %s | FreeScout calls per request | p50 | p95 | requests/s (%d clients) |\n|---|---|---|---|---|\n", inbox.Name, o.latency, liveClients)
	for _, ttl := range []string{"0", "1m"} {
		gw, err := gatewaytest.StartProcess(ctx, bin, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey, "LOG_LEVEL=error", "CONVERSATION_CACHE_TTL="+ttl)
		if err != nil {
			return err
		}
		env := &gatewaytest.Env{Upstream: up, URL: gw.URL}
		for range 2 { // cold, then warm
			if err := queries.Ask(ctx, env, inbox, nil); err != nil {
				gw.Stop()
				return err
			}
		}
		before := up.Total()
		var lat []time.Duration
		for range o.runs {
			start := time.Now()
			if err := queries.Ask(ctx, env, inbox, nil); err != nil {
				gw.Stop()
				return err
			}
			lat = append(lat, time.Since(start))
		}
		calls := float64(up.Total()-before) / float64(o.runs)
		rate, err := requestRate(ctx, env, inbox)
		gw.Stop()
		if err != nil {
			return err
		}
		name := "conversation cache off"
		if ttl != "0" {
			name = "conversation cache on (CONVERSATION_CACHE_TTL=" + ttl + ")"
		}
		fmt.Fprintf(b, "| %s | %.1f | %s | %s | %.0f |\n", name, calls, ms(percentile(lat, 50)), ms(percentile(lat, 95)), rate)
	}
	fmt.Fprintf(b, "\n%d sequential warm requests each after one cold and one warm; requests/s over %s of %d concurrent clients.\n\n", o.runs, liveLoad, liveClients)
	return nil
}

// requestRate is how many answers liveClients clients get per second,
// asking q in a loop for liveLoad.
func requestRate(ctx context.Context, env *gatewaytest.Env, q queries.Query) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, liveLoad)
	defer cancel()
	var n atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range liveClients {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := queries.Ask(ctx, env, q, nil); err != nil {
					if ctx.Err() == nil {
						failed.Store(err)
					}
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// subscriber is one benchmark subscription and when it heard each event.
type subscriber struct {
	sub   *gatewaytest.Subscription
	mu    sync.Mutex
	heard map[string]time.Time // subject → when
	err   error
}

func (s *subscriber) listen() {
	for {
		r, err := s.sub.Next(context.Background())
		at := time.Now()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			}
			return
		}
		var ev struct {
			ConversationEvents struct{ Conversation struct{ Subject string } }
		}
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &ev) != nil {
			s.mu.Lock()
			s.err = fmt.Errorf("event with errors: %+v", r.Errors)
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		s.heard[ev.ConversationEvents.Conversation.Subject] = at
		s.mu.Unlock()
	}
}

func (s *subscriber) count() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.heard), s.err
}

// liveCallers are the benchmark's subscribing callers: a caller may hold
// 200 subscriptions on one replica, so the subscribers are spread over
// them, as the agents of a helpdesk are.
const liveCallers = 20

// liveToken is the token of benchmark caller i.
func liveToken(i int) string { return fmt.Sprintf("bench-live-caller-%d", i) }

// liveTokensFile writes the AUTH_TOKENS_FILE of the live callers into dir.
func liveTokensFile(dir string) (string, error) {
	var entries []string
	for i := range liveCallers {
		sum := sha256.Sum256([]byte(liveToken(i)))
		entries = append(entries, fmt.Sprintf(`{"name":"agent-%d","tokenSha256":%q,"scopes":["read"]}`, i, hex.EncodeToString(sum[:])))
	}
	path := filepath.Join(dir, "live-tokens.json")
	return path, os.WriteFile(path, []byte(`{"callers":[`+strings.Join(entries, ",")+`]}`), 0o600)
}

// subscribe connects n subscribers to the gateway at url, taking turns
// among the callers.
func subscribe(ctx context.Context, url string, n int) ([]*subscriber, error) {
	subs := make([]*subscriber, 0, n)
	for i := range n {
		h := http.Header{"Authorization": {"Bearer " + liveToken(i%liveCallers)}}
		sub, err := gatewaytest.SubscribeWS(ctx, url, h, liveSubscription, nil)
		if err != nil {
			return subs, err
		}
		s := &subscriber{sub: sub, heard: map[string]time.Time{}}
		go s.listen()
		subs = append(subs, s)
	}
	return subs, waitServing(ctx, url, n)
}

// waitServing waits until the gateway at url serves n subscriptions.
func waitServing(ctx context.Context, url string, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := gatewaytest.Subscriptions(ctx, url)
		if err == nil && got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s serves %d subscriptions, want %d (%v)", url, got, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitHeard waits until every subscriber heard n events, or one failed.
func waitHeard(subs []*subscriber, n int) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		done := true
		for _, s := range subs {
			c, err := s.count()
			if err != nil {
				return err
			}
			if c < n {
				done = false
			}
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("subscribers did not hear %d events within 5 minutes", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// post delivers one signed convo.status event to the gateway at url.
func post(ctx context.Context, url, subject string) error {
	body, _ := json.Marshal(map[string]any{"id": 1, "number": 1, "subject": subject, "status": "active", "state": "published", "mailboxId": 1, "type": "email"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/webhooks/freescout", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/hal+json")
	req.Header.Set("X-FreeScout-Event", "convo.status")
	req.Header.Set("X-FreeScout-Signature", emulator.SignWebhook(body, emulator.DefaultWebhookSecret()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("delivery answered %d", res.StatusCode)
	}
	return nil
}

var (
	rssMetric  = regexp.MustCompile(`(?m)^process_resident_memory_bytes ([0-9.e+]+)`)
	heapMetric = regexp.MustCompile(`(?m)^go_memstats_heap_inuse_bytes ([0-9.e+]+)`)
)

// memory reads the resident memory and Go heap in use of the gateway at url.
func memory(ctx context.Context, url string) (rss, heap float64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	text, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, 0, err
	}
	m1, m2 := rssMetric.FindSubmatch(text), heapMetric.FindSubmatch(text)
	if m1 == nil || m2 == nil {
		return 0, 0, errors.New("no memory metrics")
	}
	rss, _ = strconv.ParseFloat(string(m1[1]), 64)
	heap, _ = strconv.ParseFloat(string(m2[1]), 64)
	return rss, heap, nil
}

// liveEventsBench measures webhook-to-subscriber latency, memory per
// subscription and the event rate one replica sustains.
func liveEventsBench(ctx context.Context, bin string, up *gatewaytest.Upstream, redisURL string, b *strings.Builder) error {
	prefix := fmt.Sprintf("scoutgraph:bench%d:", time.Now().UnixNano())
	tokens, err := liveTokensFile(filepath.Dir(bin))
	if err != nil {
		return err
	}
	settings := []string{"AUTH=tokens", "AUTH_TOKENS_FILE=" + tokens, "FREESCOUT_URL=" + up.URL, "FREESCOUT_API_KEY=" + gatewaytest.APIKey, "LOG_LEVEL=error",
		"REDIS_URL=" + redisURL, "REDIS_PREFIX=" + prefix, "WEBHOOK_SECRET=" + emulator.DefaultWebhookSecret(), "MAX_CONNECTIONS=20000"}
	a, err := gatewaytest.StartProcess(ctx, bin, settings...)
	if err != nil {
		return err
	}
	defer a.Stop()
	r, err := gatewaytest.StartProcess(ctx, bin, settings...)
	if err != nil {
		return err
	}
	defer r.Stop()

	rss0, heap0, err := memory(ctx, r.URL)
	if err != nil {
		return err
	}
	half := liveSubscribers / 2
	onA, err := subscribe(ctx, a.URL, half)
	defer closeAll(onA)
	if err != nil {
		return err
	}
	onB, err := subscribe(ctx, r.URL, liveSubscribers-half)
	defer closeAll(onB)
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // let the heap settle before it is read
	rss1, heap1, err := memory(ctx, r.URL)
	if err != nil {
		return err
	}
	all := append(append([]*subscriber{}, onA...), onB...)

	sent := map[string]time.Time{}
	for i := range liveEvents {
		subject := fmt.Sprintf("latency %d", i)
		sent[subject] = time.Now()
		if err := post(ctx, a.URL, subject); err != nil {
			return err
		}
		if err := waitHeard(all, i+1); err != nil {
			return err
		}
	}
	var lat, latA, latB []time.Duration
	for i, s := range all {
		s.mu.Lock()
		for subject, at := range s.heard {
			d := at.Sub(sent[subject])
			lat = append(lat, d)
			if i < half {
				latA = append(latA, d)
			} else {
				latB = append(latB, d)
			}
		}
		s.mu.Unlock()
	}
	fmt.Fprintf(b, "| webhook → subscriber, %d subscribers on two replicas, one Redis | p50 | p99 | max |\n|---|---|---|---|\n", liveSubscribers)
	fmt.Fprintf(b, "| all %d receipts | %s | %s | %s |\n", len(lat), ms(percentile(lat, 50)), ms(percentile(lat, 99)), ms(percentile(lat, 100)))
	fmt.Fprintf(b, "| on the replica that received the webhook | %s | %s | %s |\n", ms(percentile(latA, 50)), ms(percentile(latA, 99)), ms(percentile(latA, 100)))
	fmt.Fprintf(b, "| on the other replica (through Redis) | %s | %s | %s |\n", ms(percentile(latB, 50)), ms(percentile(latB, 99)), ms(percentile(latB, 100)))
	fmt.Fprintf(b, "\n%d deliveries posted one at a time to one replica (the next once every subscriber heard the last); each receipt timed from its delivery's POST.\n\n", liveEvents)
	n := float64(liveSubscribers - half)
	fmt.Fprintf(b, "memory per idle subscription (WebSocket connection included), replica with %d: %.1f KiB resident, %.1f KiB Go heap\n\n", int(n), (rss1-rss0)/n/1024, (heap1-heap0)/n/1024)
	closeAll(onA)
	closeAll(onB)

	// The sustained rate: one replica, liveRateSubscribers subscribers.
	rate, err := subscribe(ctx, a.URL, liveRateSubscribers)
	defer closeAll(rate)
	if err != nil {
		return err
	}
	start := time.Now()
	for sent := 0; sent < liveRateEvents; sent += liveBatch {
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Value
		for range liveSenders {
			wg.Go(func() {
				for {
					i := next.Add(1)
					if i > liveBatch {
						return
					}
					if err := post(ctx, a.URL, fmt.Sprintf("rate %d", sent+int(i))); err != nil {
						failed.Store(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			return err
		}
		if err := waitHeard(rate, sent+liveBatch); err != nil {
			return fmt.Errorf("sustained rate: %w", err)
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintf(b, "events per second one replica sustains: %.0f, that is %.0f event answers per second (%d deliveries posted by %d posters in bursts of %d, each burst heard by every one of %d subscribers before the next: %s in all, no subscriber dropped)\n",
		liveRateEvents/elapsed.Seconds(), liveRateEvents*liveRateSubscribers/elapsed.Seconds(), liveRateEvents, liveSenders, liveBatch, liveRateSubscribers, elapsed.Round(time.Millisecond))
	return nil
}

func closeAll(subs []*subscriber) {
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Go(s.sub.Close)
	}
	wg.Wait()
}

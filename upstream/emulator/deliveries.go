package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// AppKey is the APP_KEY of the emulated FreeScout install, in Laravel's form with its
// literal "base64:" prefix. DefaultWebhookSecret is derived from it.
const AppKey = "base64:c2NvdXRncmFwaCBlbXVsYXRvciBBUFBfS0VZIDAwMDE="

// DeriveWebhookSecret returns the webhook "Secret Key" FreeScout derives from an APP_KEY
// (the whole value, "base64:" prefix included): the hex MD5 of the key followed by
// "webhook_key".
func DeriveWebhookSecret(appKey string) string {
	sum := md5.Sum([]byte(appKey + "webhook_key"))
	return hex.EncodeToString(sum[:])
}

// DefaultWebhookSecret returns the secret deliveries are signed with when
// Options.WebhookSecret is empty: DeriveWebhookSecret(AppKey).
func DefaultWebhookSecret() string { return DeriveWebhookSecret(AppKey) }

// DefaultWebhookRetryDelays returns the retry schedule used when
// Options.WebhookRetryDelays is nil: ten retries, 100 ms apart, as many as FreeScout makes
// but quick enough for tests.
func DefaultWebhookRetryDelays() []time.Duration {
	return slices.Repeat([]time.Duration{100 * time.Millisecond}, 10)
}

// FreeScoutWebhookRetryDelays returns a schedule like a real install's: ten retries over
// about two hours, backing off from a minute to half an hour. (FreeScout documents the
// count and the span, not each wait.)
func FreeScoutWebhookRetryDelays() []time.Duration {
	m := time.Minute
	return []time.Duration{m, 2 * m, 4 * m, 8 * m, 15 * m, 15 * m, 15 * m, 15 * m, 15 * m, 30 * m}
}

// SignWebhook returns the X-FreeScout-Signature of a delivery body: the base64 of its
// HMAC-SHA1 under the secret.
func SignWebhook(body []byte, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DeliveryAttempt is one attempt to deliver a webhook event (see Emulator.Deliveries).
type DeliveryAttempt struct {
	// WebhookID and URL name the webhook, Event the event.
	WebhookID int
	URL       string
	Event     string
	// Attempt counts the attempts of this delivery: 1 for the first.
	Attempt int
	// Status is the HTTP status the receiver answered; 0 when no answer came.
	Status int
	// Error says why the attempt failed; empty when the receiver answered 2xx.
	Error string
	// At is when the attempt was made.
	At time.Time
}

// delivery is one event for one webhook. Its body is rendered and encoded when the event
// happens, so every attempt sends the same bytes.
type delivery struct {
	hookID   int
	url      string
	event    string
	body     []byte
	attempts int // made so far
}

// dispatcher sends deliveries asynchronously: each waits on a timer for its time, then a
// goroutine of its own makes the attempt. No goroutine runs between attempts.
type dispatcher struct {
	client  *http.Client
	ownsTr  bool // client is the default one, whose idle connections Close may drop
	secret  string
	delay   time.Duration
	retries []time.Duration
	record  func(hookID int, at time.Time, failure string) bool // false: the webhook is gone
	exists  func(hookID int) bool

	ctx    context.Context // cancelled by Close: ends attempts in flight
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	timers map[*delivery]*time.Timer // deliveries waiting for their time
	log    []DeliveryAttempt
	active int           // deliveries waiting for their time or in flight
	idle   chan struct{} // closed while active is 0
}

func newDispatcher(opts Options, record func(hookID int, at time.Time, failure string) bool, exists func(hookID int) bool) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{
		client:  opts.WebhookClient,
		secret:  opts.WebhookSecret,
		delay:   opts.WebhookDelay,
		retries: opts.WebhookRetryDelays,
		record:  record,
		exists:  exists,
		ctx:     ctx,
		cancel:  cancel,
		timers:  map[*delivery]*time.Timer{},
		idle:    make(chan struct{}),
	}
	close(d.idle)
	if d.client == nil {
		d.client = &http.Client{
			Transport: documentationGuard{next: http.DefaultTransport.(*http.Transport).Clone()},
			Timeout:   30 * time.Second,
		}
		d.ownsTr = true
	}
	if d.secret == "" {
		d.secret = DefaultWebhookSecret()
	}
	if d.retries == nil {
		d.retries = DefaultWebhookRetryDelays()
	}
	return d
}

// enqueue schedules the deliveries after the configured delay. After Close it drops them.
func (d *dispatcher) enqueue(out []delivery) {
	for i := range out {
		d.schedule(&out[i], d.delay)
	}
}

func (d *dispatcher) schedule(job *delivery, after time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if d.active == 0 {
		d.idle = make(chan struct{})
	}
	d.active++
	d.timers[job] = time.AfterFunc(after, func() { d.run(job) })
}

// finish notes that a delivery scheduled by schedule is done with; the caller holds mu.
func (d *dispatcher) finish() {
	d.active--
	if d.active == 0 {
		close(d.idle)
	}
}

// run makes one attempt of job and, when it fails, schedules the next one. A webhook
// deleted before its delivery's time gets no attempt.
func (d *dispatcher) run(job *delivery) {
	defer func() {
		d.mu.Lock()
		d.finish()
		d.mu.Unlock()
	}()
	d.mu.Lock()
	delete(d.timers, job)
	closed := d.closed
	d.mu.Unlock()
	if closed || !d.exists(job.hookID) {
		return
	}
	job.attempts++
	at := time.Now().UTC()
	status, failure := d.post(job)
	exists := d.record(job.hookID, at, failure)
	d.mu.Lock()
	d.log = append(d.log, DeliveryAttempt{
		WebhookID: job.hookID, URL: job.url, Event: job.event, Attempt: job.attempts,
		Status: status, Error: failure, At: at,
	})
	d.mu.Unlock()
	// A webhook deleted meanwhile gets no retry, as FreeScout drops its queued deliveries.
	if failure != "" && exists && job.attempts <= len(d.retries) {
		d.schedule(job, d.retries[job.attempts-1])
	}
}

// post sends job once and returns the receiver's status (0 without an answer) and why it
// failed ("" for a 2xx answer).
func (d *dispatcher) post(job *delivery) (int, string) {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, job.url, bytes.NewReader(job.body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/hal+json")
	req.Header.Set("X-FreeScout-Event", job.event)
	req.Header.Set("X-FreeScout-Signature", SignWebhook(job.body, d.secret))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, "the receiver answered " + resp.Status
	}
	return resp.StatusCode, ""
}

// attempts returns a copy of the delivery log.
func (d *dispatcher) attempts() []DeliveryAttempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.log)
}

// stop drops the deliveries waiting for their time and makes enqueue drop new ones.
func (d *dispatcher) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	for job, t := range d.timers {
		if t.Stop() {
			d.finish() // its run will never start
		}
		delete(d.timers, job)
	}
}

// wait waits until no delivery is waiting for its time or in flight, or until ctx is done.
func (d *dispatcher) wait(ctx context.Context) error {
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shutdown stops the dispatcher and waits for the attempts in flight until ctx is done;
// then it cancels them, waits for them to end and returns ctx's error.
func (d *dispatcher) shutdown(ctx context.Context) error {
	d.stop()
	err := d.wait(ctx)
	if err != nil {
		d.cancel()
		_ = d.wait(context.Background()) // cancelled attempts end promptly
	}
	d.cancel()
	if d.ownsTr {
		d.client.CloseIdleConnections()
	}
	return err
}

// documentationGuard is the default delivery transport's gate: it refuses hosts reserved for
// documentation (RFC 2606), where no receiver can be, without touching the network.
type documentationGuard struct {
	next http.RoundTripper
}

func (g documentationGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	if host := strings.ToLower(strings.TrimSuffix(r.URL.Hostname(), ".")); reservedForDocs(host) {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("emulator: %s is reserved for documentation (RFC 2606): no delivery is sent there", host)
	}
	return g.next.RoundTrip(r)
}

// reservedForDocs reports whether host is example.com, example.net, example.org, one of
// their subdomains, or in the .example, .test or .invalid top-level domains.
func reservedForDocs(host string) bool {
	for _, domain := range []string{"example.com", "example.net", "example.org"} {
		if host == domain || strings.HasSuffix(host, "."+domain) {
			return true
		}
	}
	for _, tld := range []string{"example", "test", "invalid"} {
		if host == tld || strings.HasSuffix(host, "."+tld) {
			return true
		}
	}
	return false
}

// recordRun notes a delivery attempt on its webhook, as lastRunTime and lastRunError, and
// reports whether the webhook still exists.
func (e *Emulator) recordRun(hookID int, at time.Time, failure string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	h := e.db.webhooks[hookID]
	if h == nil {
		return false
	}
	h.lastRunTime, h.lastRunError = at.Truncate(time.Second), failure
	return true
}

// hookExists reports whether the webhook still exists.
func (e *Emulator) hookExists(hookID int) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.db.webhooks[hookID] != nil
}

// WebhookSecret returns the secret webhook deliveries are signed with (see
// Options.WebhookSecret).
func (e *Emulator) WebhookSecret() string { return e.hooks.secret }

// Deliveries returns every webhook delivery attempt made so far, oldest first.
func (e *Emulator) Deliveries() []DeliveryAttempt { return e.hooks.attempts() }

// WaitDeliveries waits until no webhook delivery is waiting for its time (the delay or a
// retry) or in flight: every delivery queued so far has succeeded, run out of retries or
// been dropped. It returns ctx's error when ctx is done first. A write that returned has
// queued its deliveries, so after it and WaitDeliveries, Deliveries lists all their
// attempts.
func (e *Emulator) WaitDeliveries(ctx context.Context) error { return e.hooks.wait(ctx) }

// Shutdown stops webhook deliveries: those waiting for their time (the delay or a retry)
// are dropped, later writes queue none, and the attempts in flight are waited for. When
// ctx is done first, Shutdown cancels them, waits for them to end and returns ctx's error.
// The API keeps answering.
func (e *Emulator) Shutdown(ctx context.Context) error { return e.hooks.shutdown(ctx) }

// Close is Shutdown without waiting: attempts in flight are cancelled at once (and waited
// for until they return). It always returns nil; calling it again does nothing more.
func (e *Emulator) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = e.hooks.shutdown(ctx)
	return nil
}

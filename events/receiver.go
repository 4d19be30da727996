package events

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// The results a Receiver reports to ReceiverOptions.Observe, one per
// request, for a metric's label.
const (
	ResultPublished        = "published"         // 204, on the bus
	ResultDuplicate        = "duplicate"         // 204, a redelivery already on the bus
	ResultIgnored          = "ignored"           // 202, signed but not one of FreeScout's events
	ResultBadSignature     = "bad_signature"     // 401, missing or wrong X-FreeScout-Signature
	ResultTooLarge         = "too_large"         // 413, body over MaxBodyBytes
	ResultBadRequest       = "bad_request"       // 400 or 405: no event name, not a JSON object, not a POST, unreadable body
	ResultUnsupportedMedia = "unsupported_media" // 415, neither application/hal+json nor application/json
	ResultBusError         = "bus_error"         // 503, the bus did not take the event
	ResultDisabled         = "disabled"          // 404, no secret configured
)

// Headers of a FreeScout webhook delivery.
const (
	HeaderEvent     = "X-FreeScout-Event"
	HeaderSignature = "X-FreeScout-Signature"
)

// defaultMaxBodyBytes bounds a webhook body: FreeScout sends a conversation
// with its threads, well under this.
const defaultMaxBodyBytes = 1 << 20

// ReceiverOptions configures NewReceiver. The zero value is ready to use.
type ReceiverOptions struct {
	// MaxBodyBytes bounds the body; default 1 MiB. Over it: 413.
	MaxBodyBytes int64
	// Logger receives rejected deliveries (at Debug, Warn for bus errors
	// and unknown events), never the secret or the signature; default:
	// discarded.
	Logger *slog.Logger
	// Observe, if set, is called once per request with one of the Result
	// constants.
	Observe func(result string)
}

// receiver is the handler NewReceiver returns.
type receiver struct {
	secret  []byte
	bus     Publisher
	limit   int64
	log     *slog.Logger
	observe func(string)
}

// NewReceiver returns the handler for FreeScout's webhook deliveries (POST
// /webhooks/freescout), which publishes each verified delivery on bus. See
// the package documentation for every answer it gives. An empty secret
// gives a handler that answers 404 to everything.
func NewReceiver(secret string, bus Publisher, opts ReceiverOptions) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = defaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observe == nil {
		opts.Observe = func(string) {}
	}
	if secret == "" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			opts.Observe(ResultDisabled)
			http.NotFound(w, r)
		})
	}
	return &receiver{
		secret:  []byte(secret),
		bus:     bus,
		limit:   opts.MaxBodyBytes,
		log:     opts.Logger,
		observe: opts.Observe,
	}
}

// ServeHTTP implements http.Handler.
func (h *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	receivedAt := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, ResultBadRequest, "method not allowed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.reject(w, r, http.StatusRequestEntityTooLarge, ResultTooLarge, "body too large")
			return
		}
		h.reject(w, r, http.StatusBadRequest, ResultBadRequest, "unreadable body")
		return
	}
	if !h.signed(r.Header.Get(HeaderSignature), body) {
		h.reject(w, r, http.StatusUnauthorized, ResultBadSignature, "bad signature")
		return
	}
	if !jsonMediaType(r.Header.Get("Content-Type")) {
		h.reject(w, r, http.StatusUnsupportedMediaType, ResultUnsupportedMedia, "unsupported content type")
		return
	}
	name := strings.TrimSpace(r.Header.Get(HeaderEvent))
	if name == "" {
		h.reject(w, r, http.StatusBadRequest, ResultBadRequest, "missing "+HeaderEvent)
		return
	}
	if !jsonObject(body) {
		h.reject(w, r, http.StatusBadRequest, ResultBadRequest, "body is not a JSON object")
		return
	}
	if !IsFreeScoutEvent(name) {
		h.log.Warn("events: webhook: ignoring an event FreeScout does not document", "event", name)
		h.observe(ResultIgnored)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	published, err := h.bus.Publish(r.Context(), name, body, receivedAt)
	if err != nil {
		h.log.Warn("events: webhook: publishing failed; FreeScout will redeliver", "event", name, "err", err)
		h.observe(ResultBusError)
		http.Error(w, "event bus unavailable", http.StatusServiceUnavailable)
		return
	}
	if published {
		h.observe(ResultPublished)
	} else {
		h.observe(ResultDuplicate)
	}
	w.WriteHeader(http.StatusNoContent)
}

// reject answers a delivery that is not published.
func (h *receiver) reject(w http.ResponseWriter, r *http.Request, status int, result, reason string) {
	h.log.Debug("events: webhook rejected", "status", status, "reason", reason, "remote", r.RemoteAddr)
	h.observe(result)
	http.Error(w, reason, status)
}

// signed reports whether header is base64(HMAC-SHA1(body, secret)),
// comparing in constant time.
func (h *receiver) signed(header string, body []byte) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) == 0 {
		return false
	}
	mac := hmac.New(sha1.New, h.secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// jsonMediaType reports whether contentType is application/hal+json or
// application/json, whatever its parameters.
func jsonMediaType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/hal+json" || mt == "application/json")
}

// jsonObject reports whether body is one valid JSON object.
func jsonObject(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(body)
}

// Package events holds the transport-independent core of scoutgraph's live
// events: the receiver of FreeScout's webhooks, the event bus that carries
// them to every gateway replica, and the in-process hub that fans them out to
// the subscriptions of one replica.
//
//	FreeScout ──POST /webhooks/freescout──▶ Receiver ──Publish──▶ Bus
//	Bus.Run (on every replica) ──handle──▶ Hub.Publish ──▶ Subscription channels
//
// Decoding bodies into FreeScout types, GraphQL resolvers, cache invalidation
// and the wiring are not here: an Event carries FreeScout's event name and
// the raw body, as received.
//
// # Receiver
//
// NewReceiver returns the http.Handler for POST /webhooks/freescout. It reads
// the raw body (at most ReceiverOptions.MaxBodyBytes, 413 over it), checks
// X-FreeScout-Signature = base64(HMAC-SHA1(raw body, secret)) in constant
// time over the bytes as received, takes the event name only from the
// X-FreeScout-Event header, and publishes the event on the bus before it
// answers. Decisions where the contract is silent:
//
//   - An empty secret disables the route: NewReceiver returns a handler that
//     answers 404 to everything, so an unconfigured gateway neither accepts
//     unsigned deliveries nor reveals that it could take signed ones.
//   - The signature is checked before anything about the request other than
//     its method and size is looked at, so an unsigned caller learns nothing
//     but 401.
//   - A signed delivery whose event name is well formed but not one of
//     FreeScout's 12 events (a newer FreeScout, say) is answered 202 and not
//     published: FreeScout resends every non-2xx answer, and resending cannot
//     make the name known. A missing X-FreeScout-Event header is a malformed
//     request: 400.
//   - A method other than POST is answered 405.
//   - Content types other than application/hal+json and application/json
//     (any parameters, such as charset) are answered 415; a body that is not
//     a JSON object, 400.
//   - Published and duplicate deliveries are both answered 204, so FreeScout
//     stops resending; a bus error is answered 503, so it resends.
//
// # Bus
//
// A Bus carries events to every replica. Publish returns once the event is
// on the bus, and publishes a redelivery (same name, identical body) only
// once within a dedupe window (default 3 h; FreeScout resends a failed
// delivery up to 10 times over about 2 hours). Run delivers, in order, every
// event published from the moment it starts.
//
// NewMemory is the bus of a gateway without Redis: events reach the Runs of
// that process only.
//
// NewRedis is shared by every replica on one Redis. It keeps events in a
// Redis Stream, not Pub/Sub: Pub/Sub delivers a message only to subscribers
// connected at that moment, so a replica whose connection blips for a few
// seconds silently misses what was published meanwhile. Each replica instead
// reads the stream with XREAD from the id of the last entry it has seen;
// after an error it backs off and reads again from that id, so every entry
// added meanwhile is still there to read. (Run positions itself at the
// stream's last entry when it starts; if Redis does not answer then, it
// retries, and delivery starts from when Redis first answers.)
//
// Dedupe and append happen in one Lua script (see RedisOptions for the
// keys): it checks the dedupe marker, increments the sequence counter,
// appends the entry and only then sets the marker. A script that fails
// before its append has written at most the counter, never a marker without
// its entry; Redis refuses a script for memory only at its first write.
// So a redelivery after any failure, even one that lost only the reply, is
// either appended or found to be there already: never lost, never doubled.
// Publish returns once Redis has run the script; the event is then as
// durable as Redis itself (with replication, a failover may lose what the
// replica had not received yet).
//
// The stream is trimmed to about RedisOptions.MaxLen entries (XADD MAXLEN ~).
// A replica that falls further behind than that (a long outage of its own
// while others keep publishing) cannot read what was trimmed. Every entry
// carries a sequence number from a counter incremented by the same script,
// so the reader notices the jump and delivers, in place of what is gone, one
// Event named NameLost before the next entry it can read. It does the same
// when the counter goes backwards, which means Redis lost its data (a restart
// without persistence): events accepted before that and not yet read are
// gone. A consumer that keeps caches should drop them on NameLost.
//
// # Hub
//
// A Hub fans events out to the subscriptions of one replica. Publish never
// blocks: every subscription has a bounded buffer, and one whose buffer is
// full is dropped with ErrTooSlow while the others go on receiving.
package events

// Package emulator is an in-memory FreeScout helpdesk API (the "API & Webhooks" module) served
// as an http.Handler, which also delivers webhooks as FreeScout does.
//
// It answers the 24 endpoints of the FreeScout API reference (../shared/freescout-api.md) and
// GET /api/webhooks with the reference's JSON shapes, key for key, and by default behaves as a
// current install does where the reference's "What real clients show" says real installs
// differ from the docs: 201 answers carry the created object as JSON (rendered as the matching
// read renders it; a new thread as it appears in _embedded.threads) besides the Resource-ID
// header; every date reads 2021-04-21T13:24:01Z; conversation list items count their threads
// in threadsCount and always carry _embedded; conversation updates add line-item threads.
// FreeScout's other quirks stay: custom-field options that arrive as an object, null or "",
// the list status filter defaulting to "active", 204 answers without a body and error bodies
// with or without an errorCode.
//
// New (or Open, which returns an error instead of panicking on bad Options) loads
// deterministic sample data (three mailboxes, ten users, fifty customers and 240
// conversations dated before a fixed reference time) that writes then change in memory.
// Latency, fault injection and per-route request counts make it useful for tests and
// benchmarks; the gateway's demo mode and frontend developers use it standalone.
//
// # Module versions
//
// Options.ModuleVersion emulates an older API & Webhooks module (CurrentModuleVersion by
// default). These are the gates, as ModuleGates returns them:
//
//	since    gate                                                 before that version
//	1.0.21   colon dates                                          timelogs, users and mailboxes date 2021-04-21T13-24-01Z
//	1.0.21*  201 bodies                                           201 answers carry only the Resource-ID header
//	1.0.21*  list threadsCount                                    list items count threads in "threads", _embedded only when embedding
//	1.0.42   state filter                                         state is ignored
//	1.0.43   conversation pageSize                                pageSize is ignored: 50 conversations a page
//	1.0.45   unassigned filter                                    an empty assignedTo= is ignored
//	1.0.55   type, subject, customerPhone, tag, createdSince filters  those filters are ignored
//	1.0.71   pageSize on other lists                              pageSize is ignored: 50 items a page
//	1.0.73   createdBy filters                                    createdByUserId and createdByCustomerId are ignored
//	1.0.77   status list                                          status=active,pending matches every status
//
// (*) The version is not known; the emulator changes it with the date fix, so that v1.0.20
// is an old module throughout. An ignored filter is not checked either: like FreeScout with
// any unknown parameter, an older module silently lists more than was asked for.
//
// # Optional modules
//
// Options.WithoutModules leaves out FreeScout modules the API relies on: "tags",
// "customfields", "crm" (customer fields) and "timetracking". Their endpoints (GET /api/tags
// and PUT /api/conversations/{id}/tags; GET /api/mailboxes/{id}/custom_fields and
// PUT /api/conversations/{id}/custom_fields; PUT /api/customers/{id}/customer_fields;
// GET /api/conversations/{id}/timelogs) answer 400 with FreeScout's error body: a message
// that the module ("Tags", "Custom Fields", "CRM", "Time Tracking") is not installed or not
// active, and errorCode "BAD REQUEST". What such a module adds to other answers is simply
// not there, as on a real install that lacks it: embed=tags and embed=timelogs are ignored
// like any unknown embed, conversations carry no customFields key (and a new conversation's
// customFields are ignored), customers no customerFields key, and the tag filter is
// ignored.
//
// # Validation errors
//
// Validation errors are answered 400 with FreeScout's documented body (message, errorCode
// and _embedded.errors[] with path, message, rejectedValue and source). Some installs
// answer them Laravel's way instead; Options.LaravelErrors does too: 422, the message "The
// given data was invalid." and an errors object listing each field's messages under its
// path in dot notation ({"threads.0.user": ["…"]}). Other errors keep their form.
//
// A fault (InjectFault) with Land and Relay passes the real answer on, changed as a proxy
// or an install may change it: another status, another body, headers dropped (a create
// answered 200 without its Resource-ID header, say).
//
// # Conversation updates
//
// PUT /api/conversations/{id} makes its changes in the order of the body's members. Each
// change of status, assignee, mailbox or customer adds a line-item thread (type "lineitem";
// action.type changed-ticket-status, changed-ticket-assignee, moved-from-mailbox or
// changed-ticket-customer; action.text as FreeScout writes it, e.g. "Olivia Bennett marked
// as Closed"), created by the byUser user, so threadsCount grows. byUser is required, and
// checked, only when the status, the assignee or the mailbox actually changes. DELETE
// deletes forever, so no "deleted-ticket" line item is left to see. Ordinary threads have
// an empty action.type.
//
// # Webhooks
//
// Webhooks registered through the API (and sample webhook 1) receive deliveries for the
// emulator's own API writes, never for reads or for the back-office changes of admin.go:
//
//   - POST /api/conversations: convo.created, unless every thread is a draft (the
//     conversation is then a draft too). Its threads fire no reply or note events, as in
//     FreeScout, where the first thread belongs to the created event.
//   - POST /api/conversations/{id}/threads: convo.customer.reply.created,
//     convo.agent.reply.created or convo.note.created for a published customer, message or
//     note thread; nothing for a draft, and nothing more for a status the thread sets.
//   - PUT /api/conversations/{id}: convo.status, convo.assigned (to a user, not when
//     unassigned) and convo.moved, each with its line item as the triggering thread.
//   - DELETE /api/conversations/{id}: convo.deleted_forever, with the conversation as it
//     was (convo.deleted is for conversations moved to Deleted, which the API cannot do).
//   - customer.created for POST /api/customers and for every customer a conversation or a
//     thread creates for an unknown email; customer.updated for PUT /api/customers/{id}
//     and PUT /api/customers/{id}/customer_fields.
//
// A delivery is a POST to every webhook tracking the event (when the webhook has
// mailboxes, only for conversations in them; customer events are not limited) with
// Content-Type application/hal+json, X-FreeScout-Event naming the event and
// X-FreeScout-Signature, base64(HMAC-SHA1(body, secret)) (see SignWebhook). The body,
// rendered under the data lock when the event happens, is the conversation as
// GET /api/conversations/{id}?embed=threads renders it, the triggering thread first in
// _embedded.threads (for convo.created, the newest thread), or the customer as
// GET /api/customers/{id} renders it without customerFields; it has no event field. The
// secret is instance-wide: Options.WebhookSecret, by default md5(AppKey . "webhook_key")
// (DefaultWebhookSecret). Deliveries are sent Options.WebhookDelay after the write, from
// their own goroutines, and retried on a non-2xx answer or a connection error along
// Options.WebhookRetryDelays; a webhook deleted meanwhile gets no more. Each attempt sets
// the webhook's lastRunTime and lastRunError, which GET /api/webhooks shows, and is logged
// (Deliveries). Close or Shutdown stops the deliveries, so that tests leak no goroutines.
package emulator

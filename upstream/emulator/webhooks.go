package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook events the emulator fires (see the package documentation for when).
const (
	eventConvoCreated         = "convo.created"
	eventConvoAssigned        = "convo.assigned"
	eventConvoStatus          = "convo.status"
	eventConvoMoved           = "convo.moved"
	eventConvoDeletedForever  = "convo.deleted_forever"
	eventCustomerReplyCreated = "convo.customer.reply.created"
	eventAgentReplyCreated    = "convo.agent.reply.created"
	eventNoteCreated          = "convo.note.created"
	eventCustomerCreated      = "customer.created"
	eventCustomerUpdated      = "customer.updated"
)

// webhookEvents lists the events a webhook may track: the reference's list and the two
// FreeScout is known to send besides.
func webhookEvents() []string {
	return []string{"convo.assigned", "convo.created", "convo.deleted", "convo.deleted_forever", "convo.restored",
		"convo.moved", "convo.status", "convo.customer.reply.created", "convo.agent.reply.created",
		"convo.note.created", "customer.created", "customer.updated"}
}

// threadEvent is the event a new published thread of the type fires.
func threadEvent(typ string) string {
	switch typ {
	case threadCustomer:
		return eventCustomerReplyCreated
	case threadMessage:
		return eventAgentReplyCreated
	}
	return eventNoteCreated
}

// listWebhooks serves GET /api/webhooks, sorted by id.
func (e *Emulator) listWebhooks(w http.ResponseWriter, r *http.Request, _ int) {
	p := e.listParams(r.URL.Query())
	e.read(w, func(s *store) reply {
		return listPage("webhooks", byID(s.webhooks), p, renderWebhook)
	})
}

// createWebhook serves POST /api/webhooks. events is an array or a comma-separated string;
// unknown event names are dropped silently, but at least one known one must be left.
// mailboxes, optional, limits the conversation events to those mailboxes.
func (e *Emulator) createWebhook(w http.ResponseWriter, r *http.Request, _ int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	e.write(w, func(s *store) reply {
		c := newChecker("JSON")
		target, hasURL := c.str("url", body["url"], true)
		if u, err := url.Parse(target); hasURL && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			c.fail("url", "must be an http or https URL", body["url"])
		}
		events := c.eventNames("events", body["events"])
		var mailboxes []int
		items, _ := c.array("mailboxes", body["mailboxes"], false)
		for i, it := range items {
			p := index("mailboxes", i)
			if id, ok := c.integer(p, it, true); ok {
				if s.mailboxes[id] == nil {
					c.fail(p, "mailbox not found", it)
				} else if !slices.Contains(mailboxes, id) {
					mailboxes = append(mailboxes, id)
				}
			}
		}
		if c.failed() {
			return badRequest(c.errs)
		}
		hook := &webhook{id: next(&s.last.webhook), url: target, events: events, mailboxes: mailboxes}
		s.webhooks[hook.id] = hook
		return s.created(hook.id, renderWebhook(hook))
	})
}

// eventNames reads a webhook's events: an array of names or one comma-separated string.
// Unknown names are dropped; when none is left, that is an error.
func (c *checker) eventNames(path string, raw json.RawMessage) []string {
	if absent(raw) {
		c.fail(path, msgEmpty, nil)
		return nil
	}
	before := len(c.errs)
	var names []string
	var list string
	if json.Unmarshal(raw, &list) == nil {
		names = strings.Split(list, ",")
	} else {
		items, ok := c.array(path, raw, true)
		if !ok {
			return nil
		}
		for i, it := range items {
			if name, ok := c.str(index(path, i), it, false); ok {
				names = append(names, name)
			}
		}
	}
	known := webhookEvents()
	var events []string
	for _, name := range names {
		name = strings.TrimSpace(name)
		if slices.Contains(known, name) && !slices.Contains(events, name) {
			events = append(events, name)
		}
	}
	if len(events) == 0 && len(c.errs) == before {
		c.fail(path, "must contain at least one of these: "+strings.Join(known, ", "), raw)
	}
	return events
}

// deleteWebhook serves DELETE /api/webhooks/{id}. Deliveries still queued for the webhook
// are dropped.
func (e *Emulator) deleteWebhook(w http.ResponseWriter, _ *http.Request, id int) {
	e.write(w, func(s *store) reply {
		if s.webhooks[id] == nil {
			return notFound()
		}
		delete(s.webhooks, id)
		return noContent()
	})
}

// hooksFor returns the webhooks that track the event, by id. mailboxID is the
// conversation's mailbox for conversation events, 0 for customer events, which a webhook's
// mailboxes do not limit.
func (s *store) hooksFor(event string, mailboxID int) []*webhook {
	var out []*webhook
	for _, h := range byID(s.webhooks) {
		if slices.Contains(h.events, event) &&
			(mailboxID == 0 || len(h.mailboxes) == 0 || slices.Contains(h.mailboxes, mailboxID)) {
			out = append(out, h)
		}
	}
	return out
}

// emitConversation queues the event's deliveries to the webhooks that track it. The body is
// rendered now, under the data lock, as GET /api/conversations/{id}?embed=threads renders
// the conversation, with trigger (when not nil) moved to the front of _embedded.threads.
func (s *store) emitConversation(event string, c *conversation, trigger *thread, now time.Time) {
	hooks := s.hooksFor(event, c.mailboxID)
	if len(hooks) == 0 {
		return
	}
	out := s.renderConversation(c, embedSet{threads: true}, false, now)
	if trigger != nil {
		threads := *out.Embedded.Threads // made by renderConversation: safe to reorder
		if i := slices.IndexFunc(threads, func(th threadJSON) bool { return th.ID == trigger.id }); i > 0 {
			first := threads[i]
			copy(threads[1:i+1], threads[:i])
			threads[0] = first
		}
	}
	s.queue(hooks, event, encodeJSON(out))
}

// emitCustomer queues the event's deliveries to the webhooks that track it. The body is
// the customer as GET /api/customers/{id} renders it, without customerFields.
func (s *store) emitCustomer(event string, cu *customer) {
	if hooks := s.hooksFor(event, 0); len(hooks) > 0 {
		s.queue(hooks, event, encodeJSON(s.renderCustomer(cu, false)))
	}
}

// queue adds a delivery of body to each webhook to the write's outbox.
func (s *store) queue(hooks []*webhook, event string, body []byte) {
	for _, h := range hooks {
		s.outbox = append(s.outbox, delivery{hookID: h.id, url: h.url, event: event, body: body})
	}
}

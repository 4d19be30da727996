package emulator

import (
	"net/http"
	"net/url"
	"slices"
)

// webhookEvents lists the events a webhook may track: the reference's list and the two
// FreeScout is known to send besides.
func webhookEvents() []string {
	return []string{"convo.assigned", "convo.created", "convo.deleted", "convo.deleted_forever", "convo.restored",
		"convo.moved", "convo.status", "convo.customer.reply.created", "convo.agent.reply.created",
		"convo.note.created", "customer.created", "customer.updated"}
}

// createWebhook serves POST /api/webhooks.
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
		items, _ := c.array("events", body["events"], true)
		if items != nil && len(items) == 0 {
			c.fail("events", msgEmpty, body["events"])
		}
		var events []string
		for i, it := range items {
			if ev, ok := c.oneOf(index("events", i), it, true, webhookEvents()...); ok && !slices.Contains(events, ev) {
				events = append(events, ev)
			}
		}
		if c.failed() {
			return badRequest(c.errs)
		}
		hook := &webhook{id: next(&s.last.webhook), url: target, events: events}
		s.webhooks[hook.id] = hook
		return created(hook.id)
	})
}

// deleteWebhook serves DELETE /api/webhooks/{id}.
func (e *Emulator) deleteWebhook(w http.ResponseWriter, _ *http.Request, id int) {
	e.write(w, func(s *store) reply {
		if s.webhooks[id] == nil {
			return notFound()
		}
		delete(s.webhooks, id)
		return noContent()
	})
}

package upstream

import (
	"context"
	"net/http"
)

// WebhooksService covers /api/webhooks.
type WebhooksService struct{ c *Client }

// NewWebhook is the body of POST /api/webhooks. Events are FreeScout's event
// names, e.g. "convo.created".
type NewWebhook struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// Create registers a webhook and returns its id and, when FreeScout's answer
// holds it (current modules), the webhook as FreeScout keeps it (unknown
// events dropped); nil otherwise (see create).
func (s *WebhooksService) Create(ctx context.Context, in *NewWebhook) (int, *Webhook, error) {
	r := request{method: http.MethodPost, route: "/api/webhooks", path: "/api/webhooks", body: in}
	return create(ctx, s.c, r, fullWebhook, func(w *Webhook) int { return w.ID })
}

// fullWebhook are the keys of a webhook in full.
var fullWebhook = []string{"id", "url", "events"}

// Delete removes a webhook.
func (s *WebhooksService) Delete(ctx context.Context, id int) error {
	_, err := s.c.do(ctx, request{method: http.MethodDelete, route: "/api/webhooks/{id}", path: "/api/webhooks/" + itoa(id)}, nil)
	return err
}

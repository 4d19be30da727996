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

// Create registers a webhook and returns its id.
func (s *WebhooksService) Create(ctx context.Context, in *NewWebhook) (int, error) {
	r := request{method: http.MethodPost, route: "/api/webhooks", path: "/api/webhooks", body: in}
	resp, err := s.c.do(ctx, r, nil)
	if err != nil {
		return 0, err
	}
	return createdID(r, resp)
}

// Delete removes a webhook.
func (s *WebhooksService) Delete(ctx context.Context, id int) error {
	_, err := s.c.do(ctx, request{method: http.MethodDelete, route: "/api/webhooks/{id}", path: "/api/webhooks/" + itoa(id)}, nil)
	return err
}

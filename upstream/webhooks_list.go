package upstream

import (
	"context"
	"net/http"
	"net/url"
)

// Webhook is a webhook as GET /api/webhooks lists it.
type Webhook struct {
	ID           int      `json:"id"`
	URL          string   `json:"url"`
	Events       []string `json:"events"`
	Mailboxes    []int    `json:"mailboxes,omitempty"`
	LastRunTime  Time     `json:"lastRunTime"`
	LastRunError string   `json:"lastRunError"`
}

// List fetches one page of the webhooks (GET /api/webhooks, which current
// modules have; older ones answer 405).
func (s *WebhooksService) List(ctx context.Context, opts *ListOptions) ([]Webhook, Page, error) {
	q := url.Values{}
	if opts != nil {
		opts.apply(q)
	}
	r := request{method: http.MethodGet, route: "/api/webhooks", path: "/api/webhooks", query: q}
	return list[Webhook](ctx, s.c, r, "webhooks")
}

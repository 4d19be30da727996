package upstream

import (
	"context"
	"net/http"
	"net/url"
)

// TagsService covers /api/tags.
type TagsService struct{ c *Client }

// TagListOptions filter GET /api/tags.
type TagListOptions struct {
	ListOptions
	ConversationID int // only this conversation's tags
}

// List fetches one page of tags, sorted by id.
func (s *TagsService) List(ctx context.Context, opts *TagListOptions) ([]Tag, Page, error) {
	q := url.Values{}
	if opts != nil {
		opts.apply(q)
		setInt(q, "conversationId", opts.ConversationID)
	}
	r := request{method: http.MethodGet, route: "/api/tags", path: "/api/tags", query: q}
	return list[Tag](ctx, s.c, r, "tags")
}

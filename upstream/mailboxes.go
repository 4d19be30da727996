package upstream

import (
	"context"
	"net/http"
	"net/url"
)

// MailboxesService covers /api/mailboxes and its sub-resources.
type MailboxesService struct{ c *Client }

// MailboxListOptions filter GET /api/mailboxes.
type MailboxListOptions struct {
	ListOptions
	UserID int // only mailboxes this user can access
}

// FolderListOptions filter GET /api/mailboxes/{id}/folders.
type FolderListOptions struct {
	ListOptions
	UserID   int
	FolderID int
}

// List fetches one page of mailboxes, sorted by id.
func (s *MailboxesService) List(ctx context.Context, opts *MailboxListOptions) ([]Mailbox, Page, error) {
	q := url.Values{}
	if opts != nil {
		opts.apply(q)
		setInt(q, "userId", opts.UserID)
	}
	r := request{method: http.MethodGet, route: "/api/mailboxes", path: "/api/mailboxes", query: q}
	return list[Mailbox](ctx, s.c, r, "mailboxes")
}

// ListCustomFields fetches a mailbox's custom-field definitions.
func (s *MailboxesService) ListCustomFields(ctx context.Context, mailboxID int) ([]CustomField, Page, error) {
	r := request{method: http.MethodGet, route: "/api/mailboxes/{id}/custom_fields", path: "/api/mailboxes/" + itoa(mailboxID) + "/custom_fields"}
	return list[CustomField](ctx, s.c, r, "custom_fields")
}

// ListFolders fetches a mailbox's folders.
func (s *MailboxesService) ListFolders(ctx context.Context, mailboxID int, opts *FolderListOptions) ([]Folder, Page, error) {
	q := url.Values{}
	if opts != nil {
		opts.apply(q)
		setInt(q, "userId", opts.UserID)
		setInt(q, "folderId", opts.FolderID)
	}
	r := request{method: http.MethodGet, route: "/api/mailboxes/{id}/folders", path: "/api/mailboxes/" + itoa(mailboxID) + "/folders", query: q}
	return list[Folder](ctx, s.c, r, "folders")
}

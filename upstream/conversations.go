package upstream

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Embeds FreeScout can include with a conversation.
const (
	EmbedThreads  = "threads"
	EmbedTimelogs = "timelogs"
	EmbedTags     = "tags"
)

// ConversationsService covers /api/conversations and its sub-resources.
type ConversationsService struct{ c *Client }

// CustomerRef names the customer of a new conversation or thread: by id, or
// by email (created when unknown), or for phone conversations by first name
// or phone.
type CustomerRef struct {
	ID        int    `json:"id,omitempty"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// AttachmentUpload is a file attached to a new thread, given either inline
// (Data, base64) or by URL (FileURL).
type AttachmentUpload struct {
	FileName string `json:"fileName"`
	MimeType string `json:"mimeType,omitempty"`
	Data     string `json:"data,omitempty"`
	FileURL  string `json:"fileUrl,omitempty"`
}

// NewThread is a thread of a new conversation, or the body of
// POST /api/conversations/{id}/threads.
type NewThread struct {
	Type        string             `json:"type"`
	Text        string             `json:"text"`
	Customer    *CustomerRef       `json:"customer,omitempty"`
	User        int                `json:"user,omitempty"`
	Imported    *bool              `json:"imported,omitempty"`
	Status      string             `json:"status,omitempty"`
	State       string             `json:"state,omitempty"` // "draft" saves the thread without sending it
	To          []string           `json:"to,omitempty"`    // recipients; by default the customer (or the mailbox)
	Cc          []string           `json:"cc,omitempty"`
	Bcc         []string           `json:"bcc,omitempty"`
	CreatedAt   *Time              `json:"createdAt,omitempty"`
	Attachments []AttachmentUpload `json:"attachments,omitempty"`
}

// CustomFieldWrite sets one custom field. Value is a string for text and
// date fields and a number for number and dropdown fields (the option id).
type CustomFieldWrite struct {
	ID    int `json:"id"`
	Value any `json:"value"`
}

// NewConversation is the body of POST /api/conversations.
type NewConversation struct {
	Type         string             `json:"type"`
	MailboxID    int                `json:"mailboxId"`
	Subject      string             `json:"subject"`
	Customer     CustomerRef        `json:"customer"`
	Threads      []NewThread        `json:"threads"`
	Imported     *bool              `json:"imported,omitempty"`
	AssignTo     int                `json:"assignTo,omitempty"`
	Status       string             `json:"status,omitempty"`
	CustomFields []CustomFieldWrite `json:"customFields,omitempty"`
	CreatedAt    *Time              `json:"createdAt,omitempty"`
	ClosedAt     *Time              `json:"closedAt,omitempty"`
}

// ConversationUpdate is the body of PUT /api/conversations/{id}. FreeScout
// applies the changes in the order the keys arrive; this struct sends them
// in the documented order. Nil fields are left out.
type ConversationUpdate struct {
	ByUser     *int    `json:"byUser,omitempty"`
	Status     *string `json:"status,omitempty"`
	AssignTo   *int    `json:"assignTo,omitempty"`
	MailboxID  *int    `json:"mailboxId,omitempty"`
	CustomerID *int    `json:"customerId,omitempty"`
	Subject    *string `json:"subject,omitempty"`
}

// ConversationListOptions are the filters, order and paging of
// GET /api/conversations. Zero values are left out.
type ConversationListOptions struct {
	ListOptions
	Embed               []string
	MailboxIDs          []int
	FolderID            int
	Statuses            []string // FreeScout defaults to active when empty
	State               string
	Type                string
	AssignedTo          int
	Unassigned          bool // sends assignedTo= (empty) for unassigned conversations
	CustomerEmail       string
	CustomerPhone       string
	CustomerID          int
	Number              int
	Subject             string
	Tag                 string
	CreatedByUserID     int
	CreatedByCustomerID int
	CreatedSince        time.Time
	UpdatedSince        time.Time
	SortField           string // createdAt, mailboxId, number, subject, updatedAt, waitingSince
	SortOrder           string // desc (FreeScout's default) or asc
}

// Values encodes the options as FreeScout's query parameters.
func (o *ConversationListOptions) Values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.apply(q)
	setList(q, "embed", o.Embed)
	setInts(q, "mailboxId", o.MailboxIDs)
	setInt(q, "folderId", o.FolderID)
	setList(q, "status", o.Statuses)
	setStr(q, "state", o.State)
	setStr(q, "type", o.Type)
	if o.Unassigned {
		q.Set("assignedTo", "")
	} else {
		setInt(q, "assignedTo", o.AssignedTo)
	}
	setStr(q, "customerEmail", o.CustomerEmail)
	setStr(q, "customerPhone", o.CustomerPhone)
	setInt(q, "customerId", o.CustomerID)
	setInt(q, "number", o.Number)
	setStr(q, "subject", o.Subject)
	setStr(q, "tag", o.Tag)
	setInt(q, "createdByUserId", o.CreatedByUserID)
	setInt(q, "createdByCustomerId", o.CreatedByCustomerID)
	setTime(q, "createdSince", o.CreatedSince)
	setTime(q, "updatedSince", o.UpdatedSince)
	setStr(q, "sortField", o.SortField)
	setStr(q, "sortOrder", o.SortOrder)
	return q
}

// Create creates a conversation and returns its id and, when FreeScout's
// answer holds it (current modules), the conversation as it was created,
// with its threads embedded; nil otherwise (see create).
func (s *ConversationsService) Create(ctx context.Context, in *NewConversation) (int, *Conversation, error) {
	r := request{method: http.MethodPost, route: "/api/conversations", path: "/api/conversations", body: in}
	id, c, err := create(ctx, s.c, r, fullConversation, func(c *Conversation) int { return c.ID })
	if c != nil {
		s.c.install.observeConversations([]string{EmbedThreads}, []Conversation{*c})
	}
	return id, c, err
}

// fullConversation are the keys of a conversation in full.
var fullConversation = []string{"id", "number", "subject", "status", "state", "mailboxId", "createdAt"}

// Get fetches one conversation. embed lists what to include (threads,
// timelogs, tags); with no embed FreeScout includes threads.
func (s *ConversationsService) Get(ctx context.Context, id int, embed ...string) (*Conversation, error) {
	q := url.Values{}
	if len(embed) > 0 {
		q.Set("embed", strings.Join(embed, ","))
	}
	r := request{method: http.MethodGet, route: "/api/conversations/{id}", path: "/api/conversations/" + itoa(id), query: q}
	resp, err := s.c.do(ctx, r, nil)
	if err != nil {
		return nil, err
	}
	out, err := Reuse(s.c.decoded, r.key(), resp.body, func(body []byte) (*Conversation, error) {
		var c Conversation
		if err := decodeAnswer(r, body, &c); err != nil {
			return nil, err
		}
		return &c, nil
	})
	if err != nil {
		return nil, err
	}
	if err := expectID(r, out.ID); err != nil {
		return nil, err
	}
	s.c.install.observeConversations(embed, []Conversation{*out})
	c := *out // the caller's own copy of the top level; what it points to is shared and read-only
	return &c, nil
}

// List fetches one page of conversations.
func (s *ConversationsService) List(ctx context.Context, opts *ConversationListOptions) ([]Conversation, Page, error) {
	r := request{method: http.MethodGet, route: "/api/conversations", path: "/api/conversations", query: opts.Values()}
	resp, err := s.c.do(ctx, r, nil)
	if err != nil {
		return nil, Page{}, err
	}
	p, err := Reuse(s.c.decoded, r.key(), resp.body, func(body []byte) (conversationPage, error) {
		var lb listBody[conversationWire]
		if err := decodeAnswer(r, body, &lb); err != nil {
			return conversationPage{}, err
		}
		wires := lb.Embedded["conversations"]
		p := conversationPage{items: make([]Conversation, len(wires)), page: lb.Page}
		for i := range wires {
			if p.items[i], err = wires[i].conversation(); err != nil {
				return conversationPage{}, &transportError{r.method, r.path, fmt.Errorf("decode conversations: %w", err)}
			}
		}
		p.threadsCountSent = len(wires) > 0 && wires[0].ThreadsCount != nil
		return p, nil
	})
	if err != nil {
		return nil, Page{}, err
	}
	s.c.install.observePageSize(r.route, r.query.Get("pageSize"), p.page)
	items := p.items[:len(p.items):len(p.items)]
	if len(items) > 0 {
		s.c.install.observeListThreadsCount(p.threadsCountSent)
		s.c.install.observeConversations(opts.Embed, items)
	}
	return items, p.page, nil
}

// conversationPage is a decoded page of the conversation list.
type conversationPage struct {
	items            []Conversation
	page             Page
	threadsCountSent bool // the list sent threadsCount (current modules) rather than threads
}

// Update changes a conversation's status, assignee, mailbox, customer or subject.
func (s *ConversationsService) Update(ctx context.Context, id int, in *ConversationUpdate) error {
	_, err := s.c.do(ctx, request{method: http.MethodPut, route: "/api/conversations/{id}", path: "/api/conversations/" + itoa(id), body: in}, nil)
	return err
}

// Delete deletes a conversation forever.
func (s *ConversationsService) Delete(ctx context.Context, id int) error {
	_, err := s.c.do(ctx, request{method: http.MethodDelete, route: "/api/conversations/{id}", path: "/api/conversations/" + itoa(id)}, nil)
	return err
}

// UpdateCustomFields sets custom fields of a conversation, several in one call.
func (s *ConversationsService) UpdateCustomFields(ctx context.Context, id int, fields []CustomFieldWrite) error {
	body := struct {
		CustomFields []CustomFieldWrite `json:"customFields"`
	}{fields}
	_, err := s.c.do(ctx, request{method: http.MethodPut, route: "/api/conversations/{id}/custom_fields", path: "/api/conversations/" + itoa(id) + "/custom_fields", body: body}, nil)
	return err
}

// UpdateTags replaces a conversation's tags with tags (names; unknown ones are
// created). An empty list removes every tag.
func (s *ConversationsService) UpdateTags(ctx context.Context, id int, tags []string) error {
	if tags == nil {
		tags = []string{}
	}
	body := struct {
		Tags []string `json:"tags"`
	}{tags}
	_, err := s.c.do(ctx, request{method: http.MethodPut, route: "/api/conversations/{id}/tags", path: "/api/conversations/" + itoa(id) + "/tags", body: body}, nil)
	return err
}

// CreateThread adds a reply or note to a conversation and returns the
// thread's id and, when FreeScout's answer holds it (current modules), the
// thread as the conversation's _embedded.threads show it; nil otherwise
// (see create).
func (s *ConversationsService) CreateThread(ctx context.Context, conversationID int, in *NewThread) (int, *Thread, error) {
	r := request{method: http.MethodPost, route: "/api/conversations/{id}/threads", path: "/api/conversations/" + itoa(conversationID) + "/threads", body: in}
	return create(ctx, s.c, r, fullThread, func(t *Thread) int { return t.ID })
}

// fullThread are the keys of a thread in full.
var fullThread = []string{"id", "type", "status", "state", "createdAt", "createdBy"}

// ListTimelogs fetches one page of a conversation's timelogs, newest first.
func (s *ConversationsService) ListTimelogs(ctx context.Context, conversationID int, opts *ListOptions) ([]Timelog, Page, error) {
	q := url.Values{}
	if opts != nil {
		opts.apply(q)
	}
	r := request{method: http.MethodGet, route: "/api/conversations/{id}/timelogs", path: "/api/conversations/" + itoa(conversationID) + "/timelogs", query: q}
	return list[Timelog](ctx, s.c, r, "timelogs")
}

func setStr(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setInt(q url.Values, k string, v int) {
	if v != 0 {
		q.Set(k, strconv.Itoa(v))
	}
}

func setList(q url.Values, k string, v []string) {
	if len(v) > 0 {
		q.Set(k, strings.Join(v, ","))
	}
}

func setInts(q url.Values, k string, v []int) {
	if len(v) == 0 {
		return
	}
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	q.Set(k, strings.Join(parts, ","))
}

func setTime(q url.Values, k string, t time.Time) {
	if !t.IsZero() {
		q.Set(k, t.UTC().Format(time.RFC3339))
	}
}

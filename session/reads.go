package session

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"

	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Conversation returns the conversation with id, embedding embed (none:
// nothing, not FreeScout's default of threads).
func (s *Session) Conversation(ctx context.Context, id int, embed []string) (*upstream.Conversation, error) {
	c, err := s.conversations.Load(ctx, conversationKey{id: id, embed: joinSorted(embed)})()
	if err != nil {
		return nil, err
	}
	if !s.caller.SeesMailbox(c.MailboxID) {
		return nil, notFound("conversation", id)
	}
	return c, nil
}

// Conversations returns the window [offset, offset+limit) of the
// conversations opts selects (its paging is ignored), with the fewest list
// calls (see paging.Window). For a caller restricted to some mailboxes the
// list is narrowed to them.
func (s *Session) Conversations(ctx context.Context, opts upstream.ConversationListOptions, offset, limit int) (paging.Page[upstream.Conversation], error) {
	opts, visible := s.narrow(opts)
	if !visible {
		return paging.Page[upstream.Conversation]{Items: []upstream.Conversation{}}, nil
	}
	asked := opts
	if p, done, err := s.conversationsLocally(ctx, &opts, offset, limit); done {
		return p, err // filters the install ignores, applied here (capabilities.go)
	}
	opts.ListOptions = upstream.ListOptions{}
	key := "conversations?" + opts.Values().Encode() + window(offset, limit)
	p, err := listOnce(ctx, s, key, func(ctx context.Context) (paging.Page[upstream.Conversation], error) {
		return windowPage(ctx, offset, limit, s.servedPageSize(true), func(ctx context.Context, page, size int) ([]upstream.Conversation, upstream.Page, error) {
			o := opts
			o.ListOptions = upstream.ListOptions{Page: page, PageSize: size}
			return s.listConversations(ctx, &o)
		})
	})
	if errors.Is(err, errFilterIgnored) {
		return s.Conversations(ctx, asked, offset, limit) // it is now known to ignore the filter
	}
	return p, err
}

// MailboxConversations returns a window of one mailbox's conversations
// under opts (whose mailboxes and paging are ignored). Windows of several
// mailboxes asked for in the same operation with the same options are
// served, where possible, by one list call with mailboxId=1,2,3. siblings
// are the mailboxes listed together with this one (itself included), or
// nil; Total is -1 when needTotal is false and the total is not known.
func (s *Session) MailboxConversations(ctx context.Context, mailboxID int, siblings []int, opts upstream.ConversationListOptions, offset, limit int, needTotal bool) (paging.Page[upstream.Conversation], error) {
	if err := s.visibleMailbox(mailboxID); err != nil {
		return paging.Page[upstream.Conversation]{}, err
	}
	asked := opts
	opts.MailboxIDs = []int{mailboxID}
	if p, done, err := s.conversationsLocally(ctx, &opts, offset, limit); done {
		return p, err // filters the install ignores, applied here (capabilities.go)
	}
	p, err := s.mailboxConversations(ctx, mailboxID, siblings, opts, offset, limit, needTotal)
	if errors.Is(err, errFilterIgnored) {
		return s.MailboxConversations(ctx, mailboxID, siblings, asked, offset, limit, needTotal)
	}
	if err != nil {
		return paging.Page[upstream.Conversation]{}, err
	}
	return *p, nil
}

// Customer returns the full customer with id.
func (s *Session) Customer(ctx context.Context, id int) (*upstream.Customer, error) {
	return s.customers.Load(ctx, id)()
}

// Customers returns the window [offset, offset+limit) of the customers opts
// selects (its paging is ignored). FreeScout's list leaves out customer
// fields; withFields reads every listed customer in full to get them.
func (s *Session) Customers(ctx context.Context, opts upstream.CustomerListOptions, offset, limit int, withFields bool) (paging.Page[upstream.Customer], error) {
	opts.ListOptions = upstream.ListOptions{}
	key := "customers?" + opts.Values().Encode() + window(offset, limit)
	p, err := listOnce(ctx, s, key, func(ctx context.Context) (paging.Page[upstream.Customer], error) {
		return windowPage(ctx, offset, limit, s.servedPageSize(false), func(ctx context.Context, page, size int) ([]upstream.Customer, upstream.Page, error) {
			o := opts
			o.ListOptions = upstream.ListOptions{Page: page, PageSize: size}
			return s.client.Customers.List(ctx, &o)
		})
	})
	if err != nil || !withFields {
		return p, err
	}
	full := make([]upstream.Customer, len(p.Items))
	thunks := make([]func() (*upstream.Customer, error), len(p.Items))
	for i := range p.Items {
		thunks[i] = s.customers.Load(ctx, p.Items[i].ID)
	}
	for i, th := range thunks {
		c, err := th()
		if err != nil {
			return paging.Page[upstream.Customer]{}, err
		}
		full[i] = *c
	}
	p.Items = full
	return p, nil
}

// User returns the user with id, from the (cached) user directory when it
// knows the user, else from FreeScout.
func (s *Session) User(ctx context.Context, id int) (*upstream.User, error) {
	return s.users.Load(ctx, id)()
}

// Users returns the whole user directory (cached), ordered by id.
func (s *Session) Users(ctx context.Context) ([]upstream.User, error) {
	dir, err := s.userDirectory(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]upstream.User, 0, len(dir))
	for _, u := range dir {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// UsersByEmail returns the window [offset, offset+limit) of the users
// FreeScout finds for email.
func (s *Session) UsersByEmail(ctx context.Context, email string, offset, limit int) (paging.Page[upstream.User], error) {
	key := "users?email=" + email + window(offset, limit)
	return listOnce(ctx, s, key, func(ctx context.Context) (paging.Page[upstream.User], error) {
		return windowPage(ctx, offset, limit, s.servedPageSize(false), func(ctx context.Context, page, size int) ([]upstream.User, upstream.Page, error) {
			return s.client.Users.List(ctx, &upstream.UserListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: size}, Email: email})
		})
	})
}

// Mailboxes returns every mailbox the caller may see (cached), ordered as
// FreeScout lists them (by id).
func (s *Session) Mailboxes(ctx context.Context) ([]upstream.Mailbox, error) {
	all, err := s.mailboxDir.get(ctx, s.allMailboxes)
	if err != nil {
		return nil, err
	}
	return s.visibleMailboxes(all), nil
}

// Mailbox returns the mailbox with id, from the cached mailbox list
// (FreeScout has no get of one mailbox).
func (s *Session) Mailbox(ctx context.Context, id int) (*upstream.Mailbox, error) {
	all, err := s.Mailboxes(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, notFound("mailbox", id)
}

// UserMailboxes returns the mailboxes userID can access (cached), of those
// the caller may see.
func (s *Session) UserMailboxes(ctx context.Context, userID int) ([]upstream.Mailbox, error) {
	boxes, err := s.userBoxes.Load(ctx, userID)()
	if err != nil {
		return nil, err
	}
	return s.visibleMailboxes(boxes), nil
}

// CustomFields returns a mailbox's custom-field definitions (cached).
func (s *Session) CustomFields(ctx context.Context, mailboxID int) ([]upstream.CustomField, error) {
	if err := s.visibleMailbox(mailboxID); err != nil {
		return nil, err
	}
	return s.fieldDefs.Load(ctx, mailboxID)()
}

// Folders returns a mailbox's folders (never cached: their counts change
// with every conversation).
func (s *Session) Folders(ctx context.Context, mailboxID int) ([]upstream.Folder, error) {
	if err := s.visibleMailbox(mailboxID); err != nil {
		return nil, err
	}
	return s.folders.Load(ctx, mailboxID)()
}

// Tags returns the window [offset, offset+limit) of the tags, or of one
// conversation's tags. Tags are not kept per mailbox; a restricted caller
// asking for a conversation's tags must see the conversation.
func (s *Session) Tags(ctx context.Context, conversationID, offset, limit int) (paging.Page[upstream.Tag], error) {
	if conversationID != 0 && s.caller.Restricted() {
		if _, err := s.Conversation(ctx, conversationID, nil); err != nil {
			return paging.Page[upstream.Tag]{}, err
		}
	}
	key := "tags?conversationId=" + strconv.Itoa(conversationID) + window(offset, limit)
	return listOnce(ctx, s, key, func(ctx context.Context) (paging.Page[upstream.Tag], error) {
		return windowPage(ctx, offset, limit, s.servedPageSize(false), func(ctx context.Context, page, size int) ([]upstream.Tag, upstream.Page, error) {
			return s.client.Tags.List(ctx, &upstream.TagListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: size}, ConversationID: conversationID})
		})
	})
}

// The prefetches start loading, without waiting, what the operation is
// known to need later, so that it is fetched alongside the calls in flight
// instead of a round trip after them.

// PrefetchUsers starts loading the user directory.
func (s *Session) PrefetchUsers(ctx context.Context) {
	go func() { _, _ = s.userDirectory(context.WithoutCancel(ctx)) }()
}

// PrefetchMailboxes starts loading the mailbox list.
func (s *Session) PrefetchMailboxes(ctx context.Context) {
	go func() { _, _ = s.Mailboxes(context.WithoutCancel(ctx)) }()
}

// PrefetchCustomFields starts loading these mailboxes' custom-field
// definitions.
func (s *Session) PrefetchCustomFields(ctx context.Context, mailboxIDs []int) {
	for _, id := range mailboxIDs {
		if s.caller.SeesMailbox(id) {
			s.fieldDefs.Load(ctx, id)
		}
	}
}

// narrow limits opts to the mailboxes the caller may see; visible is false
// when none of the mailboxes asked for is one of them.
func (s *Session) narrow(opts upstream.ConversationListOptions) (_ upstream.ConversationListOptions, visible bool) {
	if !s.caller.Restricted() {
		return opts, true
	}
	if len(opts.MailboxIDs) == 0 {
		opts.MailboxIDs = slices.Clone(s.caller.MailboxIDs)
		return opts, len(opts.MailboxIDs) > 0
	}
	var ids []int
	for _, id := range opts.MailboxIDs {
		if s.caller.SeesMailbox(id) {
			ids = append(ids, id)
		}
	}
	opts.MailboxIDs = ids
	return opts, len(ids) > 0
}

// visibleMailbox answers not found for a mailbox the caller may not see.
func (s *Session) visibleMailbox(id int) error {
	if !s.caller.SeesMailbox(id) {
		return notFound("mailbox", id)
	}
	return nil
}

func (s *Session) visibleMailboxes(all []upstream.Mailbox) []upstream.Mailbox {
	if !s.caller.Restricted() {
		return all
	}
	out := make([]upstream.Mailbox, 0, len(all))
	for _, m := range all {
		if s.caller.SeesMailbox(m.ID) {
			out = append(out, m)
		}
	}
	return out
}

// window names a window in a list-call memo key.
func window(offset, limit int) string {
	return "#" + strconv.Itoa(offset) + "+" + strconv.Itoa(limit)
}

// windowPage fetches the window [offset, offset+limit) of a list with
// paging.WindowSized: served is the page size the install is known to serve
// whatever is asked, or 0.
func windowPage[T any](ctx context.Context, offset, limit, served int, fetch paging.Fetcher[T]) (paging.Page[T], error) {
	items, total, err := paging.WindowSized(ctx, offset, limit, served, fetch)
	if err != nil {
		return paging.Page[T]{}, err
	}
	return paging.Page[T]{Items: items, Total: total, HasNext: offset+len(items) < total}, nil
}

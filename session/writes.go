package session

import (
	"context"
	"errors"
	"slices"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Writes. Each sends one write to FreeScout (never retried: a duplicate
// conversation is worse than an error), drops from the shared cache what the
// write makes stale, and returns the object as it now stands: for a create,
// FreeScout's answer to it when that holds what the mutation's payload needs
// (current modules answer 201 with the object, as a read renders it: one
// call fewer), else, as after every other write, read back fresh, straight
// from FreeScout, with what the payload needs (embed).
//
// A write reports the objects it names that the caller may not see (a
// conversation, or a mailbox, of another mailbox) as NOT_FOUND errors whose
// Field is the input path, before sending anything.
//
// What a write makes stale in the cache is dropped for the caller's namespace
// and the gateway's own; entries that callers with their own FreeScout key
// cached under their namespaces live out their DirectoryTTL.

// CreateConversation creates a conversation, once per idempotency key (""
// for none; see idempotency.go), and returns it with embed: as FreeScout's
// answer to the create shows it when that holds every embed (current modules
// answer with the conversation and its threads), else read back. id is the
// new conversation's id whenever the write landed, even when err reports
// that reading it back failed.
func (s *Session) CreateConversation(ctx context.Context, in *upstream.NewConversation, embed []string, key string) (id int, c *upstream.Conversation, err error) {
	if !s.caller.SeesMailbox(in.MailboxID) {
		return 0, nil, notFoundAt("mailbox", in.MailboxID, "mailboxId")
	}
	var made *upstream.Conversation
	id, err = s.create(ctx, creation{kind: "conversation", key: key, input: in, landed: s.conversationLanded(in),
		write: func(ctx context.Context) (int, error) {
			id, c, err := s.client.Conversations.Create(ctx, in)
			made = c
			return id, err
		}})
	if err != nil {
		if len(in.CustomFields) > 0 && errors.Is(err, upstream.ErrBadRequest) {
			// FreeScout disagrees with the cached definitions: drop them.
			s.invalidateDefinitions(ctx, in.MailboxID)
		}
		return 0, nil, err
	}
	if made != nil && holds(made, embed) {
		s.forgetConversations(ctx)
		return id, made, nil
	}
	c, err = s.readConversation(ctx, id, embed)
	return id, c, err
}

// holds reports whether c, as FreeScout answered a create, embeds
// everything embed asks for.
func holds(c *upstream.Conversation, embed []string) bool {
	for _, e := range embed {
		switch e {
		case upstream.EmbedThreads:
			if c.Embedded.Threads == nil {
				return false
			}
		case upstream.EmbedTags:
			if c.Embedded.Tags == nil {
				return false
			}
		case upstream.EmbedTimelogs:
			if c.Embedded.Timelogs == nil {
				return false
			}
		}
	}
	return true
}

// UpdateConversation changes a conversation and reads it back with embed.
func (s *Session) UpdateConversation(ctx context.Context, id int, in *upstream.ConversationUpdate, embed []string) (*upstream.Conversation, error) {
	if err := s.checkConversation(ctx, id, "id"); err != nil {
		return nil, err
	}
	if in.MailboxID != nil && !s.caller.SeesMailbox(*in.MailboxID) {
		return nil, notFoundAt("mailbox", *in.MailboxID, "mailboxId")
	}
	if err := s.client.Conversations.Update(ctx, id, in); err != nil {
		return nil, err
	}
	return s.readConversation(ctx, id, embed)
}

// DeleteConversation deletes a conversation forever.
func (s *Session) DeleteConversation(ctx context.Context, id int) error {
	if err := s.checkConversation(ctx, id, "id"); err != nil {
		return err
	}
	err := s.client.Conversations.Delete(ctx, id)
	s.forgetConversations(ctx) // even on error: the delete may have landed
	return err
}

// UpdateConversationCustomFields sets custom fields of a conversation, given
// as clients write them (see customfields), in one call, and reads the
// conversation back with embed. Inputs that do not translate against the
// mailbox's definitions come back as problems, and nothing is written.
func (s *Session) UpdateConversationCustomFields(ctx context.Context, id int, in []customfields.Input, embed []string) (*upstream.Conversation, []customfields.Problem, error) {
	current, err := s.Conversation(ctx, id, nil)
	if err != nil {
		return nil, nil, at(err, "conversationId")
	}
	writes, problems, err := s.ResolveCustomFields(ctx, current.MailboxID, in)
	if err != nil || len(problems) > 0 {
		return nil, problems, err
	}
	if err := s.client.Conversations.UpdateCustomFields(ctx, id, writes); err != nil {
		if errors.Is(err, upstream.ErrBadRequest) {
			// FreeScout disagrees with the cached definitions: drop them.
			s.invalidateDefinitions(ctx, current.MailboxID)
		}
		return nil, nil, err
	}
	c, err := s.readConversation(ctx, id, embed)
	return c, nil, err
}

// UpdateConversationTags replaces a conversation's tags and reads it back
// with embed.
func (s *Session) UpdateConversationTags(ctx context.Context, id int, tags []string, embed []string) (*upstream.Conversation, error) {
	if err := s.checkConversation(ctx, id, "conversationId"); err != nil {
		return nil, err
	}
	if err := s.client.Conversations.UpdateTags(ctx, id, tags); err != nil {
		return nil, err
	}
	return s.readConversation(ctx, id, embed)
}

// CreateThread adds a thread to a conversation, once per idempotency key,
// and returns the new thread's id and the thread. With withConversation it
// also reads the conversation back, with embed and its threads, and the
// thread is the one among them; without, the thread is FreeScout's answer
// to the create when it holds it (current modules), else it is read back
// with the conversation all the same. threadID is set whenever the write
// landed, even when err reports that reading back failed.
func (s *Session) CreateThread(ctx context.Context, conversationID int, in *upstream.NewThread, embed []string, withConversation bool, key string) (threadID int, t *upstream.Thread, c *upstream.Conversation, err error) {
	if err := s.checkConversation(ctx, conversationID, "conversationId"); err != nil {
		return 0, nil, nil, err
	}
	var made *upstream.Thread
	threadID, err = s.create(ctx, creation{kind: "thread", key: key, input: struct {
		Conversation int
		Thread       *upstream.NewThread
	}{conversationID, in}, landed: s.threadLanded(conversationID, in),
		write: func(ctx context.Context) (int, error) {
			id, t, err := s.client.Conversations.CreateThread(ctx, conversationID, in)
			made = t
			return id, err
		}})
	if err != nil {
		return 0, nil, nil, err
	}
	if made != nil && !withConversation {
		s.forgetConversations(ctx)
		return threadID, made, nil, nil
	}
	if !slices.Contains(embed, upstream.EmbedThreads) {
		embed = append(slices.Clone(embed), upstream.EmbedThreads)
	}
	c, err = s.readConversation(ctx, conversationID, embed)
	if err != nil {
		return threadID, nil, nil, err
	}
	for i := range c.Embedded.Threads {
		if c.Embedded.Threads[i].ID == threadID {
			return threadID, &c.Embedded.Threads[i], c, nil
		}
	}
	return threadID, made, c, nil
}

// CreateCustomer creates a customer, once per idempotency key, and returns
// it: FreeScout's answer to the create when it holds the customer (current
// modules), else read back. id is the new customer's id whenever the write
// landed, even when err reports that reading it back failed.
func (s *Session) CreateCustomer(ctx context.Context, in *upstream.NewCustomer, key string) (id int, c *upstream.Customer, err error) {
	var made *upstream.Customer
	id, err = s.create(ctx, creation{kind: "customer", key: key, input: in, landed: s.customerLanded(in),
		write: func(ctx context.Context) (int, error) {
			id, c, err := s.client.Customers.Create(ctx, in)
			made = c
			return id, err
		}})
	if err != nil {
		return 0, nil, err
	}
	if made != nil {
		s.forgetCustomer(ctx, id)
		return id, made, nil
	}
	c, err = s.readCustomer(ctx, id)
	return id, c, err
}

// UpdateCustomer changes a customer and reads it back.
func (s *Session) UpdateCustomer(ctx context.Context, id int, in *upstream.CustomerUpdate) (*upstream.Customer, error) {
	if err := s.client.Customers.Update(ctx, id, in); err != nil {
		return nil, err
	}
	return s.readCustomer(ctx, id)
}

// UpdateCustomerFields sets a customer's customer fields and reads the
// customer back.
func (s *Session) UpdateCustomerFields(ctx context.Context, id int, fields []upstream.CustomerFieldWrite) (*upstream.Customer, error) {
	if err := s.client.Customers.UpdateFields(ctx, id, fields); err != nil {
		return nil, err
	}
	return s.readCustomer(ctx, id)
}

// CreateUser creates a user, once per idempotency key, and returns it:
// FreeScout's answer to the create when it holds the user (current modules),
// else read back. id is the new user's id whenever the write landed, even
// when err reports that reading it back failed.
func (s *Session) CreateUser(ctx context.Context, in *upstream.NewUser, key string) (id int, u *upstream.User, err error) {
	var made *upstream.User
	id, err = s.create(ctx, creation{kind: "user", key: key, input: in, landed: s.userLanded(in),
		write: func(ctx context.Context) (int, error) {
			id, u, err := s.client.Users.Create(ctx, in)
			made = u
			return id, err
		}})
	if err != nil {
		return 0, nil, err
	}
	s.invalidate(ctx, stale{kindUsers, keys.users})
	if made != nil {
		return id, made, nil
	}
	u, err = s.client.Users.Get(ctx, id)
	return id, u, errcode.AfterWrite(err)
}

// DeleteUser deletes a user, reassigning their conversations as in says.
func (s *Session) DeleteUser(ctx context.Context, id int, in *upstream.UserDelete) error {
	if err := s.client.Users.Delete(ctx, id, in); err != nil {
		return err
	}
	s.invalidate(ctx, stale{kindUsers, keys.users}, stale{kindUserMailboxes, func(k keys) string { return k.userMailboxes(id) }})
	return nil
}

// CreateWebhook registers a webhook, once per idempotency key, and returns
// its id and, when FreeScout's answer holds it (current modules), the
// webhook as FreeScout keeps it; nil otherwise (FreeScout has no read of one
// webhook).
func (s *Session) CreateWebhook(ctx context.Context, in *upstream.NewWebhook, key string) (int, *upstream.Webhook, error) {
	var made *upstream.Webhook
	id, err := s.create(ctx, creation{kind: "webhook", key: key, input: in, landed: s.webhookLanded(in),
		write: func(ctx context.Context) (int, error) {
			id, w, err := s.client.Webhooks.Create(ctx, in)
			made = w
			return id, err
		}})
	if err != nil {
		return 0, nil, err
	}
	return id, made, nil
}

// DeleteWebhook deletes a webhook.
func (s *Session) DeleteWebhook(ctx context.Context, id int) error {
	return s.client.Webhooks.Delete(ctx, id)
}

// readConversation reads a conversation back after a write, straight from
// FreeScout (never from what the session read before the write). Its errors
// are marked errcode.Landed.
func (s *Session) readConversation(ctx context.Context, id int, embed []string) (*upstream.Conversation, error) {
	if len(embed) == 0 {
		embed = []string{""}
	}
	s.forgetConversations(ctx)
	c, err := s.client.Conversations.Get(ctx, id, embed...)
	return c, errcode.AfterWrite(wrapNotFound(err, "conversation", id))
}

// readCustomer drops the customer's cached profile, which the write made
// stale, and reads it back straight from FreeScout.
func (s *Session) readCustomer(ctx context.Context, id int) (*upstream.Customer, error) {
	s.forgetCustomer(ctx, id)
	c, err := s.client.Customers.Get(ctx, id)
	return c, errcode.AfterWrite(wrapNotFound(err, "customer", id))
}

// forgetCustomer drops the customer's cached profile, which a write made
// stale.
func (s *Session) forgetCustomer(ctx context.Context, id int) {
	s.invalidate(ctx, stale{kindCustomer, func(k keys) string { return k.customer(id) }})
	s.forgetConversations(ctx) // conversations embed their customer
	s.customers.Clear(ctx, id)
}

// checkConversation answers, for a caller restricted to some mailboxes, a
// conversation in another mailbox as not found at the input path field. It
// costs a read, made only for such callers.
func (s *Session) checkConversation(ctx context.Context, id int, field string) error {
	if !s.caller.Restricted() {
		return nil
	}
	_, err := s.Conversation(ctx, id, nil)
	return at(err, field)
}

// stale names cache entries a write makes stale: their kind, and their key
// in a namespace.
type stale struct {
	kind string
	key  func(keys) string
}

// invalidate drops the entries named, for the caller's namespace and the
// gateway's own, in one call to the cache, and tells ObserveCache of each
// kind.
func (s *Session) invalidate(ctx context.Context, entries ...stale) {
	var all []string
	for _, e := range entries {
		all = append(all, e.key(s.keys))
		if s.keys.ns != "" {
			all = append(all, e.key(keys{}))
		}
	}
	s.f.opts.Store.Invalidate(ctx, all...)
	for _, e := range entries {
		n := 1
		if s.keys.ns != "" {
			n = 2
		}
		s.f.opts.ObserveCache(ctx, CacheCall{Op: CacheInvalidate, Kind: e.kind, Keys: n})
	}
}

// notFoundAt is notFound about the input field at path.
func notFoundAt(kind string, id int, path ...string) error {
	return errcode.As(notFound(kind, id)).At(path...)
}

// at points a not-found error at the input field path, for userErrors.
func at(err error, path ...string) error {
	if e := errcode.As(err); e != nil && e.Code == errcode.NotFound && e.Field == nil {
		return e.At(path...)
	}
	return err
}

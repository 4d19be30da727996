package graph

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"golang.org/x/sync/errgroup"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// mailboxFree are Mailbox fields that need nothing but the mailbox's id.
var mailboxFree = map[string]bool{"__typename": true, "id": true, "customFields": true, "folders": true, "conversations": true}

// mailboxByID returns the mailbox with id, without any lookup when the query
// selects only fields that need nothing but the id.
func (r *Resolver) mailboxByID(ctx context.Context, mailboxID int) (*model.Mailbox, error) {
	if mailboxIsFree(selected(ctx, "Mailbox")) {
		return &model.Mailbox{ID: id(mailboxID), Key: mailboxID}, nil
	}
	m, err := r.loaders(ctx).Mailbox(ctx, mailboxID)
	if err != nil {
		return nil, err
	}
	return toMailbox(m), nil
}

// mailboxIsFree reports whether fields, selected on a mailbox, need nothing
// but its id.
func mailboxIsFree(fields []graphql.CollectedField) bool {
	for _, f := range fields {
		if !mailboxFree[f.Name] {
			return false
		}
	}
	return true
}

// mailboxIDs are the ids of a list of mailboxes: each one's siblings, whose
// conversations the loaders fetch together.
func mailboxIDs(boxes []upstream.Mailbox) []int {
	ids := make([]int, len(boxes))
	for i := range boxes {
		ids[i] = boxes[i].ID
	}
	return ids
}

// freshConversation reads a conversation back after a write, straight from
// FreeScout (never from a loader's memory of this request), embedding what
// the payload's selection needs.
func (r *Resolver) freshConversation(ctx context.Context, cid int, payloadType string) (*model.Conversation, error) {
	embed := payloadEmbeds(ctx, payloadType, "conversation", "Conversation")
	if len(embed) == 0 {
		embed = []string{""}
	}
	c, err := r.Client.Conversations.Get(ctx, cid, embed...)
	if err != nil {
		return nil, err
	}
	return r.conversationFor(ctx, payloadSelection(ctx, payloadType, "conversation", "Conversation"), c), nil
}

// conversationFor turns c, one conversation read from FreeScout, into the
// conversation that fields select on, with its relations read (see
// readRelations) and its other second-round lookups started (see
// prefetchForPage).
func (r *Resolver) conversationFor(ctx context.Context, fields []graphql.CollectedField, c *upstream.Conversation) *model.Conversation {
	r.prefetchForPage(ctx, fields, []upstream.Conversation{*c})
	m := toConversation(c)
	r.readRelations(ctx, fields, []*model.Conversation{m})
	return m
}

// prefetchForConversations starts loading the user directory alongside the
// conversation call when the selection already shows it will be needed:
// assignee or closedBy fields beyond what FreeScout embeds about people.
// Timelogs carry only a user id, so any user field but id needs it too.
func (r *Resolver) prefetchForConversations(ctx context.Context, fields []graphql.CollectedField) {
	need := needsFullUser(children(ctx, fields, "assignee", "User")) ||
		needsFullUser(children(ctx, fields, "closedBy", "User")) ||
		needsFullUser(children(ctx, fields, "createdBy", "User", "Actor"))
	for _, f := range children(ctx, children(ctx, fields, "timelogs", "Timelog"), "user", "User") {
		need = need || f.Name != "id" && f.Name != "__typename"
	}
	if need {
		r.loaders(ctx).PrefetchUsers(ctx)
	}
}

// prefetchForPage starts, as soon as a page of conversations is known, the
// lookups of its field resolvers that its selection proves it needs, all at
// once: the custom-field definitions of the mailboxes of conversations with
// values when their `field` is selected, and the mailbox list when `mailbox`
// asks for more than the id. The page's resolver waits for the people it
// reads (readRelations) before gqlgen starts those field resolvers, so left
// to them the lookups would come a round trip later.
func (r *Resolver) prefetchForPage(ctx context.Context, fields []graphql.CollectedField, items []upstream.Conversation) {
	var mailboxes []int
	if selects(children(ctx, fields, "customFields", "CustomFieldValue"), "field") {
		for i := range items {
			if c := &items[i]; len(c.CustomFields) > 0 && !slices.Contains(mailboxes, c.MailboxID) {
				mailboxes = append(mailboxes, c.MailboxID)
			}
		}
	}
	l := r.loaders(ctx)
	l.PrefetchCustomFields(ctx, mailboxes)
	if len(items) > 0 && !mailboxIsFree(children(ctx, fields, "mailbox", "Mailbox")) {
		l.PrefetchMailboxes(ctx)
	}
}

// conversationList resolves a conversation connection for opts.
func (r *Resolver) conversationList(ctx context.Context, opts upstream.ConversationListOptions, first *int, after *string) (*model.ConversationConnection, error) {
	offset, limit, err := paging.Args(first, after)
	if err != nil {
		return nil, err
	}
	nodes := connectionNodes(ctx, "ConversationConnection", "Conversation")
	opts.Embed = conversationEmbeds(nodes)
	r.prefetchForConversations(ctx, nodes)
	items, total, err := paging.Window(ctx, offset, limit, func(ctx context.Context, page, size int) ([]upstream.Conversation, upstream.Page, error) {
		o := opts
		o.ListOptions = upstream.ListOptions{Page: page, PageSize: size}
		return r.Client.Conversations.List(ctx, &o)
	})
	if err != nil {
		return nil, err
	}
	return r.conversationPage(ctx, nodes, items, offset, total, offset+len(items) < total), nil
}

// conversationPage answers a page of conversations, items, on which the query
// selects nodes: it starts the page's second-round lookups
// (prefetchForPage), reads the conversations' relations (readRelations) and
// returns the connection.
func (r *Resolver) conversationPage(ctx context.Context, nodes []graphql.CollectedField, items []upstream.Conversation, offset, total int, hasNext bool) *model.ConversationConnection {
	r.prefetchForPage(ctx, nodes, items)
	conn := conversationConnection(items, offset, total, hasNext)
	r.readRelations(ctx, nodes, conn.Nodes)
	return conn
}

// fieldInputs converts GraphQL custom-field inputs for translation.
func fieldInputs(in []*model.CustomFieldInput) []customfields.Input {
	out := make([]customfields.Input, 0, len(in))
	for _, f := range in {
		out = append(out, customfields.Input{ID: deref(f.ID), Name: deref(f.Name), Value: f.Value})
	}
	return out
}

// problemErrors turns translation problems into userErrors; top is the name
// of the input's list of fields.
func problemErrors(problems []customfields.Problem, top string) []*model.UserError {
	out := make([]*model.UserError, 0, len(problems))
	for _, p := range problems {
		path := slices.Clone(p.Field)
		if len(path) > 0 {
			path[0] = top
		}
		out = append(out, &model.UserError{Field: path, Message: p.Message, Code: p.Code})
	}
	return out
}

// checkThreadAuthor requires a customer for CUSTOMER threads and a user for
// MESSAGE and NOTE threads, the only types that can be created.
func checkThreadAuthor(ids *inputIDs, path []string, t model.ThreadType, hasCustomer, hasUser bool) {
	at := func(f string) []string { return append(slices.Clone(path), f) }
	switch t {
	case model.ThreadTypeCustomer:
		if !hasCustomer {
			ids.add(at("customer"), "REQUIRED", "a CUSTOMER thread needs a customer")
		}
	case model.ThreadTypeMessage, model.ThreadTypeNote:
		if !hasUser {
			ids.add(at("userId"), "REQUIRED", "a "+string(t)+" thread needs a userId")
		}
	default:
		ids.add(at("type"), "INVALID", "type must be CUSTOMER, MESSAGE or NOTE")
	}
}

func contains(s []string, v string) bool { return slices.Contains(s, v) }

// withCustomerFields returns items, listed customers, read in full when the
// query selects their customerFields: FreeScout's customer list leaves them
// out, only a single get carries them.
func (r *Resolver) withCustomerFields(ctx context.Context, items []upstream.Customer) ([]upstream.Customer, error) {
	if !selects(connectionNodes(ctx, "CustomerConnection", "Customer"), "customerFields") {
		return items, nil
	}
	full := make([]upstream.Customer, len(items))
	g, gctx := errgroup.WithContext(ctx)
	for i := range items {
		g.Go(func() error {
			c, err := r.loaders(ctx).Customer(gctx, items[i].ID)
			if err != nil {
				return err
			}
			full[i] = *c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return full, nil
}

// reassignPaths points userErrors about FreeScout's assignTo[MAILBOX_ID]
// (mapped to ["reassign", MAILBOX_ID]) at the reassign entry of that mailbox
// in the input: ["reassign", INDEX].
func reassignPaths(uerrs []*model.UserError, in []*model.ReassignInput) []*model.UserError {
	for _, e := range uerrs {
		if len(e.Field) < 2 || e.Field[0] != "reassign" {
			continue
		}
		for i, ra := range in {
			if strings.TrimSpace(ra.MailboxID) == e.Field[1] {
				e.Field = append([]string{"reassign", strconv.Itoa(i)}, e.Field[2:]...)
				break
			}
		}
	}
	return uerrs
}

// freshCustomer reads a customer back after a write, straight from
// FreeScout, and drops the cached profile the write made stale.
func (r *Resolver) freshCustomer(ctx context.Context, cid int) (*model.Customer, error) {
	r.Dir.InvalidateCustomer(ctx, cid)
	c, err := r.Client.Customers.Get(ctx, cid)
	if err != nil {
		return nil, err
	}
	return toCustomer(c), nil
}

func addressInput(a *model.AddressInput) *upstream.AddressInput {
	if a == nil {
		return nil
	}
	return &upstream.AddressInput{City: deref(a.City), State: deref(a.State), Zip: deref(a.Zip), Country: deref(a.Country), Address: deref(a.Address)}
}

func entryInputs(in []*model.ContactEntryInput) []upstream.EntryInput {
	if in == nil {
		return nil
	}
	out := make([]upstream.EntryInput, 0, len(in))
	for _, e := range in {
		out = append(out, upstream.EntryInput{Value: e.Value, Type: deref(e.Type)})
	}
	return out
}

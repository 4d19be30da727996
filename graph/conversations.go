package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Producing conversations. Every resolver that returns conversations (the
// lists, the single get, the mutation payloads, subscription events) goes
// through produceConversations, so that every relation is filled by the
// same code (see the package doc).

// producer turns what FreeScout answered into GraphQL objects with their
// relations filled: conversations, and threads reached without their
// conversation (createThread's new thread). Its objects are complete once
// wait returns.
type producer struct {
	ctx context.Context
	s   Session
	rr  *relationReader
}

func newProducer(ctx context.Context, s Session) *producer {
	return &producer{ctx: ctx, s: s, rr: newRelationReader(ctx, s)}
}

// conversations turns items into the conversations that fields select on:
// it starts the second-round lookups the selection needs (prefetchForPage),
// converts them, and starts filling their relations.
func (p *producer) conversations(fields []graphql.CollectedField, items []upstream.Conversation) []*model.Conversation {
	prefetchForPage(p.ctx, p.s, fields, items)
	out := make([]*model.Conversation, len(items))
	for i := range items {
		out[i] = toConversation(&items[i])
	}
	p.rr.conversations(fields, out...)
	return out
}

// thread turns t into the thread that fields select on and starts filling
// its relations.
func (p *producer) thread(fields []graphql.CollectedField, t *upstream.Thread) *model.Thread {
	m := toThread(t)
	p.rr.threads(fields, m)
	return m
}

// wait returns once every relation started is filled.
func (p *producer) wait() { p.rr.wait() }

// produceConversations produces items, conversations read from FreeScout,
// on which the query selects fields, with their relations.
func produceConversations(ctx context.Context, s Session, fields []graphql.CollectedField, items []upstream.Conversation) []*model.Conversation {
	p := newProducer(ctx, s)
	out := p.conversations(fields, items)
	p.wait()
	return out
}

// produceConversation is produceConversations for one conversation.
func produceConversation(ctx context.Context, s Session, fields []graphql.CollectedField, c *upstream.Conversation) *model.Conversation {
	return produceConversations(ctx, s, fields, []upstream.Conversation{*c})[0]
}

// produceThreadPayload answers createThread: the new thread, and its
// conversation raw when it was read back (nil when the payload does not ask
// for it).
func produceThreadPayload(ctx context.Context, s Session, convFields, threadFields []graphql.CollectedField, raw *upstream.Conversation, thread *upstream.Thread) *model.CreateThreadPayload {
	p := newProducer(ctx, s)
	out := &model.CreateThreadPayload{}
	if raw != nil {
		out.AtConversation = p.conversations(convFields, []upstream.Conversation{*raw})[0]
	}
	if thread != nil {
		out.Created = p.thread(threadFields, thread)
	}
	p.wait()
	return out
}

// prefetchForConversations starts loading, alongside the conversation call,
// the directories the selection already shows it will need: the user
// directory for assignee or closedBy fields beyond what FreeScout embeds
// about people (timelogs carry only a user id, so any user field but id
// needs it too), and the mailbox list when `mailbox` asks for more than the
// id. Neither needs anything from the conversations.
func prefetchForConversations(ctx context.Context, s Session, fields []graphql.CollectedField) {
	need := needsFullUser(children(ctx, fields, "assignee", "User")) ||
		needsFullUser(children(ctx, fields, "closedBy", "User")) ||
		needsFullUser(children(ctx, fields, "createdBy", "User", "Actor"))
	for _, f := range children(ctx, children(ctx, fields, "timelogs", "Timelog"), "user", "User") {
		need = need || f.Name != "id" && f.Name != "__typename"
	}
	if need {
		s.PrefetchUsers(ctx)
	}
	if !mailboxIsFree(children(ctx, fields, "mailbox", "Mailbox")) {
		s.PrefetchMailboxes(ctx)
	}
}

// prefetchForPage starts, as soon as a page of conversations is known, the
// lookups of its field resolvers that its selection proves it needs, all at
// once: the custom-field definitions of the mailboxes of conversations with
// values when their `field` is selected, and the mailbox list when `mailbox`
// asks for more than the id. The producer waits for the people it reads
// (readRelations) before gqlgen starts those field resolvers, so left to
// them the lookups would come a round trip later.
func prefetchForPage(ctx context.Context, s Session, fields []graphql.CollectedField, items []upstream.Conversation) {
	var mailboxes []int
	if selects(children(ctx, fields, "customFields", "CustomFieldValue"), "field") {
		for i := range items {
			if c := &items[i]; len(c.CustomFields) > 0 && !slices.Contains(mailboxes, c.MailboxID) {
				mailboxes = append(mailboxes, c.MailboxID)
			}
		}
	}
	if len(mailboxes) > 0 {
		s.PrefetchCustomFields(ctx, mailboxes)
	}
	if len(items) > 0 && !mailboxIsFree(children(ctx, fields, "mailbox", "Mailbox")) {
		s.PrefetchMailboxes(ctx)
	}
}

// conversationList resolves a conversation connection for opts.
func conversationList(ctx context.Context, opts upstream.ConversationListOptions, first *int, after *string) (*model.ConversationConnection, error) {
	offset, limit, err := paging.Args(first, after)
	if err != nil {
		return nil, err
	}
	s := session(ctx)
	nodes := connectionNodes(ctx, "ConversationConnection", "Conversation")
	opts.Embed = conversationEmbeds(nodes)
	prefetchForConversations(ctx, s, nodes)
	page, err := s.Conversations(ctx, opts, offset, limit)
	if err != nil {
		return nil, err
	}
	return conversationConnection(ctx, s, nodes, page, offset), nil
}

// conversationConnection answers a page of conversations, starting at
// offset, on which the query selects nodes.
func conversationConnection(ctx context.Context, s Session, nodes []graphql.CollectedField, page paging.Page[upstream.Conversation], offset int) *model.ConversationConnection {
	convs := produceConversations(ctx, s, nodes, page.Items)
	edges := make([]*model.ConversationEdge, len(convs))
	for i, c := range convs {
		edges[i] = &model.ConversationEdge{Cursor: paging.Cursor(offset + i), Node: c}
	}
	total := max(page.Total, 0) // -1: not selected, so never shown
	pi := pageInfo(offset, len(convs), total)
	pi.HasNextPage = page.HasNext
	return &model.ConversationConnection{Edges: edges, Nodes: convs, TotalCount: total, PageInfo: pi}
}

// mailboxFree are Mailbox fields that need nothing but the mailbox's id.
var mailboxFree = map[string]bool{"__typename": true, "id": true, "customFields": true, "folders": true, "conversations": true}

// mailboxByID returns the mailbox with id, without any lookup when the query
// selects only fields that need nothing but the id.
func mailboxByID(ctx context.Context, mailboxID int) (*model.Mailbox, error) {
	if mailboxIsFree(selected(ctx, "Mailbox")) {
		return &model.Mailbox{ID: id(mailboxID), Key: mailboxID}, nil
	}
	m, err := session(ctx).Mailbox(ctx, mailboxID)
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

// mailboxList turns mailboxes listed together into Mailbox objects that know
// their siblings, whose conversations one list call can serve.
func mailboxList(boxes []upstream.Mailbox) []*model.Mailbox {
	ids := make([]int, len(boxes))
	for i := range boxes {
		ids[i] = boxes[i].ID
	}
	out := make([]*model.Mailbox, len(boxes))
	for i := range boxes {
		out[i] = toMailbox(&boxes[i])
		out[i].Siblings = ids
	}
	return out
}

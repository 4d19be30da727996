package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// How relations are read (see "The rule for relations" in the package doc):
// what the query selects is worked out once per producer
// (conversationNeedsOf), each person is answered from what FreeScout
// embedded when that holds every selected field, and the rest is looked up
// all at once, through the session's loaders, in the same round trip as the
// producer's other second-round lookups (see prefetchForPage).

// personNeed is what a selection asks of one relation to a person.
type personNeed struct {
	selected bool
	customer []graphql.CollectedField // the fields selected when the person is a customer
	user     []graphql.CollectedField // the fields selected when the person is a user
}

func personNeedOf(ctx context.Context, fields []graphql.CollectedField, name string) personNeed {
	if !selects(fields, name) {
		return personNeed{}
	}
	return personNeed{
		selected: true,
		customer: children(ctx, fields, name, "Customer", "Actor"),
		user:     children(ctx, fields, name, "User", "Actor"),
	}
}

// threadNeeds is what a selection asks of threads' people.
type threadNeeds struct {
	customer, createdBy, assignedTo personNeed
}

func threadNeedsOf(ctx context.Context, fields []graphql.CollectedField) threadNeeds {
	return threadNeeds{
		customer:   personNeedOf(ctx, fields, "customer"),
		createdBy:  personNeedOf(ctx, fields, "createdBy"),
		assignedTo: personNeedOf(ctx, fields, "assignedTo"),
	}
}

// conversationNeeds is what a selection on conversations asks of their
// relations.
type conversationNeeds struct {
	customer, assignee, createdBy, closedBy personNeed
	threads                                 *threadNeeds // nil unless threads are selected
	tags, timelogs                          bool
	customFields, customFieldDefs           bool // customFields, and their field
}

func conversationNeedsOf(ctx context.Context, fields []graphql.CollectedField) conversationNeeds {
	n := conversationNeeds{
		customer:  personNeedOf(ctx, fields, "customer"),
		assignee:  personNeedOf(ctx, fields, "assignee"),
		createdBy: personNeedOf(ctx, fields, "createdBy"),
		closedBy:  personNeedOf(ctx, fields, "closedBy"),
		tags:      selects(fields, "tags"),
		timelogs:  selects(fields, "timelogs"),
	}
	if selects(fields, "customFields") {
		n.customFields = true
		n.customFieldDefs = selects(children(ctx, fields, "customFields", "CustomFieldValue"), "field")
	}
	if selects(fields, "threads") {
		t := threadNeedsOf(ctx, children(ctx, fields, "threads", "Thread"))
		n.threads = &t
	}
	return n
}

// relationReader reads relations for one producer: answers at hand are set
// at once, lookups run in goroutines that wait ends.
type relationReader struct {
	s   Session
	ctx context.Context
	wg  sync.WaitGroup
	// defs are the custom-field values waiting for their mailbox's
	// definitions, by mailbox (read once per mailbox, see flush).
	defs map[int][]*model.CustomFieldValue
}

func newRelationReader(ctx context.Context, s Session) *relationReader {
	return &relationReader{s: s, ctx: ctx}
}

// conversations starts filling in the relations of convs that fields, the
// selection on them, asks for.
func (rr *relationReader) conversations(fields []graphql.CollectedField, convs ...*model.Conversation) {
	n := conversationNeedsOf(rr.ctx, fields)
	for _, c := range convs {
		rr.conversation(&n, c)
	}
	rr.flush()
}

// threads is conversations for threads reached without their conversation
// (a new thread in createThread's payload).
func (rr *relationReader) threads(fields []graphql.CollectedField, threads ...*model.Thread) {
	n := threadNeedsOf(rr.ctx, fields)
	for _, t := range threads {
		rr.thread(&n, t)
	}
}

// wait returns once every lookup started has answered.
func (rr *relationReader) wait() { rr.wg.Wait() }

func (rr *relationReader) conversation(n *conversationNeeds, c *model.Conversation) {
	raw, rel := c.Raw, &c.Rel
	if n.customer.selected {
		rr.customer(raw.Customer, n.customer.customer, rel.Customer.Set)
	}
	if n.assignee.selected {
		rr.user(raw.Assignee, n.assignee.user, rel.Assignee.Set)
	}
	if n.createdBy.selected {
		rr.actor(raw.CreatedBy, n.createdBy, &rel.CreatedBy)
	}
	if n.closedBy.selected {
		p := raw.ClosedByUser
		if p == nil && raw.ClosedBy != 0 {
			p = &upstream.Person{ID: raw.ClosedBy, Type: "user"}
		}
		rr.user(p, n.closedBy.user, rel.ClosedBy.Set)
	}
	if n.threads != nil {
		embeddedList(rr, c, upstream.EmbedThreads, threadsOf, func(t *upstream.Thread) *model.Thread {
			m := toThread(t)
			rr.thread(n.threads, m)
			return m
		}, &rel.Threads)
	}
	if n.tags {
		embeddedList(rr, c, upstream.EmbedTags, tagsOf, func(t *upstream.Tag) *model.Tag { return toTag(*t, false) }, &rel.Tags)
	}
	if n.timelogs {
		embeddedList(rr, c, upstream.EmbedTimelogs, timelogsOf, func(t *upstream.Timelog) *model.Timelog { return toTimelog(*t) }, &rel.Timelogs)
	}
	if n.customFields {
		rr.customFields(c, n.customFieldDefs)
	}
}

// customFields fills in c's custom-field values, FreeScout sends them with
// every conversation when it has the Custom Fields module, and queues them
// for their definitions when withDefs.
func (rr *relationReader) customFields(c *model.Conversation, withDefs bool) {
	if c.Raw.CustomFields == nil {
		c.Rel.CustomFields.Set(nil, moduleUnavailable(upstream.ModuleCustomFields, "a conversation's customFields need it"))
		return
	}
	vals := customFieldValues(c.Raw)
	c.Rel.CustomFields.Set(vals, nil)
	if !withDefs || len(vals) == 0 {
		return
	}
	if rr.defs == nil {
		rr.defs = map[int][]*model.CustomFieldValue{}
	}
	rr.defs[c.Raw.MailboxID] = append(rr.defs[c.Raw.MailboxID], vals...)
}

// flush starts reading the definitions of the queued custom-field values:
// one lookup per mailbox (prefetchForPage has started them all), each
// definition converted once.
func (rr *relationReader) flush() {
	for mailbox, vals := range rr.defs {
		rr.wg.Go(func() {
			defs, err := rr.s.CustomFields(rr.ctx, mailbox)
			byID := map[int]*model.CustomField{}
			for _, v := range vals {
				if err != nil {
					v.Def.Set(nil, err)
					continue
				}
				def, seen := byID[v.FieldID]
				if !seen {
					if d, ok := customfields.Find(defs, v.FieldID); ok {
						def = toCustomField(d)
					}
					byID[v.FieldID] = def
				}
				v.Def.Set(def, nil) // nil: the mailbox no longer defines the field, as the schema documents
			}
		})
	}
	rr.defs = nil
}

func threadsOf(c *upstream.Conversation) []upstream.Thread   { return c.Embedded.Threads }
func tagsOf(c *upstream.Conversation) []upstream.Tag         { return c.Embedded.Tags }
func timelogsOf(c *upstream.Conversation) []upstream.Timelog { return c.Embedded.Timelogs }

// embeddedList fills in rel with the objects FreeScout embeds in c under
// embed (read by of), each converted by conv. c is read again with embed
// when FreeScout answered it without: producers choose their embeds from the
// query, so that is for conversations some other query part asked for.
func embeddedList[W, T any](rr *relationReader, c *model.Conversation, embed string, of func(*upstream.Conversation) []W, conv func(*W) T, rel *model.Relation[[]T]) {
	fill := func(full *upstream.Conversation) {
		wire := of(full)
		out := make([]T, 0, len(wire))
		for i := range wire {
			out = append(out, conv(&wire[i]))
		}
		rel.Set(out, nil)
	}
	if of(c.Raw) != nil {
		fill(c.Raw)
		return
	}
	module, optional := embedModules[embed]
	if optional && rr.s.Install().Module(module) == upstream.Unsupported {
		// FreeScout answered without the embed because it lacks the module
		// (an answer with the embed would have shown it is there again).
		rel.Set(nil, moduleUnavailable(module, "a conversation's "+embed+" need it"))
		return
	}
	rr.wg.Go(func() {
		full, err := rr.s.Conversation(rr.ctx, c.Raw.ID, []string{embed})
		switch {
		case err != nil:
			rel.Set(nil, err)
		case of(full) == nil && optional:
			rel.Set(nil, moduleUnavailable(module, "a conversation's "+embed+" need it"))
		default:
			fill(full)
		}
	})
}

// embedModules are the embeds an optional FreeScout module adds.
var embedModules = map[string]upstream.Module{
	upstream.EmbedTags:     upstream.ModuleTags,
	upstream.EmbedTimelogs: upstream.ModuleTimeTracking,
}

func (rr *relationReader) thread(n *threadNeeds, t *model.Thread) {
	raw, rel := t.Raw, &t.Rel
	if n.customer.selected {
		rr.customer(raw.Customer, n.customer.customer, rel.Customer.Set)
	}
	if n.createdBy.selected {
		rr.actor(raw.CreatedBy, n.createdBy, &rel.CreatedBy)
	}
	if n.assignedTo.selected {
		rr.user(raw.AssignedTo, n.assignedTo.user, rel.AssignedTo.Set)
	}
}

// customer answers the embedded person p as a customer (see person).
func (rr *relationReader) customer(p *upstream.Person, fields []graphql.CollectedField, set func(*model.Customer, error)) {
	person(rr, p, fields, customerFromPerson, rr.fullCustomer, set)
}

// user answers the embedded person p as a user (see person).
func (rr *relationReader) user(p *upstream.Person, fields []graphql.CollectedField, set func(*model.User, error)) {
	person(rr, p, fields, userFromPerson, rr.fullUser, set)
}

// person answers the embedded person p: nobody when p is empty, p itself
// when it holds every field selected, else the full record, read in the
// background. set may be called from another goroutine, before wait returns.
func person[T any](rr *relationReader, p *upstream.Person, fields []graphql.CollectedField, embedded func(*upstream.Person) T, full func(id int) (T, error), set func(T, error)) {
	switch {
	case p == nil || p.ID == 0:
		var nobody T
		set(nobody, nil)
	case personSuffices(p, fields):
		set(embedded(p), nil)
	default:
		rr.wg.Go(func() { set(full(p.ID)) })
	}
}

func (rr *relationReader) fullCustomer(id int) (*model.Customer, error) {
	c, err := rr.s.Customer(rr.ctx, id)
	if err != nil {
		return nil, err
	}
	return toCustomer(c), nil
}

func (rr *relationReader) fullUser(id int) (*model.User, error) {
	u, err := rr.s.User(rr.ctx, id)
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

// actor answers the Actor union for the embedded person p: a customer or a
// user, as p's type says.
func (rr *relationReader) actor(p *upstream.Person, n personNeed, rel *model.Relation[model.Actor]) {
	switch {
	case p == nil || p.ID == 0:
		rel.Set(nil, nil) // nobody recorded: null
	case p.Type == "customer":
		rr.customer(p, n.customer, func(c *model.Customer, err error) {
			if c == nil {
				rel.Set(nil, err) // a nil *Customer would be a non-nil Actor
				return
			}
			rel.Set(c, err)
		})
	default:
		rr.user(p, n.user, func(u *model.User, err error) {
			if u == nil {
				rel.Set(nil, err)
				return
			}
			rel.Set(u, err)
		})
	}
}

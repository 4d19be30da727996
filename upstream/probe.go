package upstream

import (
	"context"
	"errors"
	"time"
)

// Probing. Some of what Install holds shows in any answer (a page size, a
// date); some only in answers to questions the gateway may not ask for a
// long time (does a status list filter?), and a wrong guess there is a
// silently wrong list. Probe asks those questions directly, each with a list
// of one item whose answer differs between an install that honours a
// parameter and one that ignores it:
//
//   - GET /api/mailboxes?pageSize=1: the dates (1.0.21) and whether lists
//     other than conversations take pageSize (1.0.71);
//   - GET /api/conversations?status=active,pending,closed,spam&pageSize=1:
//     how many conversations there are in all (every module lists every
//     status for that list), whether conversation lists take pageSize
//     (1.0.43), and a conversation, a customer and a mailbox to ask the
//     module questions about;
//   - status=closed,closed (1.0.77): an install that honours a status list
//     counts only the closed conversations, one that ignores it all of them
//     (when every conversation is closed the two agree, and nothing is
//     learnt);
//   - createdByUserId=2147483647 (1.0.73) and subject=<a random text>
//     (1.0.55): an install that honours them finds nothing, one that ignores
//     them everything (with no conversation at all, nothing is learnt);
//   - GET /api/tags, the first mailbox's custom fields, the first
//     conversation's timelogs and its customer: whether the Tags, Custom
//     Fields, Time Tracking and CRM modules are there.
//
// Each question is asked only while its answer is unknown, and what a
// question settles settles the gates it implies (see Install.Observe): on a
// current install the status list settles every gate.

// probeRetry is how long after a failed probe a new one waits.
const probeRetry = time.Minute

// Impossible values: an install that honours the parameter finds nothing.
const (
	probeUserID  = 2147483647
	probeSubject = "scoutgraph-probe-4c1e9a07b2d35f68"
)

// Probe asks FreeScout, with a few lists of one item, what no answer has
// told the client yet about the install (see above). One probe runs at a
// time, shared by every client derived from the same New: a caller that
// finds one running waits for it (or for ctx), and does not ask again. Once
// a probe has run, Probe returns its outcome without asking again until
// probeRetry has passed, whatever it left unknown (FreeScout was down, or
// has no conversation to tell by). What a probe learns goes to Install.
func (c *Client) Probe(ctx context.Context) error {
	in := c.install
	select {
	case in.probing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-in.probing }()
	if !in.probedAt.IsZero() && time.Since(in.probedAt) < probeRetry {
		return in.probeErr
	}
	err := c.probe(ctx)
	in.probeErr, in.probedAt = err, time.Now()
	return err
}

func (c *Client) probe(ctx context.Context) error {
	in := c.install
	unknown := func(gates ...Gate) bool {
		for _, g := range gates {
			if in.Gate(g) == Unknown {
				return true
			}
		}
		return false
	}
	var errs []error
	mailboxID := 0
	if unknown(GateColonDates, GateListPageSize) || in.Module(ModuleCustomFields) == Unknown {
		boxes, _, err := c.Mailboxes.List(ctx, &MailboxListOptions{ListOptions: ListOptions{Page: 1, PageSize: 1}})
		errs = append(errs, err)
		if len(boxes) > 0 {
			mailboxID = boxes[0].ID
		}
	}
	every := []string{"active", "pending", "closed", "spam"}
	count := func(o ConversationListOptions) (int, error) {
		o.ListOptions = ListOptions{Page: 1, PageSize: 1}
		_, p, err := c.Conversations.List(ctx, &o)
		return p.TotalElements, err
	}
	modulesUnknown := in.Module(ModuleTimeTracking) == Unknown || in.Module(ModuleCRM) == Unknown
	if !unknown(Gates()...) && !modulesUnknown {
		return c.probeModules(ctx, mailboxID, 0, 0, errors.Join(errs...))
	}
	items, p, err := c.Conversations.List(ctx, &ConversationListOptions{ListOptions: ListOptions{Page: 1, PageSize: 1}, Statuses: every})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	all := p.TotalElements
	conversationID, customerID := 0, 0
	if len(items) > 0 {
		conversationID = items[0].ID
		if items[0].Customer != nil {
			customerID = items[0].Customer.ID
		}
		if mailboxID == 0 {
			mailboxID = items[0].MailboxID
		}
	}
	if all > 0 && unknown(GateStatusList) {
		n, err := count(ConversationListOptions{Statuses: []string{"closed", "closed"}})
		switch {
		case err != nil:
			errs = append(errs, err)
		case n < all:
			in.Observe(GateStatusList, true)
		default:
			closed, err := count(ConversationListOptions{Statuses: []string{"closed"}})
			errs = append(errs, err)
			if err == nil && closed < all {
				in.Observe(GateStatusList, false)
			}
		}
	}
	impossible := []struct {
		gate Gate
		opts ConversationListOptions
	}{
		{GateCreatedByFilters, ConversationListOptions{Statuses: every, CreatedByUserID: probeUserID}},
		{GateNewFilters, ConversationListOptions{Statuses: every, Subject: probeSubject}},
	}
	for _, q := range impossible {
		if all == 0 || !unknown(q.gate) {
			continue
		}
		n, err := count(q.opts)
		switch {
		case errors.Is(err, ErrBadRequest):
			in.Observe(q.gate, true) // a module that knows the parameter checks it; an old one ignores it
		case err != nil:
			errs = append(errs, err)
		case n == 0:
			in.Observe(q.gate, true)
		case n == all:
			in.Observe(q.gate, false)
		}
	}
	return c.probeModules(ctx, mailboxID, conversationID, customerID, errors.Join(errs...))
}

// probeModules asks the module questions still open, about the mailbox,
// conversation and customer given (0: none known, not asked).
func (c *Client) probeModules(ctx context.Context, mailboxID, conversationID, customerID int, err error) error {
	in := c.install
	errs := []error{err}
	// A module's endpoint answering "not installed" is an answer, not a failure.
	ask := func(e error) {
		if e != nil && !errors.Is(e, ErrModuleMissing) {
			errs = append(errs, e)
		}
	}
	if in.Module(ModuleTags) == Unknown {
		_, _, e := c.Tags.List(ctx, &TagListOptions{ListOptions: ListOptions{Page: 1, PageSize: 1}})
		ask(e)
	}
	if in.Module(ModuleCustomFields) == Unknown && mailboxID != 0 {
		_, _, e := c.Mailboxes.ListCustomFields(ctx, mailboxID)
		ask(e)
	}
	if in.Module(ModuleTimeTracking) == Unknown && conversationID != 0 {
		_, _, e := c.Conversations.ListTimelogs(ctx, conversationID, &ListOptions{Page: 1, PageSize: 1})
		ask(e)
	}
	if in.Module(ModuleCRM) == Unknown && customerID != 0 {
		_, e := c.Customers.Get(ctx, customerID)
		ask(e)
	}
	return errors.Join(errs...)
}

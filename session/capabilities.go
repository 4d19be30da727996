package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Conversation filters on installs that ignore them. An API & Webhooks
// module older than a filter ignores it and lists more than was asked for
// (see upstream.Gate): a silently wrong list, which the session never
// returns. Before a conversation list is sent, each filter a module version
// brought is looked up in what the gateway knows of the install
// (upstream.Install; while it is unknown, the gateway's probe asks, once):
//
//   - the install honours it: it is sent, and every conversation FreeScout
//     answers is checked against it where the check is exact (statuses,
//     state, type, unassigned, createdBy, createdSince); one outside it
//     shows that the install ignores it after all, which the install
//     knowledge records, and the list is made again as below;
//   - the install ignores it (or it is still unknown): the gateway applies
//     it itself, on the whole list that FreeScout answers without it, when
//     it can check it on a conversation and that list has at most
//     maxLocalConversations conversations (it then costs one call per page
//     of FreeScout's: 50 or 100 conversations); otherwise the list is
//     refused with BAD_USER_INPUT saying why and what to do instead;
//   - tag needs the Tags module too: without it the list is
//     MODULE_UNAVAILABLE.
//
// The gateway's own filtering matches FreeScout's where FreeScout's is
// exact, and approximates it for subject (a case-insensitive substring) and
// tag (a case-insensitive name).

// maxLocalConversations bounds the lists the gateway filters itself.
const maxLocalConversations = 500

// probeTimeout bounds a probe of the install a list starts.
const probeTimeout = 10 * time.Second

// gatedFilter is a conversation filter a module version brought.
type gatedFilter struct {
	name string // as ConversationFilter names it
	gate upstream.Gate
	used func(o *upstream.ConversationListOptions) bool
	drop func(o *upstream.ConversationListOptions)
	// match reports whether c passes the filter of o; nil when a
	// conversation does not show it (customerPhone).
	match func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool
	// exact is true when match is exactly FreeScout's filter, so that a
	// conversation it rejects proves FreeScout ignored the filter.
	exact bool
}

var everyStatus = []string{"active", "pending", "closed", "spam"}

// statusSubset reports whether statuses are several, but not every, status:
// the list an install older than 1.0.77 answers with every status.
func statusSubset(statuses []string) bool {
	var distinct []string
	for _, s := range statuses {
		if !slices.Contains(distinct, s) {
			distinct = append(distinct, s)
		}
	}
	return len(distinct) > 1 && len(distinct) < len(everyStatus)
}

func personIs(p *upstream.Person, typ string, id int) bool {
	return p != nil && p.ID == id && (p.Type == typ || p.Type == "")
}

// gatedFilters are the filters a module version brought, oldest first.
var gatedFilters = []gatedFilter{
	{name: "state", gate: upstream.GateStateFilter, exact: true,
		used:  func(o *upstream.ConversationListOptions) bool { return o.State != "" },
		drop:  func(o *upstream.ConversationListOptions) { o.State = "" },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool { return c.State == o.State }},
	{name: "unassigned", gate: upstream.GateUnassignedFilter, exact: true,
		used: func(o *upstream.ConversationListOptions) bool { return o.Unassigned },
		drop: func(o *upstream.ConversationListOptions) { o.Unassigned = false },
		match: func(_ *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return c.Assignee == nil || c.Assignee.ID == 0
		}},
	{name: "type", gate: upstream.GateNewFilters, exact: true,
		used:  func(o *upstream.ConversationListOptions) bool { return o.Type != "" },
		drop:  func(o *upstream.ConversationListOptions) { o.Type = "" },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool { return c.Type == o.Type }},
	{name: "subject", gate: upstream.GateNewFilters,
		used: func(o *upstream.ConversationListOptions) bool { return o.Subject != "" },
		drop: func(o *upstream.ConversationListOptions) { o.Subject = "" },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return strings.Contains(strings.ToLower(c.Subject), strings.ToLower(o.Subject))
		}},
	{name: "customerPhone", gate: upstream.GateNewFilters,
		used: func(o *upstream.ConversationListOptions) bool { return o.CustomerPhone != "" },
		drop: func(o *upstream.ConversationListOptions) { o.CustomerPhone = "" }},
	{name: "tag", gate: upstream.GateNewFilters,
		used: func(o *upstream.ConversationListOptions) bool { return o.Tag != "" },
		drop: func(o *upstream.ConversationListOptions) { o.Tag = "" },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return slices.ContainsFunc(c.Embedded.Tags, func(t upstream.Tag) bool { return strings.EqualFold(t.Name, o.Tag) })
		}},
	{name: "createdSince", gate: upstream.GateNewFilters, exact: true,
		used: func(o *upstream.ConversationListOptions) bool { return !o.CreatedSince.IsZero() },
		drop: func(o *upstream.ConversationListOptions) { o.CreatedSince = time.Time{} },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return !c.CreatedAt.Before(o.CreatedSince.Truncate(time.Second)) // it is sent in whole seconds
		}},
	{name: "createdByUserId", gate: upstream.GateCreatedByFilters, exact: true,
		used: func(o *upstream.ConversationListOptions) bool { return o.CreatedByUserID != 0 },
		drop: func(o *upstream.ConversationListOptions) { o.CreatedByUserID = 0 },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return personIs(c.CreatedBy, "user", o.CreatedByUserID)
		}},
	{name: "createdByCustomerId", gate: upstream.GateCreatedByFilters, exact: true,
		used: func(o *upstream.ConversationListOptions) bool { return o.CreatedByCustomerID != 0 },
		drop: func(o *upstream.ConversationListOptions) { o.CreatedByCustomerID = 0 },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return personIs(c.CreatedBy, "customer", o.CreatedByCustomerID)
		}},
	{name: "statuses", gate: upstream.GateStatusList, exact: true,
		used: func(o *upstream.ConversationListOptions) bool { return statusSubset(o.Statuses) },
		drop: func(o *upstream.ConversationListOptions) { o.Statuses = everyStatus },
		match: func(o *upstream.ConversationListOptions, c *upstream.Conversation) bool {
			return slices.Contains(o.Statuses, c.Status)
		}},
}

// errFilterIgnored is what a conversation list answers when FreeScout listed
// a conversation outside a filter it was sent: the install ignores the
// filter (which the install knowledge now records).
var errFilterIgnored = errors.New("freescout ignored a conversation filter")

// listPlan is how a conversation list is asked for: what is sent, and the
// filters the gateway applies itself.
type listPlan struct {
	orig  upstream.ConversationListOptions // as asked
	send  upstream.ConversationListOptions // what FreeScout is sent
	local []gatedFilter                    // applied by the gateway
}

// planList decides, for the filters of opts a module version brought, which
// FreeScout applies and which the gateway does (see above). It probes the
// install, once per gateway process, while a filter's gate is unknown.
func (s *Session) planList(ctx context.Context, opts upstream.ConversationListOptions) (listPlan, error) {
	p := listPlan{orig: opts, send: opts}
	var used []gatedFilter
	for _, f := range gatedFilters {
		if f.used(&opts) {
			used = append(used, f)
		}
	}
	if len(used) == 0 {
		return p, nil
	}
	in := s.Install()
	for _, f := range used {
		if in.Gate(f.gate) == upstream.Unknown {
			// The probe's outcome is every request's: a client that gives up
			// does not cut it short.
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
			err := s.f.opts.Client.Probe(pctx)
			cancel()
			if err != nil {
				s.f.opts.Logger.WarnContext(ctx, "could not probe freescout's api module; filtering conversations in the gateway", "err", err)
			}
			break
		}
	}
	if opts.Tag != "" {
		if in.Module(upstream.ModuleTags) == upstream.Unsupported {
			return p, tagsMissing()
		}
		if !slices.Contains(p.send.Embed, upstream.EmbedTags) && in.Module(upstream.ModuleTags) != upstream.Supported {
			// The answer shows whether the Tags module is there.
			p.send.Embed = append(slices.Clone(p.send.Embed), upstream.EmbedTags)
		}
	}
	for _, f := range used {
		if in.Gate(f.gate) == upstream.Supported {
			continue
		}
		if f.match == nil {
			return p, errcode.New(errcode.BadUserInput, fmt.Sprintf(
				"filter.%s: %s, and the gateway cannot check it on conversations; filter by customerId or customerEmail instead",
				f.name, ignores(in, f.gate)))
		}
		f.drop(&p.send)
		p.local = append(p.local, f)
	}
	if len(p.local) > 0 && slices.ContainsFunc(p.local, func(f gatedFilter) bool { return f.name == "tag" }) &&
		!slices.Contains(p.send.Embed, upstream.EmbedTags) {
		p.send.Embed = append(slices.Clone(p.send.Embed), upstream.EmbedTags) // to filter by
	}
	return p, nil
}

func tagsMissing() error {
	return errcode.New(errcode.ModuleUnavailable, "this freescout has no Tags module (it is not installed or not active): filter.tag needs it").
		With("module", upstream.ModuleTags.Title())
}

// listConversations is the session's one conversation list call: it checks
// what FreeScout answers against the filters o sent that a module version
// brought (see above), and answers errFilterIgnored when FreeScout ignored
// one.
func (s *Session) listConversations(ctx context.Context, o *upstream.ConversationListOptions) ([]upstream.Conversation, upstream.Page, error) {
	items, page, err := s.cachedList(ctx, o)
	if err != nil {
		return nil, upstream.Page{}, err
	}
	if err := s.check(ctx, o, items); err != nil {
		return nil, upstream.Page{}, err
	}
	return items, page, nil
}

// check checks items, listed for o, against the gated filters of o.
func (s *Session) check(ctx context.Context, o *upstream.ConversationListOptions, items []upstream.Conversation) error {
	if o.Tag != "" && len(items) > 0 && slices.Contains(o.Embed, upstream.EmbedTags) && items[0].Embedded.Tags == nil {
		return tagsMissing() // FreeScout answered without the tags it was asked to embed
	}
	for _, f := range gatedFilters {
		if !f.exact || !f.used(o) {
			continue
		}
		for i := range items {
			if !f.match(o, &items[i]) {
				s.Install().Observe(f.gate, false)
				s.f.opts.Logger.InfoContext(ctx, "freescout ignores a conversation filter; the gateway applies it itself from now on",
					"filter", f.name, "since", f.gate.Since())
				return fmt.Errorf("filter.%s: %w", f.name, errFilterIgnored)
			}
		}
	}
	return nil
}

// conversationsLocally answers a conversation list whose plan has the
// gateway apply filters itself: done is false when it has none, and then
// opts is what to send FreeScout.
func (s *Session) conversationsLocally(ctx context.Context, opts *upstream.ConversationListOptions, offset, limit int) (_ paging.Page[upstream.Conversation], done bool, _ error) {
	plan, err := s.planList(ctx, *opts)
	if err != nil {
		return paging.Page[upstream.Conversation]{}, true, err
	}
	if len(plan.local) == 0 {
		*opts = plan.send
		return paging.Page[upstream.Conversation]{}, false, nil
	}
	all, err := s.filteredList(ctx, plan)
	if err != nil {
		return paging.Page[upstream.Conversation]{}, true, err
	}
	items := paging.Slice(all, offset, limit)
	return paging.Page[upstream.Conversation]{Items: items, Total: len(all), HasNext: offset+len(items) < len(all)}, true, nil
}

// filteredList reads the whole list plan sends, at most
// maxLocalConversations conversations in pages of FreeScout's, and keeps
// the conversations that pass the plan's own filters, in FreeScout's order.
// Within one operation it is read once.
func (s *Session) filteredList(ctx context.Context, plan listPlan) ([]upstream.Conversation, error) {
	send := plan.send
	send.ListOptions = upstream.ListOptions{}
	key := "conversations-filtered?" + send.Values().Encode() + "&filters=" + localNames(plan.local)
	return listOnce(ctx, s, key, func(ctx context.Context) ([]upstream.Conversation, error) {
		var total int
		all, err := allPages(ctx, func(ctx context.Context, page int) ([]upstream.Conversation, upstream.Page, error) {
			o := send
			o.ListOptions = upstream.ListOptions{Page: page, PageSize: paging.MaxPageSize}
			items, p, err := s.cachedList(ctx, &o)
			if err == nil && page == 1 {
				total = p.TotalElements
				if total > maxLocalConversations {
					return nil, p, tooLong(s.Install(), plan, total)
				}
				err = s.check(ctx, &upstream.ConversationListOptions{Tag: plan.orig.Tag, Embed: o.Embed}, items)
			}
			return items, p, err
		})
		if err != nil {
			return nil, err
		}
		out := make([]upstream.Conversation, 0, len(all))
		seen := make(map[int]bool, len(all))
		for i := range all {
			c := &all[i]
			if seen[c.ID] {
				continue // the list moved between two pages
			}
			seen[c.ID] = true
			if slices.ContainsFunc(plan.local, func(f gatedFilter) bool { return !f.match(&plan.orig, c) }) {
				continue
			}
			out = append(out, *c)
		}
		return out, nil
	})
}

func localNames(fs []gatedFilter) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return strings.Join(names, ",")
}

// ignores says that the install ignores a filter of gate g, or may.
func ignores(in *upstream.Install, g upstream.Gate) string {
	v := in.Report().Version
	if in.Gate(g) == upstream.Unsupported {
		return fmt.Sprintf("this freescout's api & webhooks module (version %s) ignores it (modules older than %s do)", v, g.Since())
	}
	return fmt.Sprintf("this freescout's api & webhooks module may ignore it (modules older than %s do, and the gateway could not tell the version yet: %s)", g.Since(), v)
}

// tooLong refuses a list the gateway would have to filter itself but that
// is too long for it.
func tooLong(in *upstream.Install, plan listPlan, total int) error {
	f := plan.local[0]
	hint := "narrow it with mailboxIds, folderId, assigneeId, customerId, customerEmail, number or updatedSince"
	if slices.ContainsFunc(plan.local, func(f gatedFilter) bool { return f.name == "statuses" }) {
		hint = "ask for one status at a time, or " + hint
	}
	return errcode.New(errcode.BadUserInput, fmt.Sprintf(
		"filter.%s: %s, and the gateway applies such a filter itself only to lists of at most %d conversations; without it this list has %d: %s",
		f.name, ignores(in, f.gate), maxLocalConversations, total, hint))
}

// servedPageSize is the page size to ask a list for when the install is
// known to ignore pageSize on it (it then serves 50 a page), so that the
// first call asks for the pages FreeScout serves; 0 otherwise.
func (s *Session) servedPageSize(conversations bool) int {
	g := upstream.GateListPageSize
	if conversations {
		g = upstream.GateConversationPageSize
	}
	if s.Install().Gate(g) == upstream.Unsupported {
		return 50
	}
	return 0
}

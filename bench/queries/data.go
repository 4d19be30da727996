package queries

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// pageSize is the largest page the gateway asks FreeScout for.
const pageSize = 100

// allStatuses is what "any status" means in a conversation list: FreeScout
// alone lists only active conversations.
func allStatuses() []string { return []string{"active", "pending", "closed", "spam"} }

// distinct returns the distinct non-zero ints of xs, sorted.
func distinct(xs []int) []int {
	out := make([]int, 0, len(xs))
	for _, x := range xs {
		if x != 0 && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// customerIDs are the distinct customers of a page of conversations.
func customerIDs(page []upstream.Conversation) []int {
	var ids []int
	for _, c := range page {
		if c.Customer != nil {
			ids = append(ids, c.Customer.ID)
		}
	}
	return distinct(ids)
}

// assigneeIDs are the distinct assignees of a page of conversations.
func assigneeIDs(page []upstream.Conversation) []int {
	var ids []int
	for _, c := range page {
		if c.Assignee != nil {
			ids = append(ids, c.Assignee.ID)
		}
	}
	return distinct(ids)
}

// fieldMailboxes are the distinct mailboxes of the conversations of a page
// that have custom-field values.
func fieldMailboxes(page []upstream.Conversation) []int {
	var ids []int
	for _, c := range page {
		if len(c.CustomFields) > 0 {
			ids = append(ids, c.MailboxID)
		}
	}
	return distinct(ids)
}

// timelogUserIDs are the distinct users of a conversation's timelogs.
func timelogUserIDs(c *upstream.Conversation) []int {
	var ids []int
	for _, t := range c.Embedded.Timelogs {
		ids = append(ids, t.UserID)
	}
	return distinct(ids)
}

// addUsers adds to cost what full profiles of n distinct users cost, whose
// ids an answer of round known gives: the cheaper of the user directory (it
// needs no id, so its first page goes out in the first round, the others,
// which page 1 announces, in the second) and one get per user (which needs
// the ids: the round after known).
func addUsers(ctx context.Context, c *upstream.Client, cost *Cost, n, known int) error {
	if n == 0 {
		return nil
	}
	_, p, err := c.Users.List(ctx, &upstream.UserListOptions{ListOptions: upstream.ListOptions{Page: 1, PageSize: pageSize}})
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	pages := max(p.TotalPages, 1)
	switch {
	case pages <= n:
		cost.add(1, RouteUsers, 1)
		cost.add(2, RouteUsers, pages-1)
	default:
		cost.add(known+1, RouteUser, n)
	}
	return nil
}

// allMailboxes returns every mailbox id and how many pages of 100 the
// mailbox list takes.
func allMailboxes(ctx context.Context, c *upstream.Client) ([]int, int, error) {
	var ids []int
	for page := 1; ; page++ {
		boxes, p, err := c.Mailboxes.List(ctx, &upstream.MailboxListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: pageSize}})
		if err != nil {
			return nil, 0, fmt.Errorf("mailboxes: %w", err)
		}
		for _, b := range boxes {
			ids = append(ids, b.ID)
		}
		if page >= p.TotalPages || len(boxes) == 0 {
			return ids, page, nil
		}
	}
}

// overviewLists returns how many conversation list calls the mailbox
// overview needs at least, and whether some of them must wait for another:
// one call for every mailbox at once whose page of 100 holds the first
// conversations of each mailbox (or all of them), plus one call for each
// mailbox it does not serve.
func overviewLists(ctx context.Context, c *upstream.Client, boxes []int) (int, bool, error) {
	if len(boxes) <= 1 {
		return len(boxes), false, nil
	}
	items, p, err := c.Conversations.List(ctx, &upstream.ConversationListOptions{
		ListOptions: upstream.ListOptions{Page: 1, PageSize: pageSize},
		MailboxIDs:  boxes, Statuses: allStatuses(),
	})
	if err != nil {
		return 0, false, fmt.Errorf("conversations of every mailbox: %w", err)
	}
	complete := p.TotalElements <= len(items)
	per := map[int]int{}
	for _, it := range items {
		per[it.MailboxID]++
	}
	unserved := 0
	for _, id := range boxes {
		if !complete && per[id] < overviewConversations {
			unserved++
		}
	}
	if unserved == len(boxes) {
		return len(boxes), false, nil // one list per mailbox, all at once
	}
	return 1 + unserved, unserved > 0, nil
}

// detailConversation fetches the conversation of the detail query.
func detailConversation(ctx context.Context, c *upstream.Client, vars map[string]any) (*upstream.Conversation, error) {
	s, _ := vars["id"].(string)
	id, err := strconv.Atoi(s)
	if err != nil {
		return nil, fmt.Errorf("conversation id %q: %w", s, err)
	}
	conv, err := c.Conversations.Get(ctx, id, upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags)
	if err != nil {
		return nil, fmt.Errorf("conversation %d: %w", id, err)
	}
	return conv, nil
}

// richestConversation picks the conversation with the most to show on a
// detail page: a customer, custom-field values, tags, timelogs and
// attachments; then the most timelog users, then the most threads; then the
// lowest id.
func richestConversation(ctx context.Context, c *upstream.Client) (int, error) {
	type score struct{ kinds, users, threads, id int }
	best := score{id: 0}
	better := func(a, b score) bool {
		if a.kinds != b.kinds {
			return a.kinds > b.kinds
		}
		if a.users != b.users {
			return a.users > b.users
		}
		if a.threads != b.threads {
			return a.threads > b.threads
		}
		return a.id < b.id
	}
	for page := 1; ; page++ {
		items, p, err := c.Conversations.List(ctx, &upstream.ConversationListOptions{
			ListOptions: upstream.ListOptions{Page: page, PageSize: pageSize},
			Statuses:    allStatuses(),
			Embed:       []string{upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags},
		})
		if err != nil {
			return 0, fmt.Errorf("conversations: %w", err)
		}
		for i := range items {
			conv := &items[i]
			attachments := 0
			for _, t := range conv.Embedded.Threads {
				attachments += len(t.Embedded.Attachments)
			}
			s := score{users: len(timelogUserIDs(conv)), threads: len(conv.Embedded.Threads), id: conv.ID}
			for _, has := range []bool{conv.Customer != nil, len(conv.CustomFields) > 0, len(conv.Embedded.Tags) > 0, len(conv.Embedded.Timelogs) > 0, attachments > 0} {
				if has {
					s.kinds++
				}
			}
			if best.id == 0 || better(s, best) {
				best = s
			}
		}
		if page >= p.TotalPages || len(items) == 0 {
			break
		}
	}
	if best.id == 0 {
		return 0, fmt.Errorf("no conversation to show")
	}
	return best.id, nil
}

// fanOut runs f for every id concurrently and returns the first error.
func fanOut(ctx context.Context, ids []int, f func(ctx context.Context, id int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, id := range ids {
		g.Go(func() error { return f(ctx, id) })
	}
	return g.Wait()
}

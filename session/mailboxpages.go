package session

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// mailboxPageKey asks for one window of one mailbox's conversations.
type mailboxPageKey struct {
	MailboxID int
	Filter    string // canonical query of the other list options
	Offset    int
	Limit     int
	NeedTotal bool // whether the caller needs the exact total
}

// mailboxPage is a window of a mailbox's conversations.
type mailboxPage = paging.Page[upstream.Conversation]

// mailboxConversations returns a window of one mailbox's conversations
// under opts (whose MailboxIDs and paging are ignored). Windows of several
// mailboxes asked for in the same request with the same options are
// served, where possible, by one list call with mailboxId=1,2,3.
//
// siblings are the mailboxes listed together with this one (itself
// included), or nil. The first windows of siblings are gathered until every
// sibling has asked, so that the combined call does not depend on all of
// them asking within the loader's wait (which a busy CPU can stretch).
func (s *Session) mailboxConversations(ctx context.Context, mailboxID int, siblings []int, opts upstream.ConversationListOptions, offset, limit int, needTotal bool) (*mailboxPage, error) {
	opts.MailboxIDs, opts.ListOptions = nil, upstream.ListOptions{}
	filter := opts.Values().Encode()
	s.mu.Lock()
	s.filters[filter] = opts
	s.mu.Unlock()
	key := mailboxPageKey{MailboxID: mailboxID, Filter: filter, Offset: offset, Limit: limit, NeedTotal: needTotal}
	if g, complete := s.gather(ctx, key, siblings); g != nil {
		if complete {
			s.fire(ctx, g)
		}
		return g.wait(ctx, mailboxID)
	}
	return s.mailboxPages.Load(ctx, key)()
}

// siblingWait bounds how long the first of several mailboxes listed
// together waits for the others to ask for their conversations before the
// windows asked for so far are fetched. They all ask at once; only a
// sibling that never asks (its resolver failed first) makes the others wait
// this long.
const siblingWait = 25 * time.Millisecond

// gatherKey names the first windows of a set of sibling mailboxes under one
// filter and limit.
type gatherKey struct {
	siblings string // sorted ids, comma separated
	filter   string
	limit    int
}

// gathering collects the first windows of sibling mailboxes until all of
// them asked (or siblingWait passed), then fetches them in one go.
type gathering struct {
	want    int              // how many siblings will ask
	keys    []mailboxPageKey // who asked, one per mailbox
	fired   bool
	timer   *time.Timer
	done    chan struct{} // closed once results is filled
	results map[int]*dataloader.Result[*mailboxPage]
}

// gather adds key to the gathering of its siblings. It returns nil when
// the key is not gathered: without siblings, for a window one call for
// several mailboxes cannot serve, or when the gathering was fetched before
// this mailbox asked. complete reports that key was the last one awaited:
// the caller fetches the gathering.
func (s *Session) gather(ctx context.Context, key mailboxPageKey, siblings []int) (g *gathering, complete bool) {
	if len(siblings) < 2 || key.Offset != 0 || key.NeedTotal || key.Limit <= 0 || !slices.Contains(siblings, key.MailboxID) {
		return nil, false
	}
	gk := gatherKey{siblings: joinInts(siblings), filter: key.Filter, limit: key.Limit}
	s.mu.Lock()
	defer s.mu.Unlock()
	g = s.gatherings[gk]
	if g == nil {
		ng := &gathering{want: len(siblings), done: make(chan struct{})}
		ng.timer = time.AfterFunc(siblingWait, func() { s.fire(ctx, ng) })
		s.gatherings[gk], g = ng, ng
	}
	for _, k := range g.keys {
		if k.MailboxID == key.MailboxID {
			return g, false // asked already: share the answer
		}
	}
	if g.fired {
		return nil, false
	}
	g.keys = append(g.keys, key)
	return g, len(g.keys) == g.want
}

// fire fetches a gathering's windows, once.
func (s *Session) fire(ctx context.Context, g *gathering) {
	s.mu.Lock()
	if g.fired {
		s.mu.Unlock()
		return
	}
	g.fired = true
	g.timer.Stop()
	keys := g.keys
	s.mu.Unlock()
	out := s.pagesBatch(ctx, keys)
	g.results = make(map[int]*dataloader.Result[*mailboxPage], len(keys))
	for i, k := range keys {
		g.results[k.MailboxID] = out[i]
		if out[i].Error == nil {
			s.mailboxPages.Prime(ctx, k, out[i].Data)
		}
	}
	close(g.done)
}

// wait returns the window of mailboxID once the gathering is fetched.
func (g *gathering) wait(ctx context.Context, mailboxID int) (*mailboxPage, error) {
	select {
	case <-g.done:
		r := g.results[mailboxID]
		return r.Data, r.Error
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func joinInts(ids []int) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}

func (s *Session) filterOpts(filter string) upstream.ConversationListOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filters[filter]
}

// batchMailboxPages groups first pages with the same options and no need for
// totals into one combined call; everything else, and every mailbox the
// combined call could not fully serve, is fetched on its own.
func (s *Session) batchMailboxPages(ctx context.Context, keys []mailboxPageKey) []*dataloader.Result[*mailboxPage] {
	out := make([]*dataloader.Result[*mailboxPage], len(keys))
	type group struct {
		filter string
		limit  int
	}
	groups := map[group][]int{}
	var single []int
	for i, k := range keys {
		if k.Offset == 0 && !k.NeedTotal && k.Limit > 0 {
			g := group{k.Filter, k.Limit}
			groups[g] = append(groups[g], i)
		} else {
			single = append(single, i)
		}
	}
	var wg sync.WaitGroup
	for g, idx := range groups {
		if len(idx) == 1 {
			single = append(single, idx[0])
			continue
		}
		wg.Go(func() {
			left := s.combined(ctx, g.filter, g.limit, keys, idx, out)
			var inner sync.WaitGroup
			for _, i := range left {
				inner.Go(func() { out[i] = s.singleMailboxPage(ctx, keys[i]) })
			}
			inner.Wait()
		})
	}
	for _, i := range single {
		wg.Go(func() { out[i] = s.singleMailboxPage(ctx, keys[i]) })
	}
	wg.Wait()
	return out
}

// combined makes one list call for the mailboxes of idx and fills out for
// each mailbox it fully answers; it returns the indexes it could not serve.
func (s *Session) combined(ctx context.Context, filter string, limit int, keys []mailboxPageKey, idx []int, out []*dataloader.Result[*mailboxPage]) []int {
	opts := s.filterOpts(filter)
	ids := make([]int, 0, len(idx))
	for _, i := range idx {
		ids = append(ids, keys[i].MailboxID)
	}
	sort.Ints(ids)
	opts.MailboxIDs = ids
	opts.ListOptions = upstream.ListOptions{Page: 1, PageSize: paging.MaxPageSize}
	items, page, err := s.listConversations(ctx, &opts)
	if err != nil {
		for _, i := range idx {
			out[i] = &dataloader.Result[*mailboxPage]{Error: err}
		}
		return nil
	}
	complete := page.TotalElements <= len(items)
	byMailbox := map[int][]upstream.Conversation{}
	for _, c := range items {
		byMailbox[c.MailboxID] = append(byMailbox[c.MailboxID], c)
	}
	var left []int
	for _, i := range idx {
		got := byMailbox[keys[i].MailboxID]
		switch {
		case len(got) > limit:
			out[i] = &dataloader.Result[*mailboxPage]{Data: &mailboxPage{Items: got[:limit], Total: -1, HasNext: true}}
		case complete:
			out[i] = &dataloader.Result[*mailboxPage]{Data: &mailboxPage{Items: got, Total: len(got)}}
		default:
			left = append(left, i)
		}
	}
	return left
}

func (s *Session) singleMailboxPage(ctx context.Context, k mailboxPageKey) *dataloader.Result[*mailboxPage] {
	opts := s.filterOpts(k.Filter)
	opts.MailboxIDs = []int{k.MailboxID}
	items, total, err := paging.WindowSized(ctx, k.Offset, k.Limit, s.servedPageSize(true), func(ctx context.Context, page, size int) ([]upstream.Conversation, upstream.Page, error) {
		o := opts
		o.ListOptions = upstream.ListOptions{Page: page, PageSize: size}
		return s.listConversations(ctx, &o)
	})
	if err != nil {
		return &dataloader.Result[*mailboxPage]{Error: err}
	}
	return &dataloader.Result[*mailboxPage]{Data: &mailboxPage{Items: items, Total: total, HasNext: k.Offset+len(items) < total}}
}

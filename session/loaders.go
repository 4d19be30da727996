package session

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// loaders are one session's dataloaders. FreeScout has no batch endpoints,
// so a loader's job is to deduplicate keys within the operation and fetch
// what remains concurrently (the client bounds requests in flight), and to
// serve lookups from lists that answer many keys with one call: the user
// directory and the mailbox list (cached), and one conversation list call
// for several mailboxes (mailboxpages.go).
type loaders struct {
	customers     *dataloader.Loader[int, *upstream.Customer]
	users         *dataloader.Loader[int, *upstream.User]
	conversations *dataloader.Loader[conversationKey, *upstream.Conversation]
	fieldDefs     *dataloader.Loader[int, []upstream.CustomField]
	folders       *dataloader.Loader[int, []upstream.Folder]
	userBoxes     *dataloader.Loader[int, []upstream.Mailbox]
	mailboxPages  *dataloader.Loader[mailboxPageKey, *mailboxPage]
	pagesBatch    dataloader.BatchFunc[mailboxPageKey, *mailboxPage] // mailboxPages' batch function

	usersDir   once[map[int]upstream.User]
	mailboxDir once[[]upstream.Mailbox]

	mu         sync.Mutex
	filters    map[string]upstream.ConversationListOptions
	gatherings map[gatherKey]*gathering
	lists      map[string]*once[any] // identical list calls, made once
}

// initLoaders makes the session's loaders. Loaders that fetch key by key
// start each fetch as soon as its key is asked for: with no batch endpoint,
// waiting for more keys gathers nothing (the loader's cache already
// deduplicates them) and only delays the answer. Only the mailbox pages,
// which one list call can combine, wait for company.
func (s *Session) initLoaders() {
	l := &s.loaders
	l.filters = map[string]upstream.ConversationListOptions{}
	l.gatherings = map[gatherKey]*gathering{}
	l.lists = map[string]*once[any]{}
	f := s.f
	l.customers = dataloader.NewBatchedLoader(observed(f, loaderCustomers, eachKey(s.fetchCustomer)), dataloader.WithBatchCapacity[int, *upstream.Customer](1))
	l.users = dataloader.NewBatchedLoader(observed(f, loaderUsers, s.batchUsers), dataloader.WithBatchCapacity[int, *upstream.User](1))
	l.conversations = dataloader.NewBatchedLoader(observed(f, loaderConversations, eachKey(s.fetchConversation)), dataloader.WithBatchCapacity[conversationKey, *upstream.Conversation](1))
	l.fieldDefs = dataloader.NewBatchedLoader(observed(f, loaderCustomFields, eachKey(s.fetchDefinitions)), dataloader.WithBatchCapacity[int, []upstream.CustomField](1))
	l.folders = dataloader.NewBatchedLoader(observed(f, loaderFolders, eachKey(s.fetchFolders)), dataloader.WithBatchCapacity[int, []upstream.Folder](1))
	l.userBoxes = dataloader.NewBatchedLoader(observed(f, loaderUserMailboxes, eachKey(s.userMailboxes)), dataloader.WithBatchCapacity[int, []upstream.Mailbox](1))
	// The windows of sibling mailboxes gathered together (mailboxpages.go)
	// are fetched by the same batch function, outside the loader.
	l.pagesBatch = observed(f, loaderMailboxPages, s.batchMailboxPages)
	l.mailboxPages = dataloader.NewBatchedLoader(l.pagesBatch, dataloader.WithWait[mailboxPageKey, *mailboxPage](s.f.opts.MailboxPageWait))
}

// Forget drops what the session has read, so that reads after a write in
// the same operation (a mutation's payload, the next mutation of the
// operation) see FreeScout as it now stands. The shared cache is not
// touched: each write drops what it makes stale there.
func (s *Session) Forget() {
	l := &s.loaders
	l.customers.ClearAll()
	l.users.ClearAll()
	l.conversations.ClearAll()
	l.fieldDefs.ClearAll()
	l.folders.ClearAll()
	l.userBoxes.ClearAll()
	l.mailboxPages.ClearAll()
	l.usersDir.reset()
	s.gen.reset()
	l.mailboxDir.reset()
	l.mu.Lock()
	l.gatherings = map[gatherKey]*gathering{}
	l.lists = map[string]*once[any]{}
	l.mu.Unlock()
}

// conversationKey names a conversation and what to embed with it.
type conversationKey struct {
	id    int
	embed string // sorted, comma separated
}

func (s *Session) userDirectory(ctx context.Context) (map[int]upstream.User, error) {
	return s.usersDir.get(ctx, func(ctx context.Context) (map[int]upstream.User, error) {
		all, err := s.allUsers(ctx)
		if err != nil {
			return nil, err
		}
		m := make(map[int]upstream.User, len(all))
		for _, u := range all {
			m[u.ID] = u
		}
		return m, nil
	})
}

func (s *Session) fetchCustomer(ctx context.Context, id int) (*upstream.Customer, error) {
	c, err := s.customerProfile(ctx, id)
	if err != nil {
		return nil, wrapNotFound(err, "customer", id)
	}
	return c, nil
}

func (s *Session) fetchConversation(ctx context.Context, k conversationKey) (*upstream.Conversation, error) {
	embed := []string{""} // embed= asks for nothing, instead of FreeScout's default of threads
	if k.embed != "" {
		embed = strings.Split(k.embed, ",")
	}
	c, err := s.getConversation(ctx, k.id, embed...)
	if err != nil {
		return nil, wrapNotFound(err, "conversation", k.id)
	}
	return c, nil
}

func (s *Session) fetchDefinitions(ctx context.Context, mailboxID int) ([]upstream.CustomField, error) {
	defs, _, err := s.definitions(ctx, mailboxID)
	return defs, err
}

func (s *Session) fetchFolders(ctx context.Context, mailboxID int) ([]upstream.Folder, error) {
	return allPages(ctx, func(ctx context.Context, page int) ([]upstream.Folder, upstream.Page, error) {
		return s.listFolders(ctx, mailboxID, &upstream.FolderListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: maxPageSize}})
	})
}

// batchUsers answers from the user directory, and asks FreeScout one by one
// only for users the directory does not know (created since it was cached).
func (s *Session) batchUsers(ctx context.Context, ids []int) []*dataloader.Result[*upstream.User] {
	dir, err := s.userDirectory(ctx)
	out := make([]*dataloader.Result[*upstream.User], len(ids))
	if err != nil {
		for i := range out {
			out[i] = &dataloader.Result[*upstream.User]{Error: err}
		}
		return out
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		if u, ok := dir[id]; ok {
			out[i] = &dataloader.Result[*upstream.User]{Data: &u}
			continue
		}
		wg.Go(func() {
			u, err := s.client.Users.Get(ctx, id)
			out[i] = &dataloader.Result[*upstream.User]{Data: u, Error: wrapNotFound(err, "user", id)}
		})
	}
	wg.Wait()
	return out
}

// eachKey turns a single-key fetch into a batch function that fetches every
// key concurrently.
func eachKey[K comparable, V any](fetch func(context.Context, K) (V, error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		out := make([]*dataloader.Result[V], len(keys))
		var wg sync.WaitGroup
		for i, k := range keys {
			wg.Go(func() {
				v, err := fetch(ctx, k)
				out[i] = &dataloader.Result[V]{Data: v, Error: err}
			})
		}
		wg.Wait()
		return out
	}
}

// once computes a value at most once per session.
type once[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
	err  error
}

func (o *once[T]) get(ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done {
		o.v, o.err = f(ctx)
		o.done = true
	}
	return o.v, o.err
}

// reset makes the next get compute the value again.
func (o *once[T]) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	var zero T
	o.done, o.v, o.err = false, zero, nil
}

// listOnce makes the list call named by key (its route and query) at most
// once per session: identical calls within one operation (the same list
// under two aliases) share one answer.
func listOnce[T any](ctx context.Context, s *Session, key string, fetch func(context.Context) (T, error)) (T, error) {
	s.mu.Lock()
	o := s.lists[key]
	if o == nil {
		o = &once[any]{}
		s.lists[key] = o
	}
	s.mu.Unlock()
	v, err := o.get(ctx, func(ctx context.Context) (any, error) { return fetch(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

func joinSorted(s []string) string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return strings.Join(c, ",")
}

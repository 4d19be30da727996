// Package loader holds the per-request dataloaders through which resolvers
// reach FreeScout. FreeScout has no batch endpoints, so a loader's job is to
// deduplicate keys within a request, fetch what remains concurrently (the
// upstream client bounds requests in flight), and serve lookups from
// lists that answer many keys with one call: the user directory and the
// mailbox list (cached), and one conversation list call for several
// mailboxes. Customer profiles and custom-field definitions are cached
// across requests too.
package loader

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Factory makes the Loaders of each request.
type Factory struct {
	client *upstream.Client
	dir    *Directory
	defs   *customfields.Definitions
	wait   time.Duration
}

// NewFactory returns a Factory. wait is how long the mailbox-page loader
// collects keys before fetching them (a few milliseconds at most: it only
// has to catch the sibling fields gqlgen resolves concurrently); the other
// loaders fetch each key at once.
func NewFactory(client *upstream.Client, dir *Directory, defs *customfields.Definitions, wait time.Duration) *Factory {
	return &Factory{client: client, dir: dir, defs: defs, wait: wait}
}

// Loaders are one request's dataloaders. Create them per request with
// Factory.New; never share them between requests.
type Loaders struct {
	f             *Factory
	customers     *dataloader.Loader[int, *upstream.Customer]
	users         *dataloader.Loader[int, *upstream.User]
	conversations *dataloader.Loader[ConversationKey, *upstream.Conversation]
	fieldDefs     *dataloader.Loader[int, []upstream.CustomField]
	folders       *dataloader.Loader[int, []upstream.Folder]
	userMailboxes *dataloader.Loader[int, []upstream.Mailbox]
	mailboxPages  *dataloader.Loader[MailboxPageKey, *MailboxPage]

	usersDir   once[map[int]upstream.User]
	mailboxDir once[[]upstream.Mailbox]

	mu         sync.Mutex
	filters    map[string]upstream.ConversationListOptions
	gatherings map[gatherKey]*gathering
}

// New returns fresh Loaders for one request.
func (f *Factory) New() *Loaders {
	l := &Loaders{f: f, filters: map[string]upstream.ConversationListOptions{}, gatherings: map[gatherKey]*gathering{}}
	// Loaders that fetch key by key start each fetch as soon as its key is
	// asked for: with no batch endpoint, waiting for more keys gathers
	// nothing (the loader's cache already deduplicates them) and only
	// delays the answer. Only the mailbox pages, which one list call can
	// combine, wait for company.
	l.customers = dataloader.NewBatchedLoader(eachKey(l.fetchCustomer), dataloader.WithBatchCapacity[int, *upstream.Customer](1))
	l.users = dataloader.NewBatchedLoader(l.batchUsers, dataloader.WithBatchCapacity[int, *upstream.User](1))
	l.conversations = dataloader.NewBatchedLoader(eachKey(l.fetchConversation), dataloader.WithBatchCapacity[ConversationKey, *upstream.Conversation](1))
	l.fieldDefs = dataloader.NewBatchedLoader(eachKey(f.defs.Get), dataloader.WithBatchCapacity[int, []upstream.CustomField](1))
	l.folders = dataloader.NewBatchedLoader(eachKey(l.fetchFolders), dataloader.WithBatchCapacity[int, []upstream.Folder](1))
	l.userMailboxes = dataloader.NewBatchedLoader(eachKey(f.dir.UserMailboxes), dataloader.WithBatchCapacity[int, []upstream.Mailbox](1))
	l.mailboxPages = dataloader.NewBatchedLoader(l.batchMailboxPages, dataloader.WithWait[MailboxPageKey, *MailboxPage](f.wait))
	return l
}

type ctxKey struct{}

// Middleware puts fresh Loaders into every request's context.
func (f *Factory) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithLoaders(r.Context(), f.New())))
	})
}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the request's Loaders, or nil when ctx carries none.
func For(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	return l
}

// Customer returns the full customer with id (cached, see
// Directory.Customer).
func (l *Loaders) Customer(ctx context.Context, id int) (*upstream.Customer, error) {
	return l.customers.Load(ctx, id)()
}

// User returns the user with id, from the (cached) user directory when it
// knows the user, else from FreeScout.
func (l *Loaders) User(ctx context.Context, id int) (*upstream.User, error) {
	return l.users.Load(ctx, id)()
}

// ConversationKey names a conversation and what to embed with it.
type ConversationKey struct {
	ID    int
	Embed string // sorted, comma separated
}

// Conversation returns the conversation with id, embedding embed.
func (l *Loaders) Conversation(ctx context.Context, id int, embed []string) (*upstream.Conversation, error) {
	return l.conversations.Load(ctx, ConversationKey{ID: id, Embed: joinSorted(embed)})()
}

// CustomFields returns a mailbox's custom-field definitions (cached).
func (l *Loaders) CustomFields(ctx context.Context, mailboxID int) ([]upstream.CustomField, error) {
	return l.fieldDefs.Load(ctx, mailboxID)()
}

// Folders returns a mailbox's folders.
func (l *Loaders) Folders(ctx context.Context, mailboxID int) ([]upstream.Folder, error) {
	return l.folders.Load(ctx, mailboxID)()
}

// UserMailboxes returns the mailboxes a user can access (cached).
func (l *Loaders) UserMailboxes(ctx context.Context, userID int) ([]upstream.Mailbox, error) {
	return l.userMailboxes.Load(ctx, userID)()
}

// Mailboxes returns every mailbox (cached).
func (l *Loaders) Mailboxes(ctx context.Context) ([]upstream.Mailbox, error) {
	return l.mailboxDir.get(ctx, l.f.dir.Mailboxes)
}

// Mailbox returns the mailbox with id, from the cached mailbox list.
func (l *Loaders) Mailbox(ctx context.Context, id int) (*upstream.Mailbox, error) {
	all, err := l.Mailboxes(ctx)
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

// Users returns the whole user directory (cached), ordered by id.
func (l *Loaders) Users(ctx context.Context) ([]upstream.User, error) {
	dir, err := l.userDirectory(ctx)
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

// PrefetchCustomFields starts loading the custom-field definitions of
// mailboxes without waiting for them, so that a page whose selection needs
// them fetches them all at once as soon as the page is known, not one by
// one as its fields resolve.
func (l *Loaders) PrefetchCustomFields(ctx context.Context, mailboxIDs []int) {
	for _, id := range mailboxIDs {
		l.fieldDefs.Load(ctx, id)
	}
}

// PrefetchUsers starts loading the user directory without waiting for it,
// so that a query known to need full user profiles fetches them while
// other calls are in flight.
func (l *Loaders) PrefetchUsers(ctx context.Context) {
	go func() { _, _ = l.userDirectory(context.WithoutCancel(ctx)) }()
}

// PrefetchMailboxes is PrefetchUsers for the mailbox list.
func (l *Loaders) PrefetchMailboxes(ctx context.Context) {
	go func() { _, _ = l.Mailboxes(context.WithoutCancel(ctx)) }()
}

// Forget drops what these loaders have loaded, so that reads after a write
// in the same request (a mutation's payload, the next mutation of the
// operation) see FreeScout as it now stands.
func (l *Loaders) Forget() {
	l.customers.ClearAll()
	l.users.ClearAll()
	l.conversations.ClearAll()
	l.fieldDefs.ClearAll()
	l.folders.ClearAll()
	l.userMailboxes.ClearAll()
	l.mailboxPages.ClearAll()
	l.usersDir.reset()
	l.mailboxDir.reset()
	l.mu.Lock()
	l.gatherings = map[gatherKey]*gathering{}
	l.mu.Unlock()
}

func (l *Loaders) userDirectory(ctx context.Context) (map[int]upstream.User, error) {
	return l.usersDir.get(ctx, func(ctx context.Context) (map[int]upstream.User, error) {
		all, err := l.f.dir.Users(ctx)
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

func (l *Loaders) fetchCustomer(ctx context.Context, id int) (*upstream.Customer, error) {
	c, err := l.f.dir.Customer(ctx, id)
	if err != nil {
		return nil, wrapNotFound(err, "customer", id)
	}
	return c, nil
}

func (l *Loaders) fetchConversation(ctx context.Context, k ConversationKey) (*upstream.Conversation, error) {
	var embed []string
	if k.Embed != "" {
		embed = strings.Split(k.Embed, ",")
	} else {
		embed = []string{""} // embed= asks for nothing, instead of FreeScout's default of threads
	}
	c, err := l.f.client.Conversations.Get(ctx, k.ID, embed...)
	if err != nil {
		return nil, wrapNotFound(err, "conversation", k.ID)
	}
	return c, nil
}

func (l *Loaders) fetchFolders(ctx context.Context, mailboxID int) ([]upstream.Folder, error) {
	return allPages(ctx, func(ctx context.Context, page int) ([]upstream.Folder, upstream.Page, error) {
		return l.f.client.Mailboxes.ListFolders(ctx, mailboxID, &upstream.FolderListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: maxPageSize}})
	})
}

// batchUsers answers from the user directory, and asks FreeScout one by one
// only for users the directory does not know (created since it was cached).
func (l *Loaders) batchUsers(ctx context.Context, ids []int) []*dataloader.Result[*upstream.User] {
	dir, err := l.userDirectory(ctx)
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
			u, err := l.f.client.Users.Get(ctx, id)
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

// once computes a value at most once per request.
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

func joinSorted(s []string) string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return strings.Join(c, ",")
}

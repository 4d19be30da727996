package loader

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/upstream"

	json "github.com/goccy/go-json"
)

// DirectoryTTL is how long the mailbox list, the user directory and
// customer profiles stay cached. They change rarely, but a new agent or an
// edited customer should show within a minute.
const DirectoryTTL = time.Minute

// Cache keys of the directories. The store adds its versioned prefix.
const (
	keyUsers     = "users"
	keyMailboxes = "mailboxes"
)

func keyUserMailboxes(userID int) string { return "mailboxes:user:" + strconv.Itoa(userID) }

func keyCustomer(id int) string { return "customer:" + strconv.Itoa(id) }

// Directory serves slow-changing data (the mailbox list, the user
// directory, a user's mailboxes, customer profiles) from the shared cache,
// fetching it from FreeScout on a miss.
type Directory struct {
	client *upstream.Client
	store  *cache.Store
}

// NewDirectory returns a Directory over client, cached in store.
func NewDirectory(client *upstream.Client, store *cache.Store) *Directory {
	return &Directory{client: client, store: store}
}

// Users returns every user.
func (d *Directory) Users(ctx context.Context) ([]upstream.User, error) {
	return cached(ctx, d.store, keyUsers, func(ctx context.Context) ([]upstream.User, error) {
		return allPages(ctx, func(ctx context.Context, page int) ([]upstream.User, upstream.Page, error) {
			return d.client.Users.List(ctx, &upstream.UserListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: maxPageSize}})
		})
	})
}

// Mailboxes returns every mailbox.
func (d *Directory) Mailboxes(ctx context.Context) ([]upstream.Mailbox, error) {
	return cached(ctx, d.store, keyMailboxes, func(ctx context.Context) ([]upstream.Mailbox, error) {
		return d.mailboxPages(ctx, 0)
	})
}

// UserMailboxes returns the mailboxes userID can access.
func (d *Directory) UserMailboxes(ctx context.Context, userID int) ([]upstream.Mailbox, error) {
	return cached(ctx, d.store, keyUserMailboxes(userID), func(ctx context.Context) ([]upstream.Mailbox, error) {
		return d.mailboxPages(ctx, userID)
	})
}

// InvalidateUsers drops the cached user directory, after a user was created
// or deleted.
func (d *Directory) InvalidateUsers(ctx context.Context) {
	d.store.Invalidate(ctx, keyUsers)
}

// Customer returns the full customer with id. Customer profiles are cached
// like the directories: a page of conversations names dozens of customers,
// FreeScout can only be asked for them one by one, and a profile changes
// far less often than the page is shown.
func (d *Directory) Customer(ctx context.Context, id int) (*upstream.Customer, error) {
	return cached(ctx, d.store, keyCustomer(id), func(ctx context.Context) (*upstream.Customer, error) {
		return d.client.Customers.Get(ctx, id)
	})
}

// InvalidateCustomer drops a cached customer profile, after the customer
// was changed through the gateway.
func (d *Directory) InvalidateCustomer(ctx context.Context, id int) {
	d.store.Invalidate(ctx, keyCustomer(id))
}

func (d *Directory) mailboxPages(ctx context.Context, userID int) ([]upstream.Mailbox, error) {
	return allPages(ctx, func(ctx context.Context, page int) ([]upstream.Mailbox, upstream.Page, error) {
		return d.client.Mailboxes.List(ctx, &upstream.MailboxListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: maxPageSize}, UserID: userID})
	})
}

// maxPageSize is the page size the gateway asks FreeScout for when it
// wants everything.
const maxPageSize = 100

// cached serves key from store as JSON, loading it with load on a miss.
func cached[T any](ctx context.Context, store *cache.Store, key string, load func(context.Context) (T, error)) (T, error) {
	var out T
	b, err := store.GetOrLoad(ctx, key, DirectoryTTL, func(ctx context.Context) ([]byte, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("decode cached %s: %w", key, err)
	}
	return out, nil
}

// allPages fetches page 1, then every further page concurrently.
func allPages[T any](ctx context.Context, fetch func(ctx context.Context, page int) ([]T, upstream.Page, error)) ([]T, error) {
	first, p, err := fetch(ctx, 1)
	if err != nil {
		return nil, err
	}
	if p.TotalPages <= 1 || len(first) == 0 {
		return first, nil
	}
	rest := make([][]T, p.TotalPages-1)
	g, gctx := errgroup.WithContext(ctx)
	for i := range rest {
		g.Go(func() error {
			items, _, err := fetch(gctx, i+2)
			rest[i] = items
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, r := range rest {
		first = append(first, r...)
	}
	return first, nil
}

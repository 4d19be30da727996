package session

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scoutgraph/scoutgraph/upstream"

	json "github.com/goccy/go-json"
)

// The directories: slow-changing data served from the shared cache (see the
// package doc), fetched with the session's client on a miss.

// allUsers returns every user.
func (s *Session) allUsers(ctx context.Context) ([]upstream.User, error) {
	users, err := cached(ctx, s, kindUsers, s.keys.users(), s.f.opts.DirectoryTTL, func(ctx context.Context) ([]upstream.User, error) {
		return allPages(ctx, func(ctx context.Context, page int) ([]upstream.User, upstream.Page, error) {
			return s.client.Users.List(ctx, &upstream.UserListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: maxPageSize}})
		})
	})
	if err == nil {
		s.f.knownFor(s.keys.ns).userPages.Store(int64(max(1, (len(users)+maxPageSize-1)/maxPageSize)))
	}
	return users, err
}

// allMailboxes returns every mailbox, as FreeScout lists them for the key.
func (s *Session) allMailboxes(ctx context.Context) ([]upstream.Mailbox, error) {
	boxes, err := cached(ctx, s, kindMailboxes, s.keys.mailboxes(), s.f.opts.DirectoryTTL, func(ctx context.Context) ([]upstream.Mailbox, error) {
		return s.listMailboxes(ctx, 0)
	})
	if err == nil {
		s.f.knownFor(s.keys.ns).mailboxes.Store(int64(len(boxes)))
	}
	return boxes, err
}

// userMailboxes returns the mailboxes userID can access.
func (s *Session) userMailboxes(ctx context.Context, userID int) ([]upstream.Mailbox, error) {
	return cached(ctx, s, kindUserMailboxes, s.keys.userMailboxes(userID), s.f.opts.DirectoryTTL, func(ctx context.Context) ([]upstream.Mailbox, error) {
		return s.listMailboxes(ctx, userID)
	})
}

// customerProfile returns the full customer with id.
func (s *Session) customerProfile(ctx context.Context, id int) (*upstream.Customer, error) {
	return cached(ctx, s, kindCustomer, s.keys.customer(id), s.f.opts.DirectoryTTL, func(ctx context.Context) (*upstream.Customer, error) {
		return s.client.Customers.Get(ctx, id)
	})
}

func (s *Session) listMailboxes(ctx context.Context, userID int) ([]upstream.Mailbox, error) {
	return allPages(ctx, func(ctx context.Context, page int) ([]upstream.Mailbox, upstream.Page, error) {
		return s.client.Mailboxes.List(ctx, &upstream.MailboxListOptions{ListOptions: upstream.ListOptions{Page: page, PageSize: maxPageSize}, UserID: userID})
	})
}

// maxPageSize is the page size the gateway asks FreeScout for when it
// wants everything.
const maxPageSize = 100

// cached serves key from the shared cache as JSON, loading it with load on a
// miss, and reports the lookup (and the store of what it loaded) to
// ObserveCache. A value this version cannot
// decode (written by another version, or damaged) is dropped and loaded
// afresh, once.
func cached[T any](ctx context.Context, s *Session, kind, key string, ttl time.Duration, load func(context.Context) (T, error)) (T, error) {
	v, _, err := cachedFresh(ctx, s, kind, key, ttl, load)
	return v, err
}

// reusable are the kinds of cached values decoded once for as long as the
// cache answers the same bytes (see upstream.Reuse): the conversation cache's,
// read on every warm inbox query. Their readers never write to them.
var reusable = map[string]bool{kindConversationList: true, kindConversation: true}

// cachedFresh is cached that also reports whether this very call loaded the
// value from FreeScout (rather than the cache or another caller's load).
func cachedFresh[T any](ctx context.Context, s *Session, kind, key string, ttl time.Duration, load func(context.Context) (T, error)) (T, bool, error) {
	var out T
	var loaded atomic.Bool // set on the store's loader goroutine
	fill := func(ctx context.Context) ([]byte, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		loaded.Store(true)
		return json.Marshal(v)
	}
	for attempt := 0; ; attempt++ {
		b, err := s.f.opts.Store.GetOrLoad(ctx, key, ttl, fill)
		if err != nil {
			return out, false, err
		}
		if reusable[kind] {
			out, err = upstream.Reuse(s.f.decoded, key, b, func(b []byte) (T, error) {
				var v T
				return v, json.Unmarshal(b, &v)
			})
		} else {
			err = json.Unmarshal(b, &out)
		}
		if err == nil {
			fresh := loaded.Load()
			s.f.opts.ObserveCache(ctx, CacheCall{Op: CacheLookup, Kind: kind, Keys: 1, Hit: !fresh})
			if fresh {
				s.f.opts.ObserveCache(ctx, CacheCall{Op: CacheSet, Kind: kind, Keys: 1})
			}
			return out, fresh, nil
		}
		if attempt > 0 {
			return out, false, fmt.Errorf("decode cached %s: %w", kind, err)
		}
		s.f.invalidate(ctx, kind, key)
	}
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

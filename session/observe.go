package session

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// What the sessions tell the gateway about their work, besides the upstream
// hooks (Options.Hooks): each dataloader batch (Options.Batches) and each
// call to the shared cache (Options.ObserveCache). Both see the operation's
// context, so that a span or a metric can be made of them; the session
// itself knows nothing of tracing.

// BatchHook is around every batch of a session's dataloaders (loaders.go),
// the windows of sibling mailboxes fetched together included.
type BatchHook interface {
	// StartBatch is called as a batch starts, with the context of the load
	// that opened it, the loader's name ("customers", "users",
	// "conversations", "customfields", "folders", "user_mailboxes",
	// "mailbox_pages") and how many keys the batch holds. The context it
	// returns is the batch's: the upstream and cache calls the batch makes
	// see it. end is called once, when the batch has answered, with how
	// many of its keys failed.
	StartBatch(ctx context.Context, loader string, keys int) (batch context.Context, end func(failed int))
}

// Loader names, as BatchHook sees them.
const (
	loaderCustomers     = "customers"
	loaderUsers         = "users"
	loaderConversations = "conversations"
	loaderCustomFields  = "customfields"
	loaderFolders       = "folders"
	loaderUserMailboxes = "user_mailboxes"
	loaderMailboxPages  = "mailbox_pages"
)

// observed is fn with the factory's BatchHook around each call (fn itself
// when there is none). A batch that panics ends with every key failed.
func observed[K comparable, V any](f *Factory, loader string, fn dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	hook := f.opts.Batches
	if hook == nil {
		return fn
	}
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		ctx, end := hook.StartBatch(ctx, loader, len(keys))
		ended := false
		defer func() {
			if !ended {
				end(len(keys))
			}
		}()
		out := fn(ctx, keys)
		failed := 0
		for _, r := range out {
			if r == nil || r.Error != nil {
				failed++
			}
		}
		ended = true
		end(failed)
		return out
	}
}

// CacheOp is what a call to the shared cache did.
type CacheOp string

// The calls ObserveCache sees.
const (
	// CacheLookup read an entry; CacheCall.Hit tells whether it was there.
	CacheLookup CacheOp = "lookup"
	// CacheSet stored an entry: a value just loaded from FreeScout (which
	// a failing cache may not keep: see cache.StoreOptions.OnFallback), or
	// a record the gateway keeps itself.
	CacheSet CacheOp = "set"
	// CacheAdd stored a record unless one was there (CacheCall.Hit).
	CacheAdd CacheOp = "add"
	// CacheInvalidate dropped CacheCall.Keys entries of one kind, which a
	// write or an event made stale.
	CacheInvalidate CacheOp = "invalidate"
)

// CacheCall is one call to the shared cache, as ObserveCache sees it.
type CacheCall struct {
	Op CacheOp
	// Kind is the kind of entry: "customer", "users", "mailboxes",
	// "user_mailboxes", "customfields", "conversation_list",
	// "conversation", "folders", "conversation_generation",
	// "idempotency".
	Kind string
	// Keys is how many entries the call concerned: 1, or for an
	// invalidation the entries dropped (a namespace's and the gateway's
	// own, or a customer's in every namespace).
	Keys int
	// Hit is, for a lookup, whether the entry was found; for an add,
	// whether an entry was there already (and nothing was stored).
	Hit bool
	// Err is the cache's error for the calls that fail on one (the
	// records the gateway keeps itself); the calls for values loaded from
	// FreeScout tolerate the cache's errors and never report one.
	Err error
}

// Kinds of the records the gateway keeps itself, as ObserveCache reports
// them.
const (
	kindGeneration  = "conversation_generation"
	kindIdempotency = "idempotency"
)

// invalidate drops keys, all of kind, and tells ObserveCache.
func (f *Factory) invalidate(ctx context.Context, kind string, keys ...string) {
	if len(keys) == 0 {
		return
	}
	f.opts.Store.Invalidate(ctx, keys...)
	f.opts.ObserveCache(ctx, CacheCall{Op: CacheInvalidate, Kind: kind, Keys: len(keys)})
}

// getRecord reads a record the gateway keeps itself.
func (f *Factory) getRecord(ctx context.Context, kind, key string) ([]byte, bool, error) {
	b, ok, err := f.opts.Store.Get(ctx, key)
	f.opts.ObserveCache(ctx, CacheCall{Op: CacheLookup, Kind: kind, Keys: 1, Hit: ok, Err: err})
	return b, ok, err
}

// setRecord stores a record the gateway keeps itself.
func (f *Factory) setRecord(ctx context.Context, kind, key string, val []byte, ttl time.Duration) error {
	err := f.opts.Store.Set(ctx, key, val, ttl)
	f.opts.ObserveCache(ctx, CacheCall{Op: CacheSet, Kind: kind, Keys: 1, Err: err})
	return err
}

// addRecord stores a record the gateway keeps itself unless one is there,
// and reports whether it did.
func (f *Factory) addRecord(ctx context.Context, kind, key string, val []byte, ttl time.Duration) (bool, error) {
	ok, err := f.opts.Store.Add(ctx, key, val, ttl)
	f.opts.ObserveCache(ctx, CacheCall{Op: CacheAdd, Kind: kind, Keys: 1, Hit: err == nil && !ok, Err: err})
	return ok, err
}

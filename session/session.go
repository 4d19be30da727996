// Package session is the gateway's data session: the one way a GraphQL
// operation reads and writes FreeScout. It alone knows the cache keys and
// their lifetimes, which upstream calls answer what, and what each write makes
// stale. The GraphQL layer declares what it needs (graph.Session); a Session
// is made for each operation, and for each event of a subscription, by a
// Factory shared by the whole gateway.
//
// # What lives where
//
// Per operation (a Session, dropped with it): the dataloaders that
// deduplicate and batch lookups, the memo of identical list calls, the user
// directory and mailbox list as this operation saw them, the count of
// upstream calls made (the operation's budget), and the client the operation
// uses: the caller's FreeScout key (auth.Caller), the operation's share of the
// in-flight bound (upstream.WithFlow) and the hooks that see every call with
// the operation's context.
//
// Shared by every session (the Factory): the upstream client's connections
// and in-flight bound, and the cache (cache.Store, in Redis or memory):
//   - the mailbox list, the user directory, a user's mailboxes and customer
//     profiles, for DirectoryTTL (a minute): they change rarely, and a page
//     of conversations names dozens of people FreeScout can only be asked for
//     one by one;
//   - each mailbox's custom-field definitions, for DefinitionsTTL (CACHE_TTL);
//   - conversations, threads and folder counts only when the conversation
//     cache is on (ConversationTTL, off by default; see livecache.go): they
//     change all the time, and are then kept only until the next event or
//     write that concerns them.
//
// Every cache entry that depends on the FreeScout key is stored under the
// caller's namespace (auth.Caller.Namespace, "" for the gateway's own key),
// so a caller acting with its own key never sees what another key fetched.
//
// # Callers that see some mailboxes only
//
// For a caller with mailbox ids (auth.Caller.MailboxIDs) the session narrows
// every conversation list to those mailboxes, answers a conversation, a
// mailbox or its folders and definitions in another mailbox as not found,
// and checks the mailbox of a conversation before writing to it. Customers
// and users are not kept per mailbox in FreeScout; every caller sees them.
package session

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Defaults of Options.
const (
	// DefaultDirectoryTTL is how long the mailbox list, the user directory
	// and customer profiles stay cached: a new agent or an edited customer
	// shows within a minute.
	DefaultDirectoryTTL = time.Minute
	// DefaultDefinitionsTTL is how long custom-field definitions stay cached.
	DefaultDefinitionsTTL = 10 * time.Minute
	// defaultMailboxPageWait is how long the mailbox-page loader gathers keys
	// before fetching (the other loaders fetch each key at once).
	defaultMailboxPageWait = time.Millisecond
)

// Options configure a Factory. Client and Store are required.
type Options struct {
	// Client is the gateway's FreeScout client (its own key and the shared
	// in-flight bound); sessions derive theirs from it.
	Client *upstream.Client
	// Store is the shared cache.
	Store *cache.Store
	// DefinitionsTTL is how long custom-field definitions stay cached
	// (default DefaultDefinitionsTTL).
	DefinitionsTTL time.Duration
	// DirectoryTTL is how long the directories and customer profiles stay
	// cached (default DefaultDirectoryTTL).
	DirectoryTTL time.Duration
	// MaxCalls bounds the upstream calls of one session (one operation, or
	// one subscription event); 0 means unbounded. A call over the bound fails
	// with a QUERY_TOO_COMPLEX error and nothing is sent.
	MaxCalls int
	// Hooks run around every upstream call of every session, with the
	// operation's context (tracing, metrics).
	Hooks []upstream.Hook
	// Batches, when set, is around every batch of every session's
	// dataloaders, with the context of the load that opened the batch
	// (see BatchHook): the place for a span per batch.
	Batches BatchHook
	// ObserveCache is called after every call the sessions (and the
	// factory, for events) make to the shared cache, with the operation's
	// context: lookups, the values loaded from FreeScout and stored, the
	// records the gateway keeps itself, and invalidations (see CacheCall).
	// May be nil.
	ObserveCache func(ctx context.Context, c CacheCall)
	// Logger gets what the sessions log (default: discard).
	Logger *slog.Logger
	// ConversationTTL turns the conversation cache on (see livecache.go):
	// conversation lists, conversations and folders stay cached this long
	// unless an event or a write drops them first. 0 (the default) is off.
	ConversationTTL time.Duration
	// MailboxPageWait is how long the loader of mailboxes' conversation
	// pages gathers sibling mailboxes before fetching (default 1ms).
	MailboxPageWait time.Duration
}

// Factory makes the sessions of one gateway and holds what they share.
type Factory struct {
	opts Options
	// decoded are the conversations read from the shared cache, kept
	// decoded for as long as the cache answers the same bytes (see
	// cachedFresh).
	decoded *upstream.Answers
	// What the directories held when last read, per namespace, for cost
	// estimates: namespace → *known.
	known sync.Map
}

// known is what a namespace's directories held when last read.
type known struct {
	mailboxes atomic.Int64
	userPages atomic.Int64
}

func (f *Factory) knownFor(ns string) *known {
	k, _ := f.known.LoadOrStore(ns, &known{})
	return k.(*known)
}

// KnownMailboxes is how many mailboxes c sees, as far as the gateway knows
// without asking FreeScout: the mailbox list as last read for c's key (and
// no more than c's own mailboxes); 0 when unknown.
func (f *Factory) KnownMailboxes(c *auth.Caller) int {
	n := int(f.knownFor(c.Namespace).mailboxes.Load())
	if c.Restricted() && (n == 0 || len(c.MailboxIDs) < n) {
		n = len(c.MailboxIDs)
	}
	return n
}

// KnownUserPages is how many pages of 100 the user directory took when last
// read for c's key; 0 when unknown.
func (f *Factory) KnownUserPages(c *auth.Caller) int {
	return int(f.knownFor(c.Namespace).userPages.Load())
}

// NewFactory returns a Factory.
func NewFactory(opts Options) *Factory {
	if opts.DefinitionsTTL <= 0 {
		opts.DefinitionsTTL = DefaultDefinitionsTTL
	}
	if opts.DirectoryTTL <= 0 {
		opts.DirectoryTTL = DefaultDirectoryTTL
	}
	if opts.MailboxPageWait <= 0 {
		opts.MailboxPageWait = defaultMailboxPageWait
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ObserveCache == nil {
		opts.ObserveCache = func(context.Context, CacheCall) {}
	}
	return &Factory{opts: opts, decoded: upstream.NewAnswers()}
}

// Session is one operation's data session. Use it from the operation's
// goroutines only, and drop it with the operation.
type Session struct {
	f      *Factory
	caller *auth.Caller
	keys   keys
	client *upstream.Client
	calls  atomic.Int64
	gen    once[string] // the conversation cache's generation
	loaders
}

// New returns a fresh session for the caller ctx carries (see auth). A
// context without a caller is a bug in the request pipeline: New panics.
func (f *Factory) New(ctx context.Context) *Session {
	c := auth.CallerFrom(ctx)
	if c == nil {
		panic("session: the context carries no caller; the request pipeline must authenticate every operation")
	}
	s := &Session{f: f, caller: c, keys: keys{ns: c.Namespace}}
	opts := []upstream.Option{upstream.WithFlow(s), upstream.WithHook(budget{s})}
	if c.APIKey != "" {
		opts = append(opts, upstream.WithAPIKey(c.APIKey))
	}
	for _, h := range f.opts.Hooks {
		opts = append(opts, upstream.WithHook(h))
	}
	s.client = f.opts.Client.With(opts...)
	s.initLoaders()
	return s
}

// Caller is who the session acts for.
func (s *Session) Caller() *auth.Caller { return s.caller }

// Calls is how many upstream calls (attempts, retries included) the session
// has made.
func (s *Session) Calls() int { return int(s.calls.Load()) }

// budget is the session's hook around every upstream call: it counts the
// calls and refuses those over the session's bound.
type budget struct{ s *Session }

// Before counts the attempt and refuses it when the bound is spent.
func (b budget) Before(ctx context.Context, _ upstream.Attempt) (context.Context, error) {
	n := b.s.calls.Add(1)
	if limit := int64(b.s.f.opts.MaxCalls); limit > 0 && n > limit {
		b.s.calls.Add(-1)
		return ctx, errcode.New(errcode.QueryTooComplex, "the operation needs more FreeScout calls than the gateway allows one operation").
			With("cost", map[string]any{"limit": limit})
	}
	return ctx, nil
}

// After does nothing.
func (budget) After(context.Context, upstream.Call) {}

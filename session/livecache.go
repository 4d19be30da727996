package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// The conversation cache (Options.ConversationTTL, CONVERSATION_CACHE_TTL),
// off by default. When on, the answers of FreeScout's conversation lists,
// single conversations and mailbox folders (with their counts) are kept in
// the shared cache, so that a warm inbox answers without FreeScout.
//
// They are all kept under one generation: a random token stored in the
// cache (conversations:generation) and read once per session. Every entry's
// key names the generation it was read under, and a new generation makes
// every older entry unreachable at once (they expire with their TTL). The
// generation changes
//   - on every conversation and customer event, on every replica (a
//     customer's name shows in the conversations that embed it);
//   - on every write the gateway itself makes to a conversation, a thread,
//     tags, custom fields or a customer, before it reads the object back.
//
// One generation for everything is coarse on purpose: a conversation event
// touches lists whose keys cannot be derived from the event (any filter,
// any page, any mailbox combination), and FreeScout sends its deliveries in
// batches about once a minute, so entries live about that long on a busy
// helpdesk anyway. What a session reads is the generation it started with:
// it sees FreeScout as of its first conversation read, no older than the
// last event this gateway heard of. Without a cache (Redis down), the reads
// go to FreeScout, as with the cache off.

// generationKey is the cache key of the conversation cache's generation;
// it is shared by every namespace: an event drops every caller's entries.
const generationKey = "conversations:generation"

// generationTTL keeps the generation long past any entry: when it expires
// a new one is made, which only drops the entries early.
const generationTTL = 24 * time.Hour

// Kinds of conversation-cache entries, as ObserveCache reports them.
const (
	kindConversationList = "conversation_list"
	kindConversation     = "conversation"
	kindFolders          = "folders"
)

// conversationCacheOn reports whether the conversation cache is on.
func (s *Session) conversationCacheOn() bool { return s.f.opts.ConversationTTL > 0 }

// generation returns the conversation cache's current generation, read once
// per session (again after Forget); "" when the cache is off or cannot be
// read.
func (s *Session) generation(ctx context.Context) string {
	if !s.conversationCacheOn() {
		return ""
	}
	gen, _ := s.gen.get(ctx, func(ctx context.Context) (string, error) {
		return s.f.currentGeneration(ctx), nil
	})
	return gen
}

// currentGeneration reads the generation, making one when there is none.
func (f *Factory) currentGeneration(ctx context.Context) string {
	for range 2 {
		b, found, err := f.getRecord(ctx, kindGeneration, generationKey)
		if err != nil {
			return ""
		}
		if found {
			return string(b)
		}
		if _, err := f.addRecord(ctx, kindGeneration, generationKey, []byte(newGeneration()), generationTTL); err != nil {
			return ""
		}
		// Read it back: another replica may have added its own first.
	}
	return ""
}

// ForgetConversations starts a new generation of the conversation cache:
// what was cached is not served again. The gateway calls it for every
// conversation event and NameLost; the sessions for their own writes.
func (f *Factory) ForgetConversations(ctx context.Context) {
	if f.opts.ConversationTTL <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := f.setRecord(ctx, kindGeneration, generationKey, []byte(newGeneration()), generationTTL); err != nil {
		f.opts.Logger.WarnContext(ctx, "conversation cache: could not start a new generation; cached conversations live out their TTL", "err", err)
	}
}

// ForgetCustomer drops a customer's cached profile in every namespace this
// gateway has used (a replica that never served a namespace leaves it to
// the replicas that did, which hear the same event), and the conversation
// cache, whose lists embed customers.
func (f *Factory) ForgetCustomer(ctx context.Context, id int) {
	all := []string{keys{}.customer(id)}
	f.known.Range(func(ns, _ any) bool {
		if ns != "" {
			all = append(all, keys{ns: ns.(string)}.customer(id))
		}
		return true
	})
	f.invalidate(ctx, kindCustomer, all...)
	f.ForgetConversations(ctx)
}

// forgetConversations is ForgetConversations for the session's own writes:
// the session's later reads use the new generation.
func (s *Session) forgetConversations(ctx context.Context) {
	if !s.conversationCacheOn() {
		return
	}
	s.f.ForgetConversations(ctx)
	s.gen.reset()
}

func newGeneration() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// listed is a conversation list call's answer, as cached.
type listed struct {
	Items []upstream.Conversation `json:"items"`
	Page  upstream.Page           `json:"page"`
}

// cachedList is FreeScout's conversation list call, through the
// conversation cache when it is on (listConversations checks its answers).
func (s *Session) cachedList(ctx context.Context, opts *upstream.ConversationListOptions) ([]upstream.Conversation, upstream.Page, error) {
	gen := s.generation(ctx)
	if gen == "" {
		return s.client.Conversations.List(ctx, opts)
	}
	key := s.keys.key("conversations:" + gen + "?" + opts.Values().Encode())
	l, err := cached(ctx, s, kindConversationList, key, s.f.opts.ConversationTTL, func(ctx context.Context) (listed, error) {
		items, page, err := s.client.Conversations.List(ctx, opts)
		return listed{Items: items, Page: page}, err
	})
	return l.Items[:len(l.Items):len(l.Items)], l.Page, err // shared (see reusable): an append copies
}

// getConversation is FreeScout's conversation read, through the
// conversation cache when it is on.
func (s *Session) getConversation(ctx context.Context, id int, embed ...string) (*upstream.Conversation, error) {
	gen := s.generation(ctx)
	if gen == "" {
		return s.client.Conversations.Get(ctx, id, embed...)
	}
	key := s.keys.key("conversation:" + gen + ":" + strconv.Itoa(id) + "?embed=" + strings.Join(embed, ","))
	return cached(ctx, s, kindConversation, key, s.f.opts.ConversationTTL, func(ctx context.Context) (*upstream.Conversation, error) {
		return s.client.Conversations.Get(ctx, id, embed...)
	})
}

// listFolders is one page of a mailbox's folders, through the conversation
// cache when it is on (their counts change with the conversations).
func (s *Session) listFolders(ctx context.Context, mailboxID int, opts *upstream.FolderListOptions) ([]upstream.Folder, upstream.Page, error) {
	gen := s.generation(ctx)
	if gen == "" {
		return s.client.Mailboxes.ListFolders(ctx, mailboxID, opts)
	}
	type folders struct {
		Items []upstream.Folder `json:"items"`
		Page  upstream.Page     `json:"page"`
	}
	key := s.keys.key("folders:" + gen + ":" + strconv.Itoa(mailboxID) + "?page=" + strconv.Itoa(opts.Page) + "&pageSize=" + strconv.Itoa(opts.PageSize))
	f, err := cached(ctx, s, kindFolders, key, s.f.opts.ConversationTTL, func(ctx context.Context) (folders, error) {
		items, page, err := s.client.Mailboxes.ListFolders(ctx, mailboxID, opts)
		return folders{Items: items, Page: page}, err
	})
	return f.Items, f.Page, err
}

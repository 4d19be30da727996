package session

import "strconv"

// keys builds the cache keys of the data session's directories, profiles
// and definitions, in one place. With Redis, the cache puts REDIS_PREFIX
// (default scoutgraph:v1:) before every key; a caller acting with its own
// FreeScout key has these entries under its namespace.
//
//	users                     the user directory (every user)
//	mailboxes                 the mailbox list
//	mailboxes:user:<id>       the mailboxes a user can access
//	customer:<id>             a customer's full profile
//	customfields:<mailbox>    a mailbox's custom-field definitions
//
// They are not all of the gateway's cache keys. The others are built where
// their entries are made:
//
//	conversations:generation            the conversation cache's generation, one for every namespace (livecache.go)
//	conversations:<gen>?<query>         a page of conversations, under the namespace (livecache.go)
//	conversation:<gen>:<id>?embed=<e>   a conversation, under the namespace (livecache.go)
//	folders:<gen>:<mailbox>?page=<p>…   a page of a mailbox's folders, under the namespace (livecache.go)
//	idem:<caller>:<kind>:<key>          a create's idempotency record, caller and key hashed (keys.idempotency in idempotency.go)
//	apq:<sha256>                        a query registered by APQ (package persisted, persisted.Store)
//
// With Redis, the callers' budgets (package ratelimit, under
// rate:<REDIS_PREFIX>ratelimit:) and the event bus (package events, under
// <REDIS_PREFIX>events:) keep keys of their own beside the cache's.
type keys struct {
	ns string // auth.Caller.Namespace; "" for the gateway's own key
}

func (k keys) key(s string) string {
	if k.ns == "" {
		return s
	}
	return k.ns + ":" + s
}

func (k keys) users() string     { return k.key("users") }
func (k keys) mailboxes() string { return k.key("mailboxes") }

func (k keys) userMailboxes(userID int) string {
	return k.key("mailboxes:user:" + strconv.Itoa(userID))
}

func (k keys) customer(id int) string { return k.key("customer:" + strconv.Itoa(id)) }

func (k keys) customFields(mailboxID int) string {
	return k.key("customfields:" + strconv.Itoa(mailboxID))
}

// Kinds of cache entries, as ObserveCache reports them.
const (
	kindUsers         = "users"
	kindMailboxes     = "mailboxes"
	kindUserMailboxes = "user_mailboxes"
	kindCustomer      = "customer"
	kindCustomFields  = "customfields"
)

// CustomFieldsKey is the cache key (without the store's prefix) of a
// mailbox's custom-field definitions as the gateway's own key fetched them,
// for tools and tests that look into the cache.
func CustomFieldsKey(mailboxID int) string { return keys{}.customFields(mailboxID) }

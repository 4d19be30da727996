package session

import "strconv"

// keys builds every cache key of the gateway, in one place. The store puts
// its versioned prefix (scoutgraph:v1:) before them; a caller acting with its
// own FreeScout key has its entries under its namespace.
//
//	users                     the user directory (every user)
//	mailboxes                 the mailbox list
//	mailboxes:user:<id>       the mailboxes a user can access
//	customer:<id>             a customer's full profile
//	customfields:<mailbox>    a mailbox's custom-field definitions
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

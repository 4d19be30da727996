package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Session is what the resolvers of one operation need from FreeScout: reads
// (through loaders and caches the implementation keeps), writes that read
// the object back, and invalidation. The resolvers reach FreeScout only
// through it. One is made per operation, and per subscription event, by the
// Resolver's SessionFactory; package session implements it.
//
// Ids are FreeScout's. An object FreeScout does not have, or that the caller
// may not see, is an error carrying errcode.NotFound (whose Field, for a
// write, is the input path it is about).
type Session interface {
	Reads
	Writes
}

// Reads are the session's reads.
type Reads interface {
	// Conversation returns a conversation, embedding embed (none: nothing).
	Conversation(ctx context.Context, id int, embed []string) (*upstream.Conversation, error)
	// Conversations returns the window [offset, offset+limit) of the
	// conversations opts selects (its paging is ignored).
	Conversations(ctx context.Context, opts upstream.ConversationListOptions, offset, limit int) (paging.Page[upstream.Conversation], error)
	// MailboxConversations is Conversations for one mailbox listed among
	// siblings (the mailboxes listed together with it, itself included, or
	// nil), which one list call may serve together. Total is -1 when
	// needTotal is false and the total is not known.
	MailboxConversations(ctx context.Context, mailboxID int, siblings []int, opts upstream.ConversationListOptions, offset, limit int, needTotal bool) (paging.Page[upstream.Conversation], error)
	// Customer returns a customer's full profile.
	Customer(ctx context.Context, id int) (*upstream.Customer, error)
	// Customers returns a window of the customers opts selects; withFields
	// reads each in full, for its customer fields.
	Customers(ctx context.Context, opts upstream.CustomerListOptions, offset, limit int, withFields bool) (paging.Page[upstream.Customer], error)
	// User returns a user.
	User(ctx context.Context, id int) (*upstream.User, error)
	// Users returns every user, by id.
	Users(ctx context.Context) ([]upstream.User, error)
	// UsersByEmail returns a window of the users FreeScout finds for email.
	UsersByEmail(ctx context.Context, email string, offset, limit int) (paging.Page[upstream.User], error)
	// Mailbox returns a mailbox.
	Mailbox(ctx context.Context, id int) (*upstream.Mailbox, error)
	// Mailboxes returns every mailbox the caller may see, by id.
	Mailboxes(ctx context.Context) ([]upstream.Mailbox, error)
	// UserMailboxes returns the mailboxes a user can access.
	UserMailboxes(ctx context.Context, userID int) ([]upstream.Mailbox, error)
	// CustomFields returns a mailbox's custom-field definitions, sorted.
	CustomFields(ctx context.Context, mailboxID int) ([]upstream.CustomField, error)
	// ResolveCustomFields translates custom-field inputs against a
	// mailbox's definitions: the writes, or the problems.
	ResolveCustomFields(ctx context.Context, mailboxID int, in []customfields.Input) ([]upstream.CustomFieldWrite, []customfields.Problem, error)
	// Folders returns a mailbox's folders.
	Folders(ctx context.Context, mailboxID int) ([]upstream.Folder, error)
	// Tags returns a window of the tags, or of one conversation's.
	Tags(ctx context.Context, conversationID, offset, limit int) (paging.Page[upstream.Tag], error)
	// Install is what the gateway has learnt about the FreeScout install
	// from its answers, shared by every session of the gateway.
	Install() *upstream.Install
	// PrefetchUsers, PrefetchMailboxes and PrefetchCustomFields start
	// loading what the operation will need, without waiting for it.
	PrefetchUsers(ctx context.Context)
	PrefetchMailboxes(ctx context.Context)
	PrefetchCustomFields(ctx context.Context, mailboxIDs []int)
}

// Writes are the session's writes. Each returns the object as it now
// stands, with embed where it is a conversation: read back fresh, or for a
// create FreeScout's answer to it when that holds it all. A create's id is set whenever the write
// landed, even when err reports that reading the object back failed
// (errcode.Landed); a create happens at most once per idempotency key (""
// for none), and one whose answer was lost is looked for in FreeScout
// before it is reported as failed.
type Writes interface {
	// Forget drops what the session has read, before a mutation, so that
	// its payload shows FreeScout as it stands after the write.
	Forget()
	CreateConversation(ctx context.Context, in *upstream.NewConversation, embed []string, idempotencyKey string) (int, *upstream.Conversation, error)
	UpdateConversation(ctx context.Context, id int, in *upstream.ConversationUpdate, embed []string) (*upstream.Conversation, error)
	DeleteConversation(ctx context.Context, id int) error
	// UpdateConversationCustomFields writes custom fields as clients give
	// them; inputs that do not translate come back as problems, and then
	// nothing is written.
	UpdateConversationCustomFields(ctx context.Context, id int, in []customfields.Input, embed []string) (*upstream.Conversation, []customfields.Problem, error)
	UpdateConversationTags(ctx context.Context, id int, tags []string, embed []string) (*upstream.Conversation, error)
	// CreateThread returns the new thread's id and the thread, and with
	// withConversation its conversation, read back with embed and its
	// threads (nil without).
	CreateThread(ctx context.Context, conversationID int, in *upstream.NewThread, embed []string, withConversation bool, idempotencyKey string) (int, *upstream.Thread, *upstream.Conversation, error)
	CreateCustomer(ctx context.Context, in *upstream.NewCustomer, idempotencyKey string) (int, *upstream.Customer, error)
	UpdateCustomer(ctx context.Context, id int, in *upstream.CustomerUpdate) (*upstream.Customer, error)
	UpdateCustomerFields(ctx context.Context, id int, fields []upstream.CustomerFieldWrite) (*upstream.Customer, error)
	CreateUser(ctx context.Context, in *upstream.NewUser, idempotencyKey string) (int, *upstream.User, error)
	DeleteUser(ctx context.Context, id int, in *upstream.UserDelete) error
	// CreateWebhook returns the new webhook's id and, when FreeScout's
	// answer holds it, the webhook as FreeScout keeps it (nil otherwise).
	CreateWebhook(ctx context.Context, in *upstream.NewWebhook, idempotencyKey string) (int, *upstream.Webhook, error)
	DeleteWebhook(ctx context.Context, id int) error
}

// SessionFactory makes the data session of an operation, for the caller
// the context carries.
type SessionFactory interface {
	NewSession(ctx context.Context) Session
}

// SessionFactoryFunc is a SessionFactory.
type SessionFactoryFunc func(ctx context.Context) Session

// NewSession calls f.
func (f SessionFactoryFunc) NewSession(ctx context.Context) Session { return f(ctx) }

type sessionKey struct{}

// WithSession returns ctx carrying s, the data session of the operation (or
// subscription event) ctx belongs to.
func WithSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// SessionFrom returns the data session ctx carries, or nil.
func SessionFrom(ctx context.Context) Session {
	s, _ := ctx.Value(sessionKey{}).(Session)
	return s
}

// session returns the operation's data session. There is no fallback: an
// operation without one means the gateway did not install AroundOperations,
// a bug that must fail loudly (the panic becomes an INTERNAL error on the
// field, and the log says why).
func session(ctx context.Context) Session {
	s := SessionFrom(ctx)
	if s == nil {
		panic("graph: the operation has no data session; install Resolver.AroundOperations")
	}
	return s
}

// AroundOperations is the operation middleware that gives each query and
// mutation a fresh data session and a memo of its selection sets (see
// selected). Subscriptions get a session per event instead (see the
// subscription resolvers).
func (r *Resolver) AroundOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ctx = context.WithValue(ctx, selectionMemoKey{}, &sync.Map{})
	ctx = withInlineMemo(ctx)
	if oc := graphql.GetOperationContext(ctx); oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		ctx = WithSession(ctx, r.Sessions.NewSession(ctx))
	}
	return next(ctx)
}

// ForgetBeforeMutations is the root-field middleware that empties the
// session's memory of what it read before each mutation: mutations run one
// after the other, and each payload must show FreeScout as it stands after
// the write, not what an earlier field of the operation read.
func ForgetBeforeMutations(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		session(ctx).Forget()
	}
	return next(ctx)
}

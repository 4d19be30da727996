// Package graph is scoutgraph's GraphQL layer: the schema (schema/*.graphqls),
// gqlgen's generated executor (generated.go, model/models_gen.go) and the
// resolvers.
//
// Resolvers reach FreeScout only through the operation's data session
// (Session, made per operation by the Resolver's SessionFactory; see
// AroundOperations). They never call the upstream client or net/http, and
// they know no cache key: the session does.
//
// # The rule for relations
//
// A conversation's people (customer, assignee, createdBy, closedBy), threads
// (and their people), tags, timelogs and custom fields (with their
// definitions) are not field resolvers. Whatever
// produces conversations — a list, a single get, a mutation's payload, a
// subscription event — hands them to produceConversations (conversations.go),
// which converts them, starts the second-round lookups their selection needs
// (custom-field definitions, the mailbox list) and fills every relation the
// selection asks for, through relationReader (relations.go), before
// returning. gqlgen then reads the relations through context-free methods of
// model.Conversation and model.Thread, without a goroutine per relation.
//
// To add a relation: a field in model.ConversationRelations (or
// ThreadRelations) with its method, what the selection asks of it in
// conversationNeeds, and how it is read in relationReader.conversation. Every
// producer then fills it; a relation no producer filled answers an INTERNAL
// error instead of a silent null.
//
// Because the values are at hand, gqlgen need not marshal them field by
// field: InlineFields (inline.go) writes every subtree whose fields are all
// plain into one JSON buffer, byte for byte as gqlgen would.
//
// # Mutations
//
// Every mutation goes through mutate (mutations.go): its input is checked
// first (problems become userErrors and nothing is sent), then the session
// writes and reads the object back, and FreeScout's answers about the input
// (400, 404, 409) become userErrors too.
package graph

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
)

// Resolver is the root resolver: the gateway's immutable dependencies,
// shared by every operation.
type Resolver struct {
	Sessions SessionFactory // makes each operation's (and event's) data session
	Events   EventSource    // where subscriptions get their events
	Logger   *slog.Logger
}

// NewSchema returns the executable schema over r.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: r})
}

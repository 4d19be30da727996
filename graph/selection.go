package graph

import (
	"context"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// selected returns the fields the query selects on the value of the field
// being resolved, for a value of the given GraphQL types (the concrete type
// plus any union or interface it is reached through). The result is shared:
// callers must not modify it.
func selected(ctx context.Context, types ...string) []graphql.CollectedField {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil
	}
	memo, _ := ctx.Value(selectionMemoKey{}).(*sync.Map)
	key := selectionKey{field: fc.Field.Field}
	if memo == nil || len(types) > len(key.types) {
		return graphql.CollectFieldsCtx(ctx, types)
	}
	copy(key.types[:], types)
	if fields, ok := memo.Load(key); ok {
		return fields.([]graphql.CollectedField)
	}
	fields := slices.Clip(graphql.CollectFieldsCtx(ctx, types))
	memo.Store(key, fields)
	return fields
}

// selectionKey identifies a selected call within one operation: the field's
// place in the query and the types asked for.
type selectionKey struct {
	field *ast.Field
	types [3]string
}

// selectionMemoKey is the context key of an operation's memo of selected.
type selectionMemoKey struct{}

// WithSelectionMemo is an operation middleware that lets the resolvers of one
// operation share what they learn about its selection sets. The resolver of a
// field inside a list (a conversation's customer, a thread's author) asks which
// fields are selected below it once per item; with the memo the answer is
// computed once per field of the query instead, which for an inbox page with
// threads saves a few hundred field collections.
func WithSelectionMemo(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, selectionMemoKey{}, &sync.Map{}))
}

// children returns the fields selected under the named sub-fields of
// fields, for values of the given types.
func children(ctx context.Context, fields []graphql.CollectedField, name string, types ...string) []graphql.CollectedField {
	opCtx := graphql.GetOperationContext(ctx)
	var out []graphql.CollectedField
	for _, f := range fields {
		if f.Name == name {
			out = append(out, graphql.CollectFields(opCtx, f.Selections, types)...)
		}
	}
	return out
}

// connectionNodes returns the fields selected on the nodes of the connection
// being resolved, through `nodes` and through `edges { node }`.
func connectionNodes(ctx context.Context, connType, nodeType string) []graphql.CollectedField {
	conn := selected(ctx, connType)
	nodes := children(ctx, conn, "nodes", nodeType)
	edges := children(ctx, conn, "edges", connType[:len(connType)-len("Connection")]+"Edge")
	return append(nodes, children(ctx, edges, "node", nodeType)...)
}

// selects reports whether any of fields is named name.
func selects(fields []graphql.CollectedField, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// conversationEmbeds chooses FreeScout's embed= from the fields selected on
// conversations.
func conversationEmbeds(fields []graphql.CollectedField) []string {
	var embed []string
	for _, e := range []string{upstream.EmbedThreads, upstream.EmbedTimelogs, upstream.EmbedTags} {
		if selects(fields, e) {
			embed = append(embed, e)
		}
	}
	return embed
}

// personKeys maps the GraphQL fields of User and Customer that an embedded
// person can answer to the JSON keys FreeScout uses for them.
var personKeys = map[string]string{
	"firstName": "firstName",
	"lastName":  "lastName",
	"email":     "email",
	"photoUrl":  "photoUrl",
}

// idOnly are fields answerable from nothing but the object's id: the
// object's identity, and relations fetched by id anyway.
var idOnly = map[string]bool{"__typename": true, "id": true, "conversations": true, "mailboxes": true}

// personSuffices reports whether the embedded person p holds every field
// selected in fields, so that no call for the full object is needed.
func personSuffices(p *upstream.Person, fields []graphql.CollectedField) bool {
	for _, f := range fields {
		if idOnly[f.Name] {
			continue
		}
		key, ok := personKeys[f.Name]
		if !ok || !p.Has(key) {
			return false
		}
	}
	return true
}

// needsFullUser reports whether the selection on a user needs more than
// FreeScout embeds about people (judged without a particular person).
func needsFullUser(fields []graphql.CollectedField) bool {
	for _, f := range fields {
		if _, ok := personKeys[f.Name]; !ok && !idOnly[f.Name] {
			return true
		}
	}
	return false
}

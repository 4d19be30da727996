// Package graph is scoutgraph's GraphQL layer: the schema (schema/*.graphqls),
// gqlgen's generated executor (generated.go, model/models_gen.go) and the
// resolvers, which reach FreeScout only through the per-request loaders and
// the upstream client.
package graph

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/loader"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Resolver is the root resolver: it holds the gateway's immutable
// dependencies and is shared by every request.
type Resolver struct {
	Client  *upstream.Client          // FreeScout, for lists and writes
	Defs    *customfields.Definitions // cached custom-field definitions
	Dir     *loader.Directory         // cached mailbox list and user directory
	Loaders *loader.Factory           // makes per-request loaders
	Logger  *slog.Logger
}

// NewSchema returns the executable schema over r.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: r})
}

package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/ratelimit"
)

// BenchmarkPipeline measures what the request pipeline adds to each
// operation, for the queries of the benchmark set: the bounds on the
// document (a parse and a walk, steps 3), the checks after validation
// (scopes, depth, the cost estimate and the budget, step 5), and
// authenticating a caller by token and by JWT (step 1).
//
//	go test ./gateway -run '^$' -bench Pipeline -benchmem
func BenchmarkPipeline(b *testing.B) {
	rate, err := ratelimit.NewMemory(ratelimit.Rate{Units: 1_000_000_000, Period: time.Minute}, ratelimit.MemoryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	p := gateway.NewPipelineForTest(gateway.Limits{MaxDepth: gateway.DefaultMaxDepth, MaxCost: 1 << 20, Introspection: true}, rate)
	exec := executor.New(graph.NewSchema(&graph.Resolver{}))
	ctx := auth.WithCaller(graphql.StartOperationTrace(context.Background()), auth.Anonymous())
	for _, q := range queries.All() {
		vars := map[string]any{}
		if q.Vars != nil {
			vars["id"] = "1"
		}
		b.Run("bounds-first/"+q.Name, func(b *testing.B) {
			params := &graphql.RawParams{Query: q.GraphQL}
			for b.Loop() {
				p.ForgetDocuments()
				if err := p.MutateOperationParameters(ctx, params); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("bounds-again/"+q.Name, func(b *testing.B) {
			params := &graphql.RawParams{Query: q.GraphQL}
			for b.Loop() {
				if err := p.MutateOperationParameters(ctx, params); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("checks/"+q.Name, func(b *testing.B) {
			oc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: q.GraphQL, Variables: vars})
			if errs != nil {
				b.Fatal(errs)
			}
			for b.Loop() {
				if err := p.MutateOperationContext(ctx, oc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	path, tokens := authtest.TokensFile(b, authtest.TokenCaller{Name: "bench", Scopes: auth.AllScopes})
	iss := authtest.NewIssuer(b)
	a, err := auth.New(context.Background(), auth.Config{
		Modes: []auth.Mode{auth.ModeTokens, auth.ModeJWT}, TokensFile: path,
		JWKSURL: iss.URL(), Issuer: iss.Issuer(), Audience: iss.Audience(),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	for name, token := range map[string]string{"token": tokens["bench"], "jwt": iss.Token(b, map[string]any{"sub": "bench", "scope": "read"})} {
		b.Run("auth/"+name, func(b *testing.B) {
			h := http.Header{"Authorization": {"Bearer " + token}}
			for b.Loop() {
				if _, err := a.Authenticate(ctx, auth.FromHeader(h)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package gqlhttp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"go.uber.org/goleak"
)

// patience bounds every wait of these tests. It is no timing assertion: only a handler
// that never ends takes that long, on however busy a machine.
const patience = 2 * time.Minute

// streams is an executable schema with subscriptions, for the streaming transports. Its
// queries and mutations are testSchema's; its subscription resolvers run in goroutines
// of their own, as gqlgen's generated ones do, and report on ended how they ended.
//
//	ticks(count: Int!): Int!  1..count, then the source ends
//	forever: Int!             1, then nothing until the operation is cancelled
//	flood(size: Int!): String!  strings of size bytes, as fast as they are taken
//	panic: Int                the response handler panics
type streams struct {
	ended chan error // each resolver goroutine's context error as it returns
}

func newStreams() *streams {
	return &streams{ended: make(chan error, 16)}
}

func (s *streams) schema() graphql.ExecutableSchema {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query {
			name: String!
			panic: String
		}
		type Mutation { name: String! }
		type Subscription {
			ticks(count: Int!): Int!
			forever: Int!
			flood(size: Int!): String!
			panic: Int
		}
	`})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			opCtx := graphql.GetOperationContext(ctx)
			if opCtx.Operation.Operation != ast.Subscription {
				return execRoot(ctx)
			}
			return s.subscribe(ctx, opCtx)
		},
	}
}

// subscribe starts the resolver of the operation's one root field and returns the handler
// handing out its events.
func (s *streams) subscribe(ctx context.Context, opCtx *graphql.OperationContext) graphql.ResponseHandler {
	field := opCtx.Operation.SelectionSet[0].(*ast.Field)
	args := field.ArgumentMap(opCtx.Variables)
	if field.Name == "panic" {
		return func(context.Context) *graphql.Response { panic("subscription boom") }
	}

	events := make(chan any)
	go func() {
		defer close(events)
		defer func() { s.ended <- ctx.Err() }()
		emit := func(v any) bool {
			select {
			case events <- v:
				return true
			case <-ctx.Done():
				return false
			}
		}
		switch field.Name {
		case "ticks":
			for i := int64(1); i <= args["count"].(int64); i++ {
				if !emit(i) {
					return
				}
			}
		case "forever":
			if emit(1) {
				<-ctx.Done()
			}
		case "flood":
			payload := strings.Repeat("x", int(args["size"].(int64)))
			for emit(payload) {
			}
		}
	}()

	return func(ctx context.Context) *graphql.Response {
		select {
		case v, ok := <-events:
			if !ok {
				return nil
			}
			b, err := json.Marshal(map[string]any{field.Alias: v})
			if err != nil {
				panic(err)
			}
			return &graphql.Response{Data: b}
		case <-ctx.Done():
			return nil
		}
	}
}

// waitEnded waits for a resolver goroutine to end and returns its context error.
func (s *streams) waitEnded(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.ended:
		return err
	case <-time.After(patience):
		t.Fatal("the subscription resolver never ended")
		return nil
	}
}

// noLeaks makes the test fail, once all its other cleanups have run (the servers closed,
// first of all), if a goroutine it started is still running.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		deadline := time.Now().Add(patience)
		for {
			err := goleak.Find(ignore) // retries for a while itself
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Error(err)
				return
			}
		}
	})
}

// streamServer serves h and closes it when the test ends.
func streamServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

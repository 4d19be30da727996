package graph_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// answer runs query with vars through the schema, as the gateway wires it,
// with or without InlineFields, and returns the response as encoded and the
// number of fields gqlgen resolved itself.
func answer(t *testing.T, s graph.Session, inline bool, query string, vars map[string]any) ([]byte, int64) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	r := &graph.Resolver{Sessions: graph.SessionFactoryFunc(func(context.Context) graph.Session { return s }), Logger: logger}
	exec := executor.New(graph.NewSchema(r))
	exec.SetErrorPresenter(graph.ErrorPresenter(logger))
	exec.SetRecoverFunc(graph.Recover(logger))
	exec.AroundOperations(r.AroundOperations)
	exec.AroundRootFields(graph.ForgetBeforeMutations)
	var resolved atomic.Int64
	exec.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		resolved.Add(1)
		return next(ctx)
	})
	if inline {
		exec.AroundFields(graph.InlineFields)
	}
	ctx := graphql.StartOperationTrace(auth.WithCaller(context.Background(), auth.Anonymous()))
	opCtx, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query, Variables: vars})
	if errs != nil {
		t.Fatalf("operation: %v", errs)
	}
	handler, ctx := exec.DispatchOperation(ctx, opCtx)
	b, err := json.Marshal(handler(ctx))
	if err != nil {
		t.Fatal(err)
	}
	return b, resolved.Load()
}

// trickyFake is newFake with values that exercise the writers: strings that
// need escaping or are not valid UTF-8, people missing, threads by users and
// customers, tags and custom fields, dates with and without fractions.
func trickyFake(t *testing.T) *fakeSession {
	f := newFake(t)
	at := upstream.NewTime(time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC))
	f.convs[0].Subject = "quote \" backslash \\ newline \n tab \t bell \x07 é ✓ bad \xff end"
	f.convs[0].Preview = "<b>&amp;</b> \u2028 \x00"
	f.convs[0].Status = "active"
	f.convs[0].UpdatedAt = at
	f.convs[0].CreatedAt = upstream.NewTime(time.Date(2020, 3, 15, 22, 46, 22, 0, time.UTC))
	f.convs[0].Assignee = person(t, `{"id":3,"type":"user","firstName":"Uma","lastName":"Ng","email":"uma@example.com"}`)
	f.convs[0].Embedded.Threads = []upstream.Thread{
		{ID: 11, Type: "customer", CreatedAt: at, CreatedBy: person(t, `{"id":7,"type":"customer","firstName":"Ann"}`)},
		{ID: 12, Type: "message", CreatedBy: person(t, `{"id":3,"type":"user","firstName":"Uma","lastName":"Ng"}`)},
		{ID: 13, Type: "note"},
	}
	f.convs[0].Embedded.Tags = []upstream.Tag{{ID: 5, Name: "vip"}, {ID: 6, Name: "a\"b"}}
	f.convs[0].CustomFields = []upstream.CustomFieldValue{{ID: 2, Name: "Priority", Value: "1", Text: "High"}}
	f.convs[1].Status = "pending"
	f.convs[1].Embedded.Threads = []upstream.Thread{}
	f.convs[1].Embedded.Tags = []upstream.Tag{}
	f.convs[1].CustomFields = []upstream.CustomFieldValue{}
	f.convs[2].Customer = person(t, `{"id":8,"type":"customer","firstName":"Bo","lastName":null}`)
	f.convs[2].Embedded.Threads = []upstream.Thread{{ID: 31, Type: "message", CreatedBy: person(t, `{"id":8,"type":"customer","lastName":"B"}`)}}
	f.convs[2].Embedded.Tags = []upstream.Tag{}
	f.convs[2].CustomFields = []upstream.CustomFieldValue{}
	return f
}

// TestInlineAnswersAreGqlgens: with InlineFields the answers are byte for
// byte what gqlgen marshals itself (data, errors and their paths), and
// gqlgen resolves far fewer fields.
func TestInlineAnswersAreGqlgens(t *testing.T) {
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		fewer bool // inline writing must spare gqlgen fields
		fail  bool // the customer lookup of conversation 3 fails
	}{
		{name: "inbox", fewer: true, query: `{ conversations(first: 3) {
			totalCount pageInfo { hasNextPage endCursor startCursor hasPreviousPage }
			nodes { __typename id number subject preview status state type updatedAt createdAt closedAt folderId cc bcc threadsCount
				customer { __typename id firstName lastName email photoUrl }
				assignee { id firstName lastName email } } } }`},
		{name: "aliases, fragments, directives", fewer: true, vars: map[string]any{"f": true, "g": false},
			query: `query($f: Boolean!, $g: Boolean!) { conversations(first: 3) {
				first: nodes { ...C s: subject customer @include(if: $f) { id n: firstName ... on Customer { lastName } } }
				again: nodes { id assignee @skip(if: $f) { id } customer @include(if: $g) { id } } } }
				fragment C on Conversation { id subject @skip(if: $g) number }`},
		{name: "threads, union, tags, custom fields", fewer: true, query: `{ conversations(first: 3) { nodes { id
			threads { id type createdAt createdBy { __typename ... on User { id firstName lastName } ... on Customer { id firstName lastName } } }
			tags { id name } customFields { id name value text } } } }`},
		{name: "edges", fewer: true, query: `{ conversations(first: 2) { edges { cursor node { id subject customer { id } } } } }`},
		{name: "a lookup that fails", fail: true, query: `{ conversations(first: 3) { nodes { id customer { id company } } } }`},
		{name: "one conversation", fewer: true, query: `{ conversation(id: "1") { id subject customer { firstName } tags { name } } }`},
		{name: "not found", query: `{ conversation(id: "99") { id subject } }`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := trickyFake(t)
			if c.fail {
				delete(fake.customers, 8)
			}
			plain, plainResolved := answer(t, fake, false, c.query, c.vars)
			inlined, inlineResolved := answer(t, fake, true, c.query, c.vars)
			if string(inlined) != string(plain) {
				t.Fatalf("inline answer differs from gqlgen's\n inline: %s\ngqlgen: %s", inlined, plain)
			}
			if c.fewer && inlineResolved*2 > plainResolved {
				t.Errorf("gqlgen resolved %d fields with inline writing, %d without: want at most half", inlineResolved, plainResolved)
			}
			t.Logf("%s (gqlgen resolved %d fields, %d with inline writing)", plain, plainResolved, inlineResolved)
		})
	}
}

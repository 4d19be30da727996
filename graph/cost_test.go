package graph_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/scoutgraph/scoutgraph/graph"
)

// TestEstimateCost: what the estimator counts for typical operations, in
// FreeScout calls with cold caches.
func TestEstimateCost(t *testing.T) {
	exec := executor.New(graph.NewSchema(&graph.Resolver{}))
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		facts graph.Facts
		want  int
	}{
		{"a list of what conversations embed", `{ conversations(first: 50) { nodes { id customer { firstName } threads { id } tags { name } } } }`, nil, graph.Facts{}, 1},
		{"first from a variable", `query($n: Int) { conversations(first: $n) { nodes { customer { company } } } }`, map[string]any{"n": 20}, graph.Facts{}, 21},
		{"first by default (50)", `{ conversations { nodes { customer { company } } } }`, nil, graph.Facts{}, 51},
		{"a window over two pages", `{ conversations(first: 100, after: "b2Zmc2V0OjE0OQ") { nodes { id } } }`, nil, graph.Facts{}, 2},
		{"profiles per item", `{ conversations(first: 10) { nodes { customer { company } } } }`, nil, graph.Facts{}, 11},
		{"the user directory once", `{ conversations(first: 10) { nodes { assignee { role } closedBy { role } } } }`, nil, graph.Facts{}, 2},
		{"definitions per mailbox, known", `{ conversations(first: 50) { nodes { customFields { field { name } } } } }`, nil, graph.Facts{Mailboxes: 3}, 4},
		{"definitions per mailbox, unknown", `{ conversations(first: 50) { nodes { customFields { field { name } } } } }`, nil, graph.Facts{}, 51},
		{"nested lists multiply", `{ customers(first: 10) { nodes { conversations(first: 10) { nodes { customer { company } } } } } }`, nil, graph.Facts{}, 1 + 10 + 100},
		{"a mailbox dashboard", `{ mailboxes { nodes { folders { id } customFields { id } conversations(first: 5) { nodes { id } } } } }`, nil, graph.Facts{Mailboxes: 3}, 1 + 3 + 3 + 3},
		{"timelogs carry only a user id", `{ conversation(id: "1") { timelogs { user { firstName } } } }`, nil, graph.Facts{}, 2},
		{"a mutation and its payload", `mutation { updateConversationTags(input: {conversationId: "1", tags: ["x"]}) { conversation { customer { company } } } }`, nil, graph.Facts{}, 3},
		{"an event the webhook's body answers", `subscription { conversationEvents { conversation { subject customer { email } mailbox { id } threads { body } } thread { body } } }`, nil, graph.Facts{}, 0},
		{"an event with a profile and the mailbox list", `subscription { conversationEvents { conversation { mailbox { name } customer { phones { value } } } } }`, nil, graph.Facts{}, 2},
		{"a customer event from its body", `subscription { customerEvents { customer { firstName emails { value } } } }`, nil, graph.Facts{}, 0},
		{"a customer event with customer fields", `subscription { customerEvents { customer { customerFields { value } } } }`, nil, graph.Facts{}, 1},
		{"introspection is free", `{ __schema { types { name } } }`, nil, graph.Facts{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := graphql.StartOperationTrace(context.Background())
			oc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: tt.query, Variables: tt.vars})
			if errs != nil {
				t.Fatal(errs)
			}
			if got := graph.EstimateCost(oc, tt.facts); got != tt.want {
				t.Errorf("estimate %d, want %d", got, tt.want)
			}
		})
	}
}

// TestDepth: nesting depth, introspection left out.
func TestDepth(t *testing.T) {
	exec := executor.New(graph.NewSchema(&graph.Resolver{}))
	for query, want := range map[string]int{
		`{ conversations { nodes { id } } }`:                                                  3,
		`{ conversations { nodes { ...F } } } fragment F on Conversation { customer { id } }`: 4,
		`{ __schema { types { fields { type { ofType { ofType { name } } } } } } }`:           0,
	} {
		oc, errs := exec.CreateOperationContext(graphql.StartOperationTrace(context.Background()), &graphql.RawParams{Query: query})
		if errs != nil {
			t.Fatal(errs)
		}
		if got := graph.Depth(oc); got != want {
			t.Errorf("%s: depth %d, want %d", query, got, want)
		}
	}
}

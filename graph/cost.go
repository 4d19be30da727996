package graph

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/scoutgraph/scoutgraph/paging"
)

// The cost of an operation, in FreeScout calls, estimated from its document
// and variables before it runs (see EstimateCost), and what the request
// pipeline knows of the caller's budget (OperationCost).

// Facts are what the gateway knows about the install that makes estimates
// tighter; zero values mean unknown.
type Facts struct {
	// Mailboxes is how many mailboxes the caller sees: lookups made once per
	// distinct mailbox (definitions, folders) cost at most that many.
	Mailboxes int
	// UserPages is how many pages of 100 the user directory takes (1 when
	// unknown).
	UserPages int
}

// maxEstimate caps an estimate (and the multiplicities it multiplies), far
// above any MAX_COST, so that nested lists cannot overflow it.
const maxEstimate = 1 << 40

// EstimateCost returns how many FreeScout calls the operation of oc may make
// at most with cold caches, as the resolvers and the data session fetch:
//   - a single get is one call; a list is one call (two when its window
//     straddles two of FreeScout's pages), and what is selected under its
//     items counts once per item: a list multiplies by its `first` (50 by
//     default);
//   - a person FreeScout embeds (a conversation's customer, assignee…) is
//     free when the selection asks only for what it embeds; a customer's
//     full profile is a call per item; users come from the user directory,
//     and the mailbox list and the directory are counted once per operation;
//   - a conversation's threads, tags and timelogs come embedded; a thread's
//     people are counted as if each conversation's threads named one
//     customer of their own;
//   - custom-field definitions and folders are a call per mailbox, at most
//     as many as there are mailboxes (when that is known);
//   - a mutation is its write and its read-back (and the definitions, for
//     custom fields), plus what its payload selects.
//
// It is an upper bound for most operations; the data session enforces the
// same budget while the operation runs.
func EstimateCost(oc *graphql.OperationContext, facts Facts) int {
	e := &estimator{oc: oc, facts: facts, once: map[string]bool{}}
	root := "Query"
	switch oc.Operation.Operation {
	case ast.Mutation:
		root = "Mutation"
	case ast.Subscription:
		root = "Subscription"
	}
	e.selection(oc.Operation.SelectionSet, root, 1)
	return int(min(e.calls, maxEstimate))
}

// Depth returns how deeply the operation of oc nests fields (a root field
// is at depth 1; fragments count as the fields they hold). Introspection
// (__schema, __type) is left out: it never reaches FreeScout, and tools'
// introspection queries nest type references deeply.
func Depth(oc *graphql.OperationContext) int {
	var depth func(sel ast.SelectionSet, seen map[string]bool) int
	depth = func(sel ast.SelectionSet, seen map[string]bool) int {
		d := 0
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				if s.Name == "__schema" || s.Name == "__type" {
					continue
				}
				d = max(d, 1+depth(s.SelectionSet, seen))
			case *ast.InlineFragment:
				d = max(d, depth(s.SelectionSet, seen))
			case *ast.FragmentSpread:
				if seen[s.Name] || s.Definition == nil {
					continue // a cycle is a validation error already
				}
				seen[s.Name] = true
				d = max(d, depth(s.Definition.SelectionSet, seen))
				delete(seen, s.Name)
			}
		}
		return d
	}
	return depth(oc.Operation.SelectionSet, map[string]bool{})
}

type estimator struct {
	oc    *graphql.OperationContext
	facts Facts
	once  map[string]bool // operation-wide lookups already counted
	calls int64
}

func (e *estimator) add(n int64) { e.calls = min(e.calls+n, maxEstimate) }

// onceFor counts n calls for a lookup made once per operation.
func (e *estimator) onceFor(what string, n int64) {
	if !e.once[what] {
		e.once[what] = true
		e.add(n)
	}
}

func mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > maxEstimate/b {
		return maxEstimate
	}
	return a * b
}

// perMailbox is n lookups made once per distinct mailbox.
func (e *estimator) perMailbox(n int64) int64 {
	if e.facts.Mailboxes > 0 {
		return min(n, int64(e.facts.Mailboxes))
	}
	return n
}

// types are the GraphQL types a value of type typ satisfies, for field
// collection: the type itself and the union it belongs to.
func types(typ string) []string {
	switch typ {
	case "User", "Customer":
		return []string{typ, "Actor"}
	}
	return []string{typ}
}

// selection counts what sel, selected on m values of type typ, costs.
func (e *estimator) selection(sel ast.SelectionSet, typ string, m int64) {
	if typ == "Actor" {
		e.selection(sel, "User", m)
		e.selection(sel, "Customer", m)
		return
	}
	for _, f := range graphql.CollectFields(e.oc, sel, types(typ)) {
		e.field(typ, f, m)
	}
}

// children counts f's selection on m values of its own type.
func (e *estimator) children(f graphql.CollectedField, m int64) {
	if f.Definition == nil || len(f.Selections) == 0 {
		return
	}
	e.selection(f.Selections, f.Definition.Type.Name(), m)
}

// window is what a connection field's first and after ask for: the
// number of items and the list calls.
func (e *estimator) window(f graphql.CollectedField) (items, calls int64) {
	args := f.ArgumentMap(e.oc.Variables)
	first, ok := intArg(args["first"])
	if !ok {
		first = paging.DefaultFirst
	}
	var after *string
	if a, ok := args["after"].(string); ok {
		after = &a
	}
	offset, limit, err := paging.Args(&first, after)
	if err != nil {
		return 0, 1 // refused when it runs
	}
	return int64(limit), int64(paging.Calls(offset, limit))
}

// intArg reads an Int argument as gqlgen hands it over (int64 from a
// literal, int or json.Number from variables); ok is false for null or
// absent.
func intArg(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		return int(max(min(n, math.MaxInt32), math.MinInt32)), true
	case json.Number:
		i, err := n.Int64()
		return int(max(min(i, math.MaxInt32), math.MinInt32)), err == nil
	}
	return 0, false
}

// connection counts a connection field on m parents: calls per parent, and
// the selection on its items (items per parent), of type node.
func (e *estimator) connection(f graphql.CollectedField, node string, m, items, calls int64) {
	e.add(mul(m, calls))
	for _, c := range graphql.CollectFields(e.oc, f.Selections, []string{f.Definition.Type.Name()}) {
		switch c.Name {
		case "nodes":
			e.selection(c.Selections, node, mul(m, items))
		case "edges":
			for _, n := range graphql.CollectFields(e.oc, c.Selections, []string{node + "Edge"}) {
				if n.Name == "node" {
					e.selection(n.Selections, node, mul(m, items))
				}
			}
		}
	}
}

// list is connection for a FreeScout list: its own calls per parent.
func (e *estimator) list(f graphql.CollectedField, node string, m int64) {
	items, calls := e.window(f)
	e.connection(f, node, m, items, calls)
}

// person counts a relation to a person (a customer or a user) on m values.
func (e *estimator) person(f graphql.CollectedField, typ string, m int64) {
	for _, t := range []string{"Customer", "User"} {
		if typ != t && typ != "Actor" {
			continue
		}
		sel := graphql.CollectFields(e.oc, f.Selections, types(t))
		if needsFullUser(sel) {
			if t == "Customer" {
				e.add(m) // a profile per item
			} else {
				e.users()
			}
		}
		for _, c := range sel {
			e.field(t, c, m)
		}
	}
}

func (e *estimator) users() { e.onceFor("users", int64(max(e.facts.UserPages, 1))) }

func (e *estimator) mailboxes() { e.onceFor("mailboxes", 1) }

// field counts f, selected on m values of type typ.
func (e *estimator) field(typ string, f graphql.CollectedField, m int64) {
	switch typ + "." + f.Name {
	// Queries.
	case "Query.conversation", "Query.customer":
		e.add(1)
		e.children(f, 1)
	case "Query.conversations":
		e.list(f, "Conversation", 1)
	case "Query.customers":
		items, calls := e.window(f)
		if selects(connectionFields(e.oc, f, "Customer"), "customerFields") {
			calls += items // each listed customer read in full
		}
		e.connection(f, "Customer", 1, items, calls)
	case "Query.mailbox":
		e.mailboxes()
		e.children(f, 1)
	case "Query.mailboxes":
		if _, ok := f.ArgumentMap(e.oc.Variables)["userId"].(string); ok {
			e.add(1) // the user's mailboxes, one list
		} else {
			e.mailboxes()
		}
		items, _ := e.window(f)
		e.connection(f, "Mailbox", 1, e.perMailbox(items), 0) // a window of a directory, no list call
	case "Query.user":
		e.users()
		e.children(f, 1)
	case "Query.users":
		if email, _ := f.ArgumentMap(e.oc.Variables)["email"].(string); email != "" {
			e.list(f, "User", 1)
			return
		}
		e.users()
		items, _ := e.window(f)
		e.connection(f, "User", 1, items, 0)
	case "Query.tags":
		e.list(f, "Tag", 1)

	// Relations.
	case "Conversation.customer", "Thread.customer":
		e.person(f, "Customer", m)
	case "CustomerEvent.customer":
		// The webhook's body is the customer without its customer fields:
		// selecting them reads the customer (eventCustomer).
		if selects(graphql.CollectFields(e.oc, f.Selections, types("Customer")), "customerFields") {
			e.add(m)
		}
		e.children(f, m)
	case "Conversation.assignee", "Conversation.closedBy", "Thread.assignedTo":
		e.person(f, "User", m)
	case "Timelog.user", "Folder.user":
		// Only a user id comes with them: anything more is the directory.
		for _, c := range graphql.CollectFields(e.oc, f.Selections, []string{"User"}) {
			if c.Name != "id" && c.Name != "__typename" {
				e.users()
			}
		}
		e.children(f, m)
	case "Conversation.createdBy", "Thread.createdBy":
		e.person(f, "Actor", m)
	case "Conversation.mailbox":
		if !mailboxIsFree(graphql.CollectFields(e.oc, f.Selections, []string{"Mailbox"})) {
			e.mailboxes()
		}
		e.children(f, m)
	case "CustomFieldValue.field":
		e.add(e.perMailbox(m))
	case "Mailbox.customFields", "Mailbox.folders":
		e.add(e.perMailbox(m))
		e.children(f, m)
	case "Mailbox.conversations", "Customer.conversations":
		e.list(f, "Conversation", m)
	case "User.mailboxes":
		e.add(m)
		e.children(f, mul(m, int64(max(e.facts.Mailboxes, 1))))

	// Mutations: the write and its read-back.
	case "Mutation.updateConversationCustomFields":
		e.add(4) // the conversation's mailbox, the definitions, the write, the read-back
		e.children(f, 1)
	case "Mutation.createConversation":
		e.add(2)
		if in, _ := f.ArgumentMap(e.oc.Variables)["input"].(map[string]any); in["customFields"] != nil {
			e.add(1)
		}
		e.children(f, 1)
	case "Mutation.updateConversation", "Mutation.updateConversationTags", "Mutation.createThread",
		"Mutation.createCustomer", "Mutation.updateCustomer", "Mutation.updateCustomerFields", "Mutation.createUser":
		e.add(2)
		e.children(f, 1)
	case "Mutation.deleteConversation", "Mutation.deleteUser", "Mutation.createWebhook", "Mutation.deleteWebhook":
		e.add(1)
		e.children(f, 1)

	default:
		// Plain fields cost nothing; objects that come with their parent
		// (threads, tags, payloads, events) cost what they select. Threads
		// count once per conversation, as the doc says.
		e.children(f, m)
	}
}

// connectionFields are the fields selected on a connection field's nodes.
func connectionFields(oc *graphql.OperationContext, f graphql.CollectedField, node string) []graphql.CollectedField {
	var out []graphql.CollectedField
	for _, c := range graphql.CollectFields(oc, f.Selections, []string{f.Definition.Type.Name()}) {
		switch c.Name {
		case "nodes":
			out = append(out, graphql.CollectFields(oc, c.Selections, []string{node})...)
		case "edges":
			for _, n := range graphql.CollectFields(oc, c.Selections, []string{node + "Edge"}) {
				if n.Name == "node" {
					out = append(out, graphql.CollectFields(oc, n.Selections, []string{node})...)
				}
			}
		}
	}
	return out
}

// OperationCost is what the request pipeline knows about an operation's
// cost and the caller's budget; it stores it in the operation context.
type OperationCost struct {
	Estimated int       // before it ran, in FreeScout calls
	Limit     int       // the caller's budget when full
	Remaining int       // what is left after charging the estimate
	ResetAt   time.Time // when the budget is full again
}

const costStats = "scoutgraph.cost"

// SetOperationCost records c for the operation of oc.
func SetOperationCost(oc *graphql.OperationContext, c *OperationCost) {
	oc.Stats.SetExtension(costStats, c)
}

// OperationCostFrom returns what was recorded for the operation ctx belongs
// to, or nil.
func OperationCostFrom(ctx context.Context) *OperationCost {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	c, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(costStats).(*OperationCost)
	return c
}

var errNoBudget = errors.New("the request pipeline recorded no cost for this operation")

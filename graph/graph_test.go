package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// fakeSession is a Session over a few conversations and customers held in
// memory, recording the calls resolvers make. Methods it does not implement
// come from the nil embedded interface and panic: a resolver calling one is
// a test failure.
type fakeSession struct {
	graph.Session
	convs     []upstream.Conversation
	customers map[int]*upstream.Customer

	mu       sync.Mutex
	calls    []string
	writeErr error // what writes answer
}

func (f *fakeSession) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeSession) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeSession) Conversations(_ context.Context, opts upstream.ConversationListOptions, offset, limit int) (paging.Page[upstream.Conversation], error) {
	f.record("Conversations embed=" + strings.Join(opts.Embed, ","))
	return paging.Page[upstream.Conversation]{Items: paging.Slice(f.convs, offset, limit), Total: len(f.convs)}, nil
}

func (f *fakeSession) Conversation(_ context.Context, id int, _ []string) (*upstream.Conversation, error) {
	f.record("Conversation")
	for i := range f.convs {
		if f.convs[i].ID == id {
			return &f.convs[i], nil
		}
	}
	return nil, errcode.New(errcode.NotFound, "conversation not found")
}

func (f *fakeSession) Customer(_ context.Context, id int) (*upstream.Customer, error) {
	f.record("Customer")
	if c, ok := f.customers[id]; ok {
		return c, nil
	}
	return nil, errcode.New(errcode.NotFound, "customer not found")
}

func (f *fakeSession) PrefetchUsers(context.Context)               { f.record("PrefetchUsers") }
func (f *fakeSession) PrefetchMailboxes(context.Context)           { f.record("PrefetchMailboxes") }
func (f *fakeSession) PrefetchCustomFields(context.Context, []int) { f.record("PrefetchCustomFields") }
func (f *fakeSession) Forget()                                     { f.record("Forget") }

func (f *fakeSession) UpdateConversationTags(ctx context.Context, id int, tags []string, embed []string) (*upstream.Conversation, error) {
	f.record("UpdateConversationTags")
	if f.writeErr != nil {
		return nil, f.writeErr
	}
	return f.Conversation(ctx, id, embed)
}

func (f *fakeSession) UpdateConversation(ctx context.Context, id int, _ *upstream.ConversationUpdate, embed []string) (*upstream.Conversation, error) {
	f.record("UpdateConversation")
	if f.writeErr != nil {
		return nil, f.writeErr
	}
	return f.Conversation(ctx, id, embed)
}

// person is an embedded person with the keys FreeScout sent.
func person(t *testing.T, js string) *upstream.Person {
	t.Helper()
	var p upstream.Person
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func newFake(t *testing.T) *fakeSession {
	return &fakeSession{
		convs: []upstream.Conversation{
			{ID: 1, Subject: "one", MailboxID: 1, Customer: person(t, `{"id":7,"type":"customer","firstName":"Ann"}`)},
			{ID: 2, Subject: "two", MailboxID: 1, Customer: person(t, `{"id":7,"type":"customer","firstName":"Ann"}`)},
			{ID: 3, Subject: "three", MailboxID: 2, Customer: person(t, `{"id":8,"type":"customer","firstName":"Bo"}`)},
		},
		customers: map[int]*upstream.Customer{
			7: {ID: 7, FirstName: "Ann", Company: "Acme"},
			8: {ID: 8, FirstName: "Bo", Company: "Initech"},
		},
	}
}

// result is a GraphQL response, decoded.
type result struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// run executes query against the schema with sessions from newSession (nil:
// none, the bug) for caller, as the gateway wires it.
func run(t *testing.T, newSession func(context.Context) graph.Session, caller *auth.Caller, logs *bytes.Buffer, query string) result {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, nil))
	r := &graph.Resolver{Sessions: graph.SessionFactoryFunc(newSession), Logger: logger}
	exec := executor.New(graph.NewSchema(r))
	exec.SetErrorPresenter(graph.ErrorPresenter(logger))
	exec.SetRecoverFunc(graph.Recover(logger))
	if newSession != nil {
		exec.AroundOperations(r.AroundOperations)
	}
	exec.AroundRootFields(graph.ForgetBeforeMutations)
	ctx := graphql.StartOperationTrace(auth.WithCaller(context.Background(), caller))
	opCtx, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query})
	if errs != nil {
		t.Fatalf("operation: %v", errs)
	}
	handler, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := handler(ctx)
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var out result
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func always(s graph.Session) func(context.Context) graph.Session {
	return func(context.Context) graph.Session { return s }
}

func code(r result) string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// TestRelationsFromWhatFreeScoutEmbedded: a customer's embedded name needs
// no lookup; a field beyond it looks each distinct customer up, once.
func TestRelationsFromWhatFreeScoutEmbedded(t *testing.T) {
	fake := newFake(t)
	var logs bytes.Buffer
	r := run(t, always(fake), auth.Anonymous(), &logs, `{ conversations(first: 3) { nodes { id customer { firstName } } } }`)
	if len(r.Errors) > 0 || fake.count("Customer") != 0 {
		t.Fatalf("errors %v, customer lookups %d; want none", r.Errors, fake.count("Customer"))
	}
	r = run(t, always(fake), auth.Anonymous(), &logs, `{ conversations(first: 3) { nodes { id customer { firstName company } } } }`)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if n := fake.count("Customer"); n != 3 {
		// The fake has no loader: three conversations, three lookups; the
		// session's loaders make two of them one (tested in session).
		t.Errorf("%d customer lookups, want one per conversation (3)", n)
	}
	nodes := r.Data["conversations"].(map[string]any)["nodes"].([]any)
	if got := nodes[2].(map[string]any)["customer"].(map[string]any)["company"]; got != "Initech" {
		t.Errorf("company %v", got)
	}
}

// TestEmbedsChosenFromTheSelection: threads and tags asked for are embedded
// in the list call; nothing else is.
func TestEmbedsChosenFromTheSelection(t *testing.T) {
	fake := newFake(t)
	var logs bytes.Buffer
	run(t, always(fake), auth.Anonymous(), &logs, `{ conversations { nodes { id } } }`)
	run(t, always(fake), auth.Anonymous(), &logs, `{ conversations { nodes { id threads { id } tags { name } } } }`)
	if fake.count("Conversations embed=") != 2 || fake.count("Conversations embed=threads,tags") != 1 {
		t.Errorf("calls %v", fake.calls)
	}
}

// TestMutationInputProblemsWriteNothing: a bad id is a userError and the
// session is never asked to write.
func TestMutationInputProblemsWriteNothing(t *testing.T) {
	fake := newFake(t)
	var logs bytes.Buffer
	r := run(t, always(fake), auth.Anonymous(), &logs, `mutation { updateConversationTags(input: {conversationId: "`+strings.Repeat("9", 5000)+`", tags: [""]}) { conversation { id } userErrors { field code message } } }`)
	p := r.Data["updateConversationTags"].(map[string]any)
	ue := p["userErrors"].([]any)
	if len(ue) != 2 || fake.count("UpdateConversationTags") != 0 {
		t.Fatalf("userErrors %v, writes %d", ue, fake.count("UpdateConversationTags"))
	}
	if msg := ue[0].(map[string]any)["message"].(string); len(msg) > 120 {
		t.Errorf("the message echoes the whole id (%d bytes)", len(msg))
	}
	if fake.count("Forget") != 1 {
		t.Errorf("Forget called %d times before the mutation, want 1", fake.count("Forget"))
	}
}

// TestMutationAnswersBecomeUserErrors: FreeScout's validation errors and the
// session's not-found answers about input fields are userErrors, with paths
// in the input's terms; a failure after the write landed is an error.
func TestMutationAnswersBecomeUserErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantField string
		wantCode  string
		wantError string // the GraphQL error's code, when not a userError
	}{
		{"freescout validation", &upstream.Error{StatusCode: 400, Message: "Bad request", Fields: []upstream.FieldError{{Path: "assignTo", Message: "user not found"}}},
			`["assigneeId"]`, "INVALID", ""},
		{"not found at a field", errcode.New(errcode.NotFound, "mailbox 9 not found").At("mailboxId"), `["mailboxId"]`, "NOT_FOUND", ""},
		{"freescout 404", &upstream.Error{StatusCode: 404, Message: "Not found"}, `["id"]`, "NOT_FOUND", ""},
		{"read back failed", errcode.AfterWrite(&upstream.Error{StatusCode: 503, Message: "down"}), "", "", "UPSTREAM_UNAVAILABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			fake.writeErr = tt.err
			var logs bytes.Buffer
			r := run(t, always(fake), auth.Anonymous(), &logs, `mutation { updateConversation(input: {id: "1", byUserId: "1", assigneeId: "5"}) { conversation { id } userErrors { field code } } }`)
			if tt.wantError != "" {
				if code(r) != tt.wantError {
					t.Fatalf("errors %+v, want %s", r.Errors, tt.wantError)
				}
				return
			}
			ue := r.Data["updateConversation"].(map[string]any)["userErrors"].([]any)
			if len(ue) != 1 {
				t.Fatalf("userErrors %v, errors %v", ue, r.Errors)
			}
			e := ue[0].(map[string]any)
			if field, _ := json.Marshal(e["field"]); string(field) != tt.wantField || e["code"] != tt.wantCode {
				t.Errorf("userError %v, want field %s code %s", e, tt.wantField, tt.wantCode)
			}
		})
	}
}

// TestErrorCodes: what the presenter shows for errors resolvers return.
func TestErrorCodes(t *testing.T) {
	unauthorized := &upstream.Error{StatusCode: 401, Message: "Unauthorized"}
	tests := []struct {
		name   string
		caller *auth.Caller
		err    error
		want   string
	}{
		{"the gateway's key rejected", auth.Anonymous(), unauthorized, "UPSTREAM_UNAVAILABLE"},
		{"the caller's own key rejected", auth.WithFreeScoutKey("k"), unauthorized, "UNAUTHENTICATED"},
		{"a module missing", auth.Anonymous(), errcode.New(errcode.ModuleUnavailable, "tags need the tags module").With("module", "Tags"), "MODULE_UNAVAILABLE"},
		{"anything else", auth.Anonymous(), context.Canceled, "INTERNAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			fake.writeErr = tt.err
			var logs bytes.Buffer
			r := run(t, always(fake), tt.caller, &logs, `mutation { updateConversationTags(input: {conversationId: "1", tags: ["x"]}) { userErrors { code } } }`)
			if code(r) != tt.want {
				t.Fatalf("errors %+v, want %s", r.Errors, tt.want)
			}
			if tt.want == "MODULE_UNAVAILABLE" && r.Errors[0].Extensions["module"] != "Tags" {
				t.Errorf("extensions %v", r.Errors[0].Extensions)
			}
			if tt.want == "INTERNAL" && (r.Errors[0].Message != "internal error" || !strings.Contains(logs.String(), "context canceled")) {
				t.Errorf("message %q; log %q", r.Errors[0].Message, logs.String())
			}
		})
	}
}

// TestArgumentsAreBounded: huge ids and filters are refused with short
// messages, and nothing is asked of FreeScout.
func TestArgumentsAreBounded(t *testing.T) {
	fake := newFake(t)
	var logs bytes.Buffer
	for _, q := range []string{
		`{ conversation(id: "` + strings.Repeat("1", 100000) + `") { id } }`,
		`{ conversations(filter: {subject: "` + strings.Repeat("x", 100000) + `"}) { totalCount } }`,
		`{ conversations(after: "b2Zmc2V0Ojk5OTk5OTk5OTk5OTk5OTk5OTk5") { totalCount } }`,
		`{ conversations(after: "b2Zmc2V0OjkyMjMzNzIwMzY4NTQ3NzU4MDc") { totalCount } }`, // offset 2^63-1
	} {
		r := run(t, always(fake), auth.Anonymous(), &logs, q)
		if code(r) != "BAD_USER_INPUT" || len(r.Errors[0].Message) > 120 {
			t.Errorf("errors %+v, want a short BAD_USER_INPUT", r.Errors)
		}
	}
	if len(fake.calls) != 0 {
		t.Errorf("calls %v, want none", fake.calls)
	}
}

// TestNoSessionFailsLoudly: an operation without a data session is a bug in
// the wiring: it fails with INTERNAL and the log says why, instead of
// falling back to something that works by accident.
func TestNoSessionFailsLoudly(t *testing.T) {
	var logs bytes.Buffer
	r := run(t, nil, auth.Anonymous(), &logs, `{ conversation(id: "1") { id } }`)
	if code(r) != "INTERNAL" || !strings.Contains(logs.String(), "no data session") {
		t.Errorf("errors %+v; log %q", r.Errors, logs.String())
	}
}

package graph

import (
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Inline marshalling. gqlgen marshals each field through a field context of
// its own (an allocation or five per field) and each element of a list of
// objects in a goroutine of its own. That is what fields that wait on I/O
// need, and overhead for values already at hand, which is what the producers
// give (see "The rule for relations" in the package doc): a conversation's
// people, threads, tags and custom fields are plain values by the time gqlgen
// reads them.
//
// InlineFields, a field middleware, lets gqlgen resolve a field as usual,
// then, when every field its selection reaches is plain (planField, written
// by graph/internal/inlinegen from gqlgen's own codegen data), writes the
// field's whole value into one JSON buffer and hands gqlgen that, which
// gqlgen accepts from a middleware as the field's marshalled result. Anything
// the inline writers do not meet exactly as gqlgen would (a null where the
// schema forbids one, a relation that answers an error, a type they do not
// know) makes them give up, and gqlgen marshals the value itself, with its
// own errors and null propagation. The bytes are the same either way:
// TestInlineAnswersAreGqlgens and the golden answers of the benchmark
// queries compare them.

// InlineFields is the field middleware that writes plain subtrees inline
// (see above). Install it with the executor's AroundFields.
func InlineFields(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || len(fc.Field.Selections) == 0 || fc.Field.Definition == nil {
		return next(ctx)
	}
	memo, _ := ctx.Value(inlineMemoKey{}).(*inlineMemo)
	if memo == nil {
		return next(ctx)
	}
	il := inliner{oc: graphql.GetOperationContext(ctx), memo: memo}
	if !il.planField(fc.Object, fc.Field.Name, fc.Field.Selections) {
		return next(ctx)
	}
	res, err := next(ctx)
	if err != nil || res == nil {
		return res, err
	}
	il.b = make([]byte, 0, memo.sizeHint(fc.Field.Field))
	if !il.inlineField(fc.Object, fc.Field.Name, fc.Field.Selections, res) {
		return res, nil
	}
	memo.noteSize(fc.Field.Field, len(il.b))
	return inlineJSON(il.b), nil
}

// inlineJSON is a field's value written inline.
type inlineJSON []byte

// MarshalGQL writes the value.
func (j inlineJSON) MarshalGQL(w io.Writer) { _, _ = w.Write(j) }

type inlineMemoKey struct{}

// withInlineMemo returns ctx with a fresh memo for one operation's inline
// writers: collected fields and plans depend on the operation's variables.
func withInlineMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, inlineMemoKey{}, &inlineMemo{
		fields: map[selKey][]graphql.CollectedField{},
		plans:  map[selKey]bool{},
		sizes:  map[*ast.Field]int{},
	})
}

// selKey names a selection set on a type (or set of types).
type selKey struct {
	first *ast.Selection
	n     int
	kind  string
}

func keyOf(sel ast.SelectionSet, kind string) selKey {
	if len(sel) == 0 {
		return selKey{kind: kind}
	}
	return selKey{&sel[0], len(sel), kind}
}

// inlineMemo is what the inline writers of one operation remember. gqlgen
// resolves fields concurrently, hence the lock.
type inlineMemo struct {
	mu     sync.Mutex
	fields map[selKey][]graphql.CollectedField
	plans  map[selKey]bool
	sizes  map[*ast.Field]int
}

func (m *inlineMemo) sizeHint(f *ast.Field) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.sizes[f]; n > 0 {
		return n
	}
	return 512
}

func (m *inlineMemo) noteSize(f *ast.Field, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n > m.sizes[f] {
		m.sizes[f] = n
	}
}

// inliner writes one field's value as JSON, exactly as gqlgen's marshallers
// would.
type inliner struct {
	oc   *graphql.OperationContext
	memo *inlineMemo
	b    []byte
}

// fields is graphql.CollectFields, remembered for the operation.
func (il *inliner) fields(sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	k := keyOf(sel, implementors[0])
	il.memo.mu.Lock()
	f, ok := il.memo.fields[k]
	il.memo.mu.Unlock()
	if ok {
		return f
	}
	f = graphql.CollectFields(il.oc, sel, implementors)
	il.memo.mu.Lock()
	il.memo.fields[k] = f
	il.memo.mu.Unlock()
	return f
}

// plans is plan, a check of sel on the types named kind, remembered for the
// operation.
func (il *inliner) plans(sel ast.SelectionSet, kind string, plan func() bool) bool {
	k := keyOf(sel, kind)
	il.memo.mu.Lock()
	ok, known := il.memo.plans[k]
	il.memo.mu.Unlock()
	if known {
		return ok
	}
	ok = plan()
	il.memo.mu.Lock()
	il.memo.plans[k] = ok
	il.memo.mu.Unlock()
	return ok
}

// Write lets marshallers write into the buffer.
func (il *inliner) Write(p []byte) (int, error) {
	il.b = append(il.b, p...)
	return len(p), nil
}

func (il *inliner) key(i int, alias string) {
	if i > 0 {
		il.b = append(il.b, ',')
	}
	il.str(alias)
	il.b = append(il.b, ':')
}

func (il *inliner) null() { il.b = append(il.b, "null"...) }

func (il *inliner) int(v int64) { il.b = strconv.AppendInt(il.b, v, 10) }

func (il *inliner) bool(v bool) { il.b = strconv.AppendBool(il.b, v) }

// quoted writes s, which needs no escaping, in quotes.
func (il *inliner) quoted(s string) {
	il.b = append(il.b, '"')
	il.b = append(il.b, s...)
	il.b = append(il.b, '"')
}

// str writes s as gqlgen's MarshalString does: control characters, quotes
// and backslashes escaped, every other byte as it is.
func (il *inliner) str(s string) {
	il.b = appendQuoted(il.b, s)
}

const hexDigits = "0123456789ABCDEF" // upper case, as gqlgen writes them

func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

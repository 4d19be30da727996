package persisted

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// manifestFormat and manifestVersion are the only format and version of an
// Apollo persisted-query manifest.
const (
	manifestFormat  = "apollo-persisted-query-manifest"
	manifestVersion = 1
)

// Operation is one trusted document of a Manifest.
type Operation struct {
	// ID is the bare lowercase hex SHA-256 of Body, whichever form the
	// manifest wrote it in.
	ID string
	// Name is the operation's name; Type is query, mutation or subscription.
	Name, Type string
	// Body is the document's text, byte for byte as the manifest holds it.
	Body string
}

// Manifest is the set of trusted documents of the only mode, read from an
// Apollo persisted-query manifest (PERSISTED_QUERIES_FILE):
//
//	{"format":"apollo-persisted-query-manifest","version":1,
//	 "operations":[{"id":"…","name":"…","type":"query","body":"…"}]}
//
// Apollo's generate-persisted-query-manifest writes it, ids being the SHA-256
// of the body in lowercase hex (its default createOperationId). An id may also
// be written "sha256:<hex>", the GraphQL-over-HTTP document id that GraphQL
// Codegen's client preset uses for sha256 (its persisted-documents.json is a
// plain {id: body} map, not a manifest; Apollo's tool turns it into one with
// fromGraphQLCodegenPersistedDocuments). Ids of any other algorithm (the
// preset's sha1, a custom createOperationId) are refused: the gateway checks
// every id against its body.
//
// Reading is strict: the format and version must be exactly those above, the
// list non-empty, every id the SHA-256 of its body and unique, every body one
// operation (with its fragments) whose type and name are the entry's. Members
// the format does not define are ignored. A Manifest is immutable.
type Manifest struct {
	ops    []Operation
	byID   map[string]int // Operation.ID → index in ops
	byBody map[string]int // Operation.Body → index in ops
}

// LoadManifest reads and checks the manifest file at path.
func LoadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("persisted: manifest: %w", err)
	}
	m, err := parseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("persisted: manifest %s: %w", path, err)
	}
	return m, nil
}

// ParseManifest reads and checks a manifest held in memory.
func ParseManifest(data []byte) (*Manifest, error) {
	m, err := parseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("persisted: manifest: %w", err)
	}
	return m, nil
}

// manifestFile is the JSON form of a manifest. Pointers tell a missing member
// from an empty one.
type manifestFile struct {
	Format     *string `json:"format"`
	Version    *int    `json:"version"`
	Operations []struct {
		ID   *string `json:"id"`
		Name *string `json:"name"`
		Type *string `json:"type"`
		Body *string `json:"body"`
	} `json:"operations"`
}

func parseManifest(data []byte) (*Manifest, error) {
	var f manifestFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("not valid JSON: data after the manifest object")
	}
	switch {
	case f.Format == nil:
		return nil, fmt.Errorf("no format member (want %q)", manifestFormat)
	case *f.Format != manifestFormat:
		return nil, fmt.Errorf("format %q, want %q", *f.Format, manifestFormat)
	case f.Version == nil:
		return nil, fmt.Errorf("no version member (want %d)", manifestVersion)
	case *f.Version != manifestVersion:
		return nil, fmt.Errorf("version %d, want %d", *f.Version, manifestVersion)
	case len(f.Operations) == 0:
		return nil, fmt.Errorf("no operations")
	}
	m := &Manifest{
		ops:    make([]Operation, 0, len(f.Operations)),
		byID:   make(map[string]int, len(f.Operations)),
		byBody: make(map[string]int, len(f.Operations)),
	}
	for i, o := range f.Operations {
		where := fmt.Sprintf("operations[%d]", i)
		if o.Name != nil {
			where += fmt.Sprintf(" (%q)", *o.Name)
		}
		switch {
		case o.ID == nil || *o.ID == "":
			return nil, fmt.Errorf("%s: no id", where)
		case o.Name == nil:
			return nil, fmt.Errorf("%s: no name", where)
		case o.Type == nil:
			return nil, fmt.Errorf("%s: no type", where)
		case o.Body == nil || *o.Body == "":
			return nil, fmt.Errorf("%s: no body", where)
		}
		op := Operation{Name: *o.Name, Type: *o.Type, Body: *o.Body}
		if err := checkBody(op); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		id, ok := parseHash(*o.ID)
		if !ok {
			return nil, fmt.Errorf("%s: id %q is not a SHA-256 in lowercase hex (optionally prefixed %q)", where, *o.ID, hashPrefix)
		}
		if sum := Hash(op.Body); id != sum {
			return nil, fmt.Errorf("%s: id %s is not the SHA-256 of the body, which is %s", where, id, sum)
		}
		if j, dup := m.byID[id]; dup {
			return nil, fmt.Errorf("%s: id %s repeats operations[%d]", where, id, j)
		}
		op.ID = id
		m.byID[id] = len(m.ops)
		m.byBody[op.Body] = len(m.ops)
		m.ops = append(m.ops, op)
	}
	return m, nil
}

// checkBody reports whether op's body parses as one operation, with any
// fragments, of op's type and name.
func checkBody(op Operation) error {
	switch ast.Operation(op.Type) {
	case ast.Query, ast.Mutation, ast.Subscription:
	default:
		return fmt.Errorf("type %q, want query, mutation or subscription", op.Type)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: op.Body})
	if err != nil {
		return fmt.Errorf("body does not parse: %s", oneLine(err.Error()))
	}
	if len(doc.Operations) != 1 {
		return fmt.Errorf("body holds %d operations, want 1", len(doc.Operations))
	}
	got := doc.Operations[0]
	if string(got.Operation) != op.Type {
		return fmt.Errorf("type %q, but the body is a %s", op.Type, got.Operation)
	}
	if got.Name != op.Name {
		return fmt.Errorf("name %q, but the body's operation is named %q", op.Name, got.Name)
	}
	return nil
}

// oneLine joins the lines of a parser message, so that every manifest error
// is one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Len returns the number of trusted documents.
func (m *Manifest) Len() int { return len(m.ops) }

// Operations returns a copy of the trusted documents, in manifest order.
func (m *Manifest) Operations() []Operation { return append([]Operation(nil), m.ops...) }

// ByHash returns the trusted document whose id is hash (bare lowercase hex or
// "sha256:<hex>").
func (m *Manifest) ByHash(hash string) (Operation, bool) {
	h, ok := parseHash(hash)
	if !ok {
		return Operation{}, false
	}
	i, ok := m.byID[h]
	if !ok {
		return Operation{}, false
	}
	return m.ops[i], true
}

// ByBody returns the trusted document whose body is byte-identical to query.
func (m *Manifest) ByBody(query string) (Operation, bool) {
	i, ok := m.byBody[query]
	if !ok {
		return Operation{}, false
	}
	return m.ops[i], true
}

// Validate reports the first trusted document that does not validate against
// schema, naming it: an operation the gateway would refuse anyway, which means
// the manifest and the schema have drifted apart. The gateway may call it at
// start-up to fail, or to warn.
func (m *Manifest) Validate(schema *ast.Schema) error {
	for i, op := range m.ops {
		if _, errs := gqlparser.LoadQuery(schema, op.Body); len(errs) > 0 {
			return fmt.Errorf("persisted: manifest operations[%d] (%q, id %s) does not validate against the schema: %s", i, op.Name, op.ID, oneLine(errs[0].Error()))
		}
	}
	return nil
}

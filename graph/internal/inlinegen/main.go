// Command inlinegen writes graph/inline_gen.go: for every object type of the
// schema, a function that writes an object's selected fields straight into
// one JSON buffer, as gqlgen's generated _<Type> would marshal them, and a
// plan that says whether a selection can be written that way (every field it
// selects is a plain Go field or a context-free method, with no arguments, no
// resolver and no @defer).
//
// gqlgen marshals every field through a field context and every element of a
// list of objects in a goroutine of its own, which is right for fields that
// wait on I/O and pure overhead for values the producer already holds (see
// "The rule for relations" in graph's package doc). The functions written
// here are used by graph's InlineFields field middleware; they are derived
// from the same codegen data gqlgen builds, so a schema change regenerates
// both. Run after `go tool gqlgen generate` (make generate does both):
//
//	go run ./graph/internal/inlinegen
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"go/types"
	"io"
	"log"
	"os"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
)

const (
	out       = "graph/inline_gen.go"
	graphPkg  = "github.com/scoutgraph/scoutgraph/graph"
	gqlgenPkg = "github.com/99designs/gqlgen/graphql"
)

func main() {
	// gqlgen's binder logs each resolver it would add; generate has said that.
	log.SetOutput(io.Discard)
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "inlinegen:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		return fmt.Errorf("load gqlgen.yml: %w", err)
	}
	// The steps api.Generate takes before building its data, without the
	// plugins that write files.
	if err := cfg.LoadSchema(); err != nil {
		return fmt.Errorf("load schema: %w", err)
	}
	codegen.ClearInlineArgsMetadata()
	if err := codegen.ExpandInlineArguments(cfg.Schema); err != nil {
		return fmt.Errorf("expand inline arguments: %w", err)
	}
	if err := cfg.Init(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	data, err := codegen.BuildData(cfg)
	if err != nil {
		return fmt.Errorf("build data: %w", err)
	}
	g := &gen{data: data, writers: map[string]*config.TypeReference{}, imports: map[string]string{}}
	src, err := g.file()
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

type gen struct {
	data    *codegen.Data
	body    bytes.Buffer
	writers map[string]*config.TypeReference // writer name -> the type it writes
	imports map[string]string                // path -> name
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.body, format+"\n", args...) }

// typ is t as written in package graph.
func (g *gen) typ(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p.Path() == graphPkg {
			return ""
		}
		g.imports[p.Path()] = p.Name()
		return p.Name()
	})
}

// objects are the schema's object types gqlgen generates marshallers for,
// the roots and introspection types aside.
func (g *gen) objects() []*codegen.Object {
	var objs []*codegen.Object
	for _, o := range g.data.Objects {
		if o.Root || o.IsReserved() {
			continue
		}
		objs = append(objs, o)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Name < objs[j].Name })
	return objs
}

// object is the object type named name that objects lists, or nil.
func (g *gen) object(name string) *codegen.Object {
	if o := g.data.Objects.ByName(name); o != nil && !o.Root && !o.IsReserved() {
		return o
	}
	return nil
}

// plain says whether f's value is at hand: a Go field or a method without
// context or arguments, no resolver.
func plain(f *codegen.Field) bool {
	if f.IsResolver || f.MethodHasContext || len(f.Args) > 0 || f.Stream || f.IsBatch() || f.VOkFunc {
		return false
	}
	if f.GoFieldType != codegen.GoFieldVariable && f.GoFieldType != codegen.GoFieldMethod {
		return false
	}
	for _, d := range f.Directives {
		if !d.SkipRuntime {
			return false
		}
	}
	return f.TypeReference != nil && f.TypeReference.CastType == nil
}

// writable says whether values of ref can be written inline, and the
// objects a selection on them reaches.
func (g *gen) writable(ref *config.TypeReference) (targets []string, ok bool) {
	switch {
	case ref.IsPtrToPtr() || ref.IsContext || ref.IsOmittable:
		return nil, false
	case ref.IsSlice():
		return g.writable(ref.Elem())
	case ref.IsPtr():
		return g.writable(ref.Elem())
	}
	switch ref.Definition.Kind {
	case ast.Object:
		if g.object(ref.Definition.Name) == nil {
			return nil, false
		}
		return []string{ref.Definition.Name}, true
	case ast.Interface, ast.Union:
		intf := g.data.Interfaces[ref.Definition.Name]
		if intf == nil {
			return nil, false
		}
		for _, impl := range intf.Implementors {
			if g.object(impl.Name) == nil {
				return nil, false
			}
			targets = append(targets, impl.Name)
		}
		return targets, true
	case ast.Enum:
		return nil, ref.IsMarshaler && hasIsValid(ref.GO)
	case ast.Scalar:
		return nil, ref.IsMarshaler || ref.Marshaler != nil
	}
	return nil, false
}

func hasIsValid(t types.Type) bool {
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	if b, ok := named.Underlying().(*types.Basic); !ok || b.Kind() != types.String {
		return false
	}
	for i := range named.NumMethods() {
		if named.Method(i).Name() == "IsValid" {
			return true
		}
	}
	return false
}

func writerName(ref *config.TypeReference) string {
	return "w" + strings.TrimPrefix(ref.MarshalFunc(), "marshal")
}

func (g *gen) file() ([]byte, error) {
	objs := g.objects()
	for _, o := range objs {
		g.objectFuncs(o)
	}
	g.fieldDispatch()
	// Writers are added while writing other writers; write until none is left.
	done := map[string]bool{}
	for {
		var names []string
		for name := range g.writers {
			if !done[name] {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			break
		}
		sort.Strings(names)
		for _, name := range names {
			done[name] = true
			g.writer(name, g.writers[name])
		}
	}

	var head bytes.Buffer
	fmt.Fprintln(&head, "// Code generated by graph/internal/inlinegen from gqlgen's codegen data. DO NOT EDIT.")
	fmt.Fprintln(&head)
	fmt.Fprintln(&head, "package graph")
	fmt.Fprintln(&head)
	fmt.Fprintln(&head, "import (")
	g.imports["github.com/vektah/gqlparser/v2/ast"] = "ast"
	paths := make([]string, 0, len(g.imports))
	for p := range g.imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(&head, "\t%q\n", p)
	}
	fmt.Fprintln(&head, ")")
	head.Write(g.body.Bytes())
	src, err := format.Source(head.Bytes())
	if err != nil {
		return head.Bytes(), fmt.Errorf("format: %w", err)
	}
	return src, nil
}

// objectFuncs writes plan<T> and inline<T> for o.
func (g *gen) objectFuncs(o *codegen.Object) {
	impl := lcFirst(o.Name) + "Implementors"
	g.p("")
	g.p("// plan%s says whether sel on a %s can be written inline.", o.Name, o.Name)
	g.p("func (il *inliner) plan%s(sel ast.SelectionSet) bool {", o.Name)
	g.p("\tfor _, f := range il.fields(sel, %s) {", impl)
	g.p("\t\tif f.IsDeferred() { return false }")
	g.p("\t\tswitch f.Name {")
	g.p("\t\tcase \"__typename\":")
	for _, f := range o.Fields {
		if !plain(f) {
			continue
		}
		targets, ok := g.writable(f.TypeReference)
		if !ok {
			continue
		}
		g.p("\t\tcase %q:", f.Name)
		if len(targets) > 0 {
			var checks []string
			for _, t := range targets {
				checks = append(checks, fmt.Sprintf("il.plan%s(f.Selections)", t))
			}
			g.p("\t\t\tif !il.plans(f.Selections, %q, func() bool { return %s }) { return false }", targets[0]+strings.Join(targets[1:], ""), strings.Join(checks, " && "))
		}
	}
	g.p("\t\tdefault:")
	g.p("\t\t\treturn false")
	g.p("\t\t}")
	g.p("\t}")
	g.p("\treturn true")
	g.p("}")

	g.p("")
	g.p("// inline%s writes obj's fields selected by sel, as gqlgen's _%s marshals them.", o.Name, o.Name)
	g.p("func (il *inliner) inline%s(sel ast.SelectionSet, obj %s) bool {", o.Name, g.typ(o.Reference()))
	g.p("\til.b = append(il.b, '{')")
	g.p("\tfor i, f := range il.fields(sel, %s) {", impl)
	g.p("\t\til.key(i, f.Alias)")
	g.p("\t\tswitch f.Name {")
	g.p("\t\tcase \"__typename\":")
	g.p("\t\t\til.str(%q)", o.Name)
	for _, f := range o.Fields {
		if !plain(f) {
			continue
		}
		if _, ok := g.writable(f.TypeReference); !ok {
			continue
		}
		g.p("\t\tcase %q:", f.Name)
		switch {
		case f.GoFieldType == codegen.GoFieldVariable:
			g.p("\t\t\tv := obj.%s", f.GoFieldName)
		case f.NoErr:
			g.p("\t\t\tv := obj.%s()", f.GoFieldName)
		default:
			g.p("\t\t\tv, err := obj.%s()", f.GoFieldName)
			g.p("\t\t\tif err != nil { return false }")
		}
		g.p("\t\t\tif !il.%s(f.Selections, v) { return false }", g.use(f.TypeReference))
	}
	g.p("\t\tdefault:")
	g.p("\t\t\treturn false")
	g.p("\t\t}")
	g.p("\t}")
	g.p("\til.b = append(il.b, '}')")
	g.p("\treturn true")
	g.p("}")
}

func (g *gen) use(ref *config.TypeReference) string {
	name := writerName(ref)
	g.writers[name] = ref
	return name
}

// writer writes the function that writes a value of ref.
func (g *gen) writer(name string, ref *config.TypeReference) {
	g.p("")
	g.p("func (il *inliner) %s(sel ast.SelectionSet, v %s) bool {", name, g.typ(ref.GO))
	switch {
	case ref.IsSlice():
		if !ref.GQL.NonNull {
			g.p("\tif v == nil { il.null(); return true }")
		}
		g.p("\til.b = append(il.b, '[')")
		g.p("\tfor i := range v {")
		g.p("\t\tif i > 0 { il.b = append(il.b, ',') }")
		g.p("\t\tif !il.%s(sel, v[i]) { return false }", g.use(ref.Elem()))
		g.p("\t}")
		g.p("\til.b = append(il.b, ']')")
		g.p("\treturn true")
	case ref.IsPtr():
		g.nilCheck(ref)
		if ref.Definition.Kind == ast.Object {
			g.p("\treturn il.inline%s(sel, v)", ref.Definition.Name)
		} else {
			g.p("\treturn il.%s(sel, *v)", g.use(ref.Elem()))
		}
	default:
		switch ref.Definition.Kind {
		case ast.Object:
			g.p("\treturn il.inline%s(sel, &v)", ref.Definition.Name)
		case ast.Interface, ast.Union:
			g.nilCheck(ref)
			g.p("\tswitch o := v.(type) {")
			intf := g.data.Interfaces[ref.Definition.Name]
			iface, _ := intf.Type.Underlying().(*types.Interface)
			seen := map[string]bool{}
			for _, impl := range intf.Implementors {
				t := impl.Type
				if p, ok := t.(*types.Pointer); ok {
					t = p.Elem()
				}
				if seen[g.typ(t)] {
					continue
				}
				seen[g.typ(t)] = true
				if iface != nil && types.Implements(t, iface) {
					g.p("\tcase %s:", g.typ(t))
					g.p("\t\treturn il.inline%s(sel, &o)", impl.Name)
				}
				g.p("\tcase *%s:", g.typ(t))
				g.p("\t\tif o == nil { %s }", nullResult(ref))
				g.p("\t\treturn il.inline%s(sel, o)", impl.Name)
			}
			g.p("\t}")
			g.p("\treturn false")
		case ast.Enum:
			g.p("\tif v.IsValid() { il.quoted(string(v)); return true }")
			g.p("\tv.MarshalGQL(il)")
			g.p("\treturn true")
		default:
			g.scalar(ref)
		}
	}
	g.p("}")
}

func nullResult(ref *config.TypeReference) string {
	if ref.GQL.NonNull {
		return "return false"
	}
	return "il.null(); return true"
}

func (g *gen) nilCheck(ref *config.TypeReference) {
	if ref.GQL.NonNull {
		g.p("\tif v == nil { return false }")
	} else {
		g.p("\tif v == nil { il.null(); return true }")
	}
}

// scalar writes the body of a scalar writer: the common scalars written
// directly, any other through its marshaller, as gqlgen's code calls it.
func (g *gen) scalar(ref *config.TypeReference) {
	if ref.IsMarshaler {
		g.p("\tv.MarshalGQL(il)")
		g.p("\treturn true")
		return
	}
	fn := ref.Marshaler.Pkg().Path() + "." + ref.Marshaler.Name()
	basic, _ := types.Unalias(ref.GO).(*types.Basic)
	switch {
	case (fn == gqlgenPkg+".MarshalString" || fn == gqlgenPkg+".MarshalID") && basic != nil && basic.Kind() == types.String:
		g.p("\til.str(v)")
	case fn == gqlgenPkg+".MarshalInt" && basic != nil && basic.Kind() == types.Int:
		g.p("\til.int(int64(v))")
	case fn == gqlgenPkg+".MarshalBoolean" && basic != nil && basic.Kind() == types.Bool:
		g.p("\til.bool(v)")
	case fn == graphPkg+"/model.MarshalDateTime":
		g.imports[graphPkg+"/model"] = "model"
		g.p("\til.b = model.AppendDateTime(il.b, v)")
	default:
		g.imports[ref.Marshaler.Pkg().Path()] = ref.Marshaler.Pkg().Name()
		g.p("\t%s.%s(v).MarshalGQL(il)", ref.Marshaler.Pkg().Name(), ref.Marshaler.Name())
	}
	g.p("\treturn true")
}

// fieldDispatch writes planField and inlineField: the entry points of the
// field middleware, by the object and name of the field gqlgen resolves.
func (g *gen) fieldDispatch() {
	type entry struct {
		object, field string
		ref           *config.TypeReference
		targets       []string
	}
	var entries []entry
	for _, o := range g.data.Objects {
		if o.IsReserved() || (g.data.SubscriptionRoot != nil && o == g.data.SubscriptionRoot) {
			continue
		}
		for _, f := range o.Fields {
			if f.Stream || f.TypeReference == nil || f.TypeReference.CastType != nil {
				continue
			}
			targets, ok := g.writable(f.TypeReference)
			if !ok || len(targets) == 0 {
				continue
			}
			entries = append(entries, entry{o.Name, f.Name, f.TypeReference, targets})
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].object != entries[j].object {
			return entries[i].object < entries[j].object
		}
		return entries[i].field < entries[j].field
	})
	byObject := func(emit func(e entry)) {
		g.p("\tswitch object {")
		for i, e := range entries {
			if i == 0 || entries[i-1].object != e.object {
				if i > 0 {
					g.p("\t\t}")
				}
				g.p("\tcase %q:", e.object)
				g.p("\t\tswitch field {")
			}
			g.p("\t\tcase %q:", e.field)
			emit(e)
		}
		if len(entries) > 0 {
			g.p("\t\t}")
		}
		g.p("\t}")
	}
	g.p("")
	g.p("// planField says whether the value of object.field can be written inline for sel.")
	g.p("func (il *inliner) planField(object, field string, sel ast.SelectionSet) bool {")
	byObject(func(e entry) {
		var checks []string
		for _, t := range e.targets {
			checks = append(checks, fmt.Sprintf("il.plan%s(sel)", t))
		}
		g.p("\t\t\treturn %s", strings.Join(checks, " && "))
	})
	g.p("\treturn false")
	g.p("}")
	g.p("")
	g.p("// inlineField writes res, the value of object.field, inline for sel.")
	g.p("func (il *inliner) inlineField(object, field string, sel ast.SelectionSet, res any) bool {")
	byObject(func(e entry) {
		g.p("\t\t\tv, ok := res.(%s)", g.typ(e.ref.GO))
		g.p("\t\t\treturn ok && il.%s(sel, v)", g.use(e.ref))
	})
	g.p("\treturn false")
	g.p("}")
}

func lcFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

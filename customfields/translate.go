// Package customfields turns what a GraphQL client writes into a conversation's
// custom fields (fields named by id or by name, dropdown values given as option
// labels, dates and numbers as text) into what FreeScout's
// PUT /api/conversations/{id}/custom_fields accepts. (The definitions it
// translates against are fetched and cached by the data session.)
//
// Translate is pure: it checks every input against the definitions and either
// returns all the writes or, when anything is wrong, only the problems, so that
// nothing is sent upstream for a partly valid request; Stale tells when a
// problem may come from definitions that changed in FreeScout after they were
// cached, so that fetching them again is worth it.
//
// Validation rules, per field type:
//   - a field is named by its numeric id or by its name; names match
//     case-insensitively, ignoring surrounding whitespace and runs of inner
//     whitespace; a name that several fields share must be disambiguated by id;
//   - a nil or empty value clears the field (FreeScout is sent "");
//   - dropdown: the option's label (matched like names) or its id, written
//     as the id, a JSON number when numeric;
//   - date: exactly YYYY-MM-DD and a real calendar date, written as given;
//   - number: JSON number syntax (optional leading minus, no leading zeros,
//     optional fraction and exponent), finite, written as an int when the
//     value is integral and fits, else as a float64;
//   - singleline: any text without a line break (FreeScout's single-line
//     input cannot hold one, so it would be mangled or rejected there);
//   - multiline: any text;
//   - a type this package does not know: the value is passed through as text
//     and FreeScout decides.
//
// Surrounding whitespace is ignored in dropdown, date and number values; a value
// that is only whitespace is rejected there rather than read as "clear".
// Text values are sent exactly as given. Length limits are FreeScout's business.
package customfields

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Input is one field a client wants to set: named by ID (FreeScout's numeric
// field id as a string) or by Name (case-insensitive, trimmed); exactly one of
// them should be given, and if both are given they must name the same field.
// An ID or Name that is empty or only whitespace counts as not given.
// A nil or empty Value clears the field.
type Input struct {
	ID    string
	Name  string
	Value *string
}

// Problem is one validation failure, shaped for a GraphQL UserError.
type Problem struct {
	// Index is the position of the input in the list given to Translate.
	Index int
	// Field is the path in the mutation input's terms, for example
	// ["fields", "2", "value"], ["fields", "0", "name"] or ["fields", "1"].
	Field []string
	// Message is a sentence for a person; it names the field, for example
	// `Priority: "Urgent" is not an option; valid labels: Low, Medium, High`.
	Message string
	// Code is errcode.UnknownField, UnknownOption, InvalidDate,
	// InvalidNumber, InvalidInput or DuplicateField.
	Code errcode.UserCode
}

// Translate validates every input against defs and returns the writes for
// FreeScout, in input order, or every problem found. One bad input rejects the
// whole call: when problems are returned the writes are nil. An empty input
// list gives an empty, non-nil list of writes.
func Translate(defs []upstream.CustomField, in []Input) ([]upstream.CustomFieldWrite, []Problem) {
	idx := newIndex(defs)
	writes := make([]upstream.CustomFieldWrite, 0, len(in))
	var problems []Problem
	seen := make(map[int]int, len(in)) // field id -> index of the input that first set it
	for i, input := range in {
		def, key, p := idx.resolve(i, input)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		if first, dup := seen[def.ID]; dup {
			problems = append(problems, Problem{
				Index:   i,
				Field:   path(i, key),
				Message: fmt.Sprintf("%s: set more than once (fields %d and %d); set each field once", def.Name, first, i),
				Code:    errcode.DuplicateField,
			})
			continue
		}
		seen[def.ID] = i
		value, p := convert(i, def, input.Value)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		writes = append(writes, upstream.CustomFieldWrite{ID: def.ID, Value: value})
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return writes, nil
}

// Stale reports whether any of problems could come from definitions that
// changed upstream since they were read (an unknown field id or name, or an
// unknown dropdown option), so that fetching the definitions again and
// translating once more might succeed.
func Stale(problems []Problem) bool {
	for _, p := range problems {
		if p.Code == errcode.UnknownField || p.Code == errcode.UnknownOption {
			return true
		}
	}
	return false
}

// Label returns what a person reads for a stored value: the option's label
// when def is a dropdown and value is one of its option ids, else value as is.
func Label(def upstream.CustomField, value string) string {
	if def.Type != upstream.FieldDropdown {
		return value
	}
	id := strings.TrimSpace(value)
	for _, o := range def.Options {
		if o.ID == id {
			return o.Label
		}
	}
	return value
}

// Find returns the definition with the given field id.
func Find(defs []upstream.CustomField, id int) (upstream.CustomField, bool) {
	for _, d := range defs {
		if d.ID == id {
			return d, true
		}
	}
	return upstream.CustomField{}, false
}

// index looks definitions up by id and by normalised name.
type index struct {
	defs   []upstream.CustomField
	byID   map[int]int
	byName map[string][]int // normalised name -> positions in defs
}

func newIndex(defs []upstream.CustomField) *index {
	idx := &index{defs: defs, byID: make(map[int]int, len(defs)), byName: make(map[string][]int, len(defs))}
	for i, d := range defs {
		if _, ok := idx.byID[d.ID]; !ok {
			idx.byID[d.ID] = i
		}
		n := normalize(d.Name)
		idx.byName[n] = append(idx.byName[n], i)
	}
	return idx
}

// resolve finds the definition input i names. key is the input key ("id" or
// "name") that named it, for the path of a later problem.
func (x *index) resolve(i int, in Input) (upstream.CustomField, string, *Problem) {
	rawID := strings.TrimSpace(in.ID)
	name := normalize(in.Name)
	if rawID == "" && name == "" {
		return upstream.CustomField{}, "", &Problem{
			Index:   i,
			Field:   path(i, ""),
			Message: "custom field not named: give its id or its name",
			Code:    errcode.InvalidInput,
		}
	}

	var byID *upstream.CustomField
	if rawID != "" {
		id, ok := parseID(rawID)
		if !ok {
			return upstream.CustomField{}, "", &Problem{
				Index:   i,
				Field:   path(i, "id"),
				Message: fmt.Sprintf("custom field id %q is not a positive whole number", in.ID),
				Code:    errcode.InvalidInput,
			}
		}
		pos, ok := x.byID[id]
		if !ok {
			return upstream.CustomField{}, "", &Problem{
				Index:   i,
				Field:   path(i, "id"),
				Message: fmt.Sprintf("no custom field with id %d in this mailbox; %s", id, x.available()),
				Code:    errcode.UnknownField,
			}
		}
		byID = &x.defs[pos]
	}
	if name == "" {
		return *byID, "id", nil
	}

	matches := x.byName[name]
	switch {
	case len(matches) == 0:
		return upstream.CustomField{}, "", &Problem{
			Index:   i,
			Field:   path(i, "name"),
			Message: fmt.Sprintf("no custom field named %q in this mailbox; %s", strings.TrimSpace(in.Name), x.available()),
			Code:    errcode.UnknownField,
		}
	case byID != nil:
		for _, pos := range matches {
			if x.defs[pos].ID == byID.ID {
				return *byID, "id", nil
			}
		}
		return upstream.CustomField{}, "", &Problem{
			Index:   i,
			Field:   path(i, ""),
			Message: fmt.Sprintf("custom field id %d is %q, not %q; give only one of id and name", byID.ID, byID.Name, strings.TrimSpace(in.Name)),
			Code:    errcode.InvalidInput,
		}
	case len(matches) > 1:
		ids := make([]string, len(matches))
		for k, pos := range matches {
			ids[k] = strconv.Itoa(x.defs[pos].ID)
		}
		return upstream.CustomField{}, "", &Problem{
			Index:   i,
			Field:   path(i, "name"),
			Message: fmt.Sprintf("%q names %d custom fields (ids %s); name the field by its id", strings.TrimSpace(in.Name), len(matches), strings.Join(ids, ", ")),
			Code:    errcode.InvalidInput,
		}
	}
	return x.defs[matches[0]], "name", nil
}

// available lists the mailbox's fields for an unknown-field message.
func (x *index) available() string {
	if len(x.defs) == 0 {
		return "this mailbox has no custom fields"
	}
	names := make([]string, len(x.defs))
	for k, d := range x.defs {
		names[k] = fmt.Sprintf("%s (%d)", d.Name, d.ID)
	}
	return "fields: " + strings.Join(names, ", ")
}

// convert checks value against def and returns what to send FreeScout.
func convert(i int, def upstream.CustomField, value *string) (any, *Problem) {
	if value == nil || *value == "" {
		return "", nil
	}
	v := *value
	bad := func(code errcode.UserCode, format string, args ...any) *Problem {
		return &Problem{
			Index:   i,
			Field:   path(i, "value"),
			Message: def.Name + ": " + fmt.Sprintf(format, args...),
			Code:    code,
		}
	}
	switch def.Type {
	case upstream.FieldSingleLine:
		if strings.ContainsAny(v, "\r\n") {
			return nil, bad(errcode.InvalidInput, "a single-line field cannot contain a line break")
		}
		return v, nil
	case upstream.FieldDropdown, upstream.FieldDate, upstream.FieldNumber:
		t := strings.TrimSpace(v)
		if t == "" {
			return nil, bad(errcode.InvalidInput, "the value is blank; send null or an empty string to clear the field")
		}
		switch def.Type {
		case upstream.FieldDropdown:
			return dropdownValue(def, t, bad)
		case upstream.FieldDate:
			if err := checkDate(t); err != nil {
				return nil, bad(errcode.InvalidDate, "%q %v; use YYYY-MM-DD, for example 2024-03-15", t, err)
			}
			return t, nil
		default:
			n, err := parseNumber(t)
			if err != nil {
				return nil, bad(errcode.InvalidNumber, "%q %v", t, err)
			}
			return n, nil
		}
	}
	// multiline, and any type this package does not know: text as given.
	return v, nil
}

// dropdownValue finds the option v names by label or by id.
func dropdownValue(def upstream.CustomField, v string, bad func(code errcode.UserCode, format string, args ...any) *Problem) (any, *Problem) {
	want := normalize(v)
	byLabel := -1
	for k, o := range def.Options {
		if normalize(o.Label) != want {
			continue
		}
		if byLabel >= 0 {
			return nil, bad(errcode.InvalidInput, "%q is the label of several options (ids %s and %s); give the option id", v, def.Options[byLabel].ID, o.ID)
		}
		byLabel = k
	}
	byID := -1
	for k, o := range def.Options {
		if o.ID == v {
			byID = k
			break
		}
	}
	pick := byLabel
	switch {
	case byLabel >= 0 && byID >= 0 && byLabel != byID:
		l, o := def.Options[byLabel], def.Options[byID]
		return nil, bad(errcode.InvalidInput, "%q is the label of option %s and also the id of option %q; send %s for the first or %q for the second",
			v, l.ID, o.Label, l.ID, o.Label)
	case byLabel < 0 && byID < 0:
		labels := make([]string, len(def.Options))
		for k, o := range def.Options {
			labels[k] = o.Label
		}
		valid := strings.Join(labels, ", ")
		if valid == "" {
			valid = "(none)"
		}
		return nil, bad(errcode.UnknownOption, "%q is not an option; valid labels: %s", v, valid)
	case byLabel < 0:
		pick = byID
	}
	id := def.Options[pick].ID
	if n, err := strconv.Atoi(id); err == nil {
		return n, nil
	}
	return id, nil
}

// checkDate accepts exactly YYYY-MM-DD naming a real calendar date.
func checkDate(s string) error {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return errors.New("is not a date")
	}
	for k := range len(s) {
		if k != 4 && k != 7 && (s[k] < '0' || s[k] > '9') {
			return errors.New("is not a date")
		}
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errors.New("is not a calendar date")
	}
	return nil
}

// maxExactInt is the largest magnitude up to which every integer has an exact
// float64 representation.
const maxExactInt = 1 << 53

// parseNumber reads a JSON number. An integer literal becomes an int; a
// fraction or exponent becomes an int when the value is integral and exact,
// else a float64.
func parseNumber(s string) (any, error) {
	integer, ok := scanNumber(s)
	if !ok {
		return nil, errors.New("is not a number; write digits with an optional leading minus and decimal point, for example -12.5")
	}
	if integer {
		n, err := strconv.ParseInt(s, 10, 0)
		if err != nil {
			return nil, errors.New("is out of range")
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errors.New("is out of range")
	}
	if f == math.Trunc(f) && math.Abs(f) <= maxExactInt {
		return int(f), nil
	}
	return f, nil
}

// scanNumber checks s against JSON's number grammar
// (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) and reports whether it is
// a plain integer literal.
func scanNumber(s string) (integer, ok bool) {
	k := 0
	digits := func() int {
		start := k
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		return k - start
	}
	if k < len(s) && s[k] == '-' {
		k++
	}
	switch {
	case k < len(s) && s[k] == '0':
		k++
	case digits() == 0:
		return false, false
	}
	integer = true
	if k < len(s) && s[k] == '.' {
		k++
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	if k < len(s) && (s[k] == 'e' || s[k] == 'E') {
		k++
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	return integer, k == len(s)
}

// parseID reads a field id: decimal digits only, greater than zero.
func parseID(s string) (int, bool) {
	for k := range len(s) {
		if s[k] < '0' || s[k] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// normalize folds a name or label for comparison: trimmed, inner runs of
// whitespace collapsed to one space, lower case.
func normalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// path builds a Problem.Field for input i; key "" points at the input itself.
func path(i int, key string) []string {
	p := []string{"fields", strconv.Itoa(i)}
	if key != "" {
		p = append(p, key)
	}
	return p
}

package customfields

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// sampleJSON is the API reference's example answer to
// GET /api/mailboxes/1/custom_fields, plus a dropdown whose option ids are not
// numbers, one with no options, and two fields sharing a name, decoded the
// way the upstream client decodes it.
const sampleJSON = `[
  {"id": 18, "name": "Priority", "type": "dropdown", "options": {"1": "Low", "2": "Medium", "3": "High"}, "required": false, "sortOrder": 1},
  {"id": 19, "name": "Purchase Date", "type": "date", "options": null, "required": false, "sortOrder": 3},
  {"id": 37, "name": "Vendor", "type": "singleline", "options": "", "required": false, "sortOrder": 6},
  {"id": 38, "name": "Comments", "type": "multiline", "options": "", "required": false, "sortOrder": 7},
  {"id": 39, "name": "Amount", "type": "number", "options": "", "required": false, "sortOrder": 8},
  {"id": 40, "name": "Region", "type": "dropdown", "options": [{"id": "eu", "label": "Europe"}, {"id": "us", "label": "United States"}], "required": false, "sortOrder": 9},
  {"id": 41, "name": "Empty", "type": "dropdown", "options": {}, "required": false, "sortOrder": 10},
  {"id": 42, "name": "Team", "type": "singleline", "options": "", "required": false, "sortOrder": 11},
  {"id": 43, "name": "team", "type": "singleline", "options": "", "required": false, "sortOrder": 12},
  {"id": 44, "name": "Mood", "type": "rating", "options": "", "required": false, "sortOrder": 13}
]`

// trickyJSON holds dropdowns whose labels collide with option ids or with
// each other.
const trickyJSON = `[
  {"id": 50, "name": "Size", "type": "dropdown", "options": {"1": "2", "2": "Large", "3": "Small"}, "sortOrder": 1},
  {"id": 51, "name": "Tier", "type": "dropdown", "options": {"1": "Gold", "2": "gold ", "3": "7"}, "sortOrder": 2}
]`

func decodeDefs(t *testing.T, s string) []upstream.CustomField {
	t.Helper()
	var defs []upstream.CustomField
	if err := json.Unmarshal([]byte(s), &defs); err != nil {
		t.Fatalf("decode definitions: %v", err)
	}
	return defs
}

func ptr(s string) *string { return &s }

func w(id int, v any) upstream.CustomFieldWrite { return upstream.CustomFieldWrite{ID: id, Value: v} }

func TestTranslateAccepts(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	tests := []struct {
		name string
		in   []Input
		want []upstream.CustomFieldWrite
	}{
		{"no inputs", nil, []upstream.CustomFieldWrite{}},

		// Naming a field.
		{"by id", []Input{{ID: "37", Value: ptr("Acme")}}, []upstream.CustomFieldWrite{w(37, "Acme")}},
		{"by id with whitespace", []Input{{ID: " 37 ", Value: ptr("Acme")}}, []upstream.CustomFieldWrite{w(37, "Acme")}},
		{"by name", []Input{{Name: "Vendor", Value: ptr("Acme")}}, []upstream.CustomFieldWrite{w(37, "Acme")}},
		{"by name any case", []Input{{Name: "vENDOR", Value: ptr("Acme")}}, []upstream.CustomFieldWrite{w(37, "Acme")}},
		{"by name with whitespace", []Input{{Name: "  purchase   DATE\t", Value: ptr("2024-03-15")}}, []upstream.CustomFieldWrite{w(19, "2024-03-15")}},
		{"by id and matching name", []Input{{ID: "18", Name: "priority", Value: ptr("Low")}}, []upstream.CustomFieldWrite{w(18, 1)}},
		{"shared name disambiguated by id", []Input{{ID: "43", Name: "TEAM", Value: ptr("Blue")}}, []upstream.CustomFieldWrite{w(43, "Blue")}},
		{"blank name with id", []Input{{ID: "37", Name: "  ", Value: ptr("Acme")}}, []upstream.CustomFieldWrite{w(37, "Acme")}},

		// Dropdown.
		{"dropdown label", []Input{{Name: "Priority", Value: ptr("Medium")}}, []upstream.CustomFieldWrite{w(18, 2)}},
		{"dropdown label any case", []Input{{Name: "Priority", Value: ptr("hIGH")}}, []upstream.CustomFieldWrite{w(18, 3)}},
		{"dropdown label with whitespace", []Input{{ID: "18", Value: ptr("  low ")}}, []upstream.CustomFieldWrite{w(18, 1)}},
		{"dropdown option id", []Input{{ID: "18", Value: ptr("2")}}, []upstream.CustomFieldWrite{w(18, 2)}},
		{"dropdown option id with whitespace", []Input{{ID: "18", Value: ptr(" 3 ")}}, []upstream.CustomFieldWrite{w(18, 3)}},
		{"dropdown multi-word label", []Input{{Name: "region", Value: ptr("united  states")}}, []upstream.CustomFieldWrite{w(40, "us")}},
		{"dropdown non-numeric option id", []Input{{Name: "Region", Value: ptr("eu")}}, []upstream.CustomFieldWrite{w(40, "eu")}},

		// Date.
		{"date", []Input{{ID: "19", Value: ptr("2024-03-15")}}, []upstream.CustomFieldWrite{w(19, "2024-03-15")}},
		{"date leap day", []Input{{ID: "19", Value: ptr("2024-02-29")}}, []upstream.CustomFieldWrite{w(19, "2024-02-29")}},
		{"date trimmed", []Input{{ID: "19", Value: ptr(" 2023-12-31 ")}}, []upstream.CustomFieldWrite{w(19, "2023-12-31")}},

		// Number.
		{"number int", []Input{{Name: "Amount", Value: ptr("42")}}, []upstream.CustomFieldWrite{w(39, 42)}},
		{"number zero", []Input{{Name: "Amount", Value: ptr("0")}}, []upstream.CustomFieldWrite{w(39, 0)}},
		{"number negative", []Input{{Name: "Amount", Value: ptr("-7")}}, []upstream.CustomFieldWrite{w(39, -7)}},
		{"number decimal", []Input{{Name: "Amount", Value: ptr("12.5")}}, []upstream.CustomFieldWrite{w(39, 12.5)}},
		{"number negative decimal", []Input{{Name: "Amount", Value: ptr("-0.25")}}, []upstream.CustomFieldWrite{w(39, -0.25)}},
		{"number integral decimal", []Input{{Name: "Amount", Value: ptr("12.0")}}, []upstream.CustomFieldWrite{w(39, 12)}},
		{"number exponent", []Input{{Name: "Amount", Value: ptr("1.5e3")}}, []upstream.CustomFieldWrite{w(39, 1500)}},
		{"number small exponent", []Input{{Name: "Amount", Value: ptr("25E-1")}}, []upstream.CustomFieldWrite{w(39, 2.5)}},
		{"number large exponent", []Input{{Name: "Amount", Value: ptr("1e300")}}, []upstream.CustomFieldWrite{w(39, 1e300)}},
		{"number trimmed", []Input{{Name: "Amount", Value: ptr(" 9 ")}}, []upstream.CustomFieldWrite{w(39, 9)}},

		// Text.
		{"singleline kept as given", []Input{{Name: "Vendor", Value: ptr("  Acme, Inc.  ")}}, []upstream.CustomFieldWrite{w(37, "  Acme, Inc.  ")}},
		{"multiline with line breaks", []Input{{Name: "Comments", Value: ptr("line 1\nline 2\r\n")}}, []upstream.CustomFieldWrite{w(38, "line 1\nline 2\r\n")}},
		{"unknown type passed through", []Input{{Name: "Mood", Value: ptr(" 5 stars\n")}}, []upstream.CustomFieldWrite{w(44, " 5 stars\n")}},

		// Clearing.
		{"clear with nil", []Input{{Name: "Priority"}}, []upstream.CustomFieldWrite{w(18, "")}},
		{"clear with empty", []Input{{Name: "Amount", Value: ptr("")}}, []upstream.CustomFieldWrite{w(39, "")}},
		{"clear date", []Input{{ID: "19", Value: ptr("")}}, []upstream.CustomFieldWrite{w(19, "")}},
		{"clear text", []Input{{ID: "37"}}, []upstream.CustomFieldWrite{w(37, "")}},

		// Several at once, in input order.
		{"several in input order", []Input{
			{Name: "amount", Value: ptr("3")},
			{ID: "18", Value: ptr("High")},
			{Name: "Vendor", Value: ptr("Acme")},
			{Name: "purchase date", Value: ptr("2021-01-07")},
			{Name: "comments"},
		}, []upstream.CustomFieldWrite{w(39, 3), w(18, 3), w(37, "Acme"), w(19, "2021-01-07"), w(38, "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := Translate(defs, tt.in)
			if problems != nil {
				t.Fatalf("problems = %+v, want none", problems)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("writes = %#v\nwant     %#v", got, tt.want)
			}
		})
	}
}

func TestTranslateRejects(t *testing.T) {
	defs := append(decodeDefs(t, sampleJSON), decodeDefs(t, trickyJSON)...)
	fields := "fields: Priority (18), Purchase Date (19), Vendor (37), Comments (38), Amount (39), Region (40), Empty (41), Team (42), team (43), Mood (44), Size (50), Tier (51)"
	tests := []struct {
		name  string
		in    Input
		field []string
		code  errcode.UserCode
		msg   string
	}{
		// Naming a field.
		{"neither id nor name", Input{Value: ptr("x")}, []string{"fields", "0"}, errcode.InvalidInput,
			"custom field not named: give its id or its name"},
		{"blank id and name", Input{ID: " ", Name: "\t", Value: ptr("x")}, []string{"fields", "0"}, errcode.InvalidInput,
			"custom field not named: give its id or its name"},
		{"unknown id", Input{ID: "99", Value: ptr("x")}, []string{"fields", "0", "id"}, errcode.UnknownField,
			"no custom field with id 99 in this mailbox; " + fields},
		{"unknown name", Input{Name: " Prio ", Value: ptr("x")}, []string{"fields", "0", "name"}, errcode.UnknownField,
			`no custom field named "Prio" in this mailbox; ` + fields},
		{"non-numeric id", Input{ID: "Priority", Value: ptr("x")}, []string{"fields", "0", "id"}, errcode.InvalidInput,
			`custom field id "Priority" is not a positive whole number`},
		{"negative id", Input{ID: "-18", Value: ptr("x")}, []string{"fields", "0", "id"}, errcode.InvalidInput,
			`custom field id "-18" is not a positive whole number`},
		{"zero id", Input{ID: "0", Value: ptr("x")}, []string{"fields", "0", "id"}, errcode.InvalidInput,
			`custom field id "0" is not a positive whole number`},
		{"id and name disagree", Input{ID: "18", Name: "Vendor", Value: ptr("x")}, []string{"fields", "0"}, errcode.InvalidInput,
			`custom field id 18 is "Priority", not "Vendor"; give only one of id and name`},
		{"id known name unknown", Input{ID: "18", Name: "Prio", Value: ptr("x")}, []string{"fields", "0", "name"}, errcode.UnknownField,
			`no custom field named "Prio" in this mailbox; ` + fields},
		{"shared name", Input{Name: "TEAM", Value: ptr("x")}, []string{"fields", "0", "name"}, errcode.InvalidInput,
			`"TEAM" names 2 custom fields (ids 42, 43); name the field by its id`},

		// Dropdown.
		{"unknown label", Input{Name: "Priority", Value: ptr("Urgent")}, []string{"fields", "0", "value"}, errcode.UnknownOption,
			`Priority: "Urgent" is not an option; valid labels: Low, Medium, High`},
		{"unknown option id", Input{ID: "18", Value: ptr("4")}, []string{"fields", "0", "value"}, errcode.UnknownOption,
			`Priority: "4" is not an option; valid labels: Low, Medium, High`},
		{"label of another field", Input{Name: "Region", Value: ptr("High")}, []string{"fields", "0", "value"}, errcode.UnknownOption,
			`Region: "High" is not an option; valid labels: Europe, United States`},
		{"dropdown without options", Input{Name: "Empty", Value: ptr("Anything")}, []string{"fields", "0", "value"}, errcode.UnknownOption,
			`Empty: "Anything" is not an option; valid labels: (none)`},
		{"blank dropdown value", Input{Name: "Priority", Value: ptr("  ")}, []string{"fields", "0", "value"}, errcode.InvalidInput,
			"Priority: the value is blank; send null or an empty string to clear the field"},
		{"label that is another option's id", Input{Name: "Size", Value: ptr("2")}, []string{"fields", "0", "value"}, errcode.InvalidInput,
			`Size: "2" is the label of option 1 and also the id of option "Large"; send 1 for the first or "Large" for the second`},
		{"label shared by options", Input{Name: "Tier", Value: ptr("GOLD")}, []string{"fields", "0", "value"}, errcode.InvalidInput,
			`Tier: "GOLD" is the label of several options (ids 1 and 2); give the option id`},

		// Date.
		{"date not a calendar day", Input{Name: "Purchase Date", Value: ptr("2024-02-30")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "2024-02-30" is not a calendar date; use YYYY-MM-DD, for example 2024-03-15`},
		{"date not a leap year", Input{Name: "Purchase Date", Value: ptr("2023-02-29")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "2023-02-29" is not a calendar date; use YYYY-MM-DD, for example 2024-03-15`},
		{"date month 13", Input{ID: "19", Value: ptr("2024-13-01")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "2024-13-01" is not a calendar date; use YYYY-MM-DD, for example 2024-03-15`},
		{"date with time", Input{ID: "19", Value: ptr("2024-03-15T10:00:00Z")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "2024-03-15T10:00:00Z" is not a date; use YYYY-MM-DD, for example 2024-03-15`},
		{"date without padding", Input{ID: "19", Value: ptr("2024-3-5")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "2024-3-5" is not a date; use YYYY-MM-DD, for example 2024-03-15`},
		{"date other order", Input{ID: "19", Value: ptr("15/03/2024")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "15/03/2024" is not a date; use YYYY-MM-DD, for example 2024-03-15`},
		{"date with signs", Input{ID: "19", Value: ptr("+024-03-15")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "+024-03-15" is not a date; use YYYY-MM-DD, for example 2024-03-15`},
		{"date words", Input{ID: "19", Value: ptr("tomorrow")}, []string{"fields", "0", "value"}, errcode.InvalidDate,
			`Purchase Date: "tomorrow" is not a date; use YYYY-MM-DD, for example 2024-03-15`},
		{"blank date", Input{ID: "19", Value: ptr(" ")}, []string{"fields", "0", "value"}, errcode.InvalidInput,
			"Purchase Date: the value is blank; send null or an empty string to clear the field"},

		// Number.
		{"number with letters", Input{Name: "Amount", Value: ptr("12abc")}, []string{"fields", "0", "value"}, errcode.InvalidNumber,
			`Amount: "12abc" is not a number; write digits with an optional leading minus and decimal point, for example -12.5`},
		{"number overflow", Input{Name: "Amount", Value: ptr("1e999")}, []string{"fields", "0", "value"}, errcode.InvalidNumber,
			`Amount: "1e999" is out of range`},
		{"number integer overflow", Input{Name: "Amount", Value: ptr("99999999999999999999")}, []string{"fields", "0", "value"}, errcode.InvalidNumber,
			`Amount: "99999999999999999999" is out of range`},
		{"blank number", Input{Name: "Amount", Value: ptr("  ")}, []string{"fields", "0", "value"}, errcode.InvalidInput,
			"Amount: the value is blank; send null or an empty string to clear the field"},
		{"singleline with newline", Input{Name: "Vendor", Value: ptr("Acme\nInc")}, []string{"fields", "0", "value"}, errcode.InvalidInput,
			"Vendor: a single-line field cannot contain a line break"},
		{"singleline with carriage return", Input{Name: "Vendor", Value: ptr("Acme\rInc")}, []string{"fields", "0", "value"}, errcode.InvalidInput,
			"Vendor: a single-line field cannot contain a line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := Translate(defs, []Input{tt.in})
			if got != nil {
				t.Errorf("writes = %#v, want nil", got)
			}
			want := []Problem{{Index: 0, Field: tt.field, Message: tt.msg, Code: tt.code}}
			if !reflect.DeepEqual(problems, want) {
				t.Errorf("problems = %#v\nwant       %#v", problems, want)
			}
		})
	}
}

func TestTranslateNumberSyntax(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	bad := []string{"12abc", "abc", "-", "+5", "05", "-05", ".5", "5.", "1.2.3", "1e", "1e+", "e5", "0x10", "1_000", "1,5",
		"NaN", "nan", "Inf", "-Inf", "Infinity", "1e999", "-1e999", "- 5", "5 5", "١٢"}
	for _, v := range bad {
		t.Run(v, func(t *testing.T) {
			_, problems := Translate(defs, []Input{{ID: "39", Value: ptr(v)}})
			if len(problems) != 1 || problems[0].Code != errcode.InvalidNumber {
				t.Errorf("Translate(%q) problems = %+v, want one %s", v, problems, errcode.InvalidNumber)
			}
		})
	}
	good := map[string]any{"0": 0, "-0": 0, "7": 7, "-0.5": -0.5, "0.1": 0.1, "1E2": 100, "1e+2": 100, "1e-2": 0.01,
		"9007199254740993": 9007199254740993, "9223372036854775807": 9223372036854775807, "1e20": 1e20, "0.30000000000000004": 0.30000000000000004}
	for v, want := range good {
		t.Run(v, func(t *testing.T) {
			got, problems := Translate(defs, []Input{{ID: "39", Value: ptr(v)}})
			if problems != nil {
				t.Fatalf("Translate(%q) problems = %+v", v, problems)
			}
			if !reflect.DeepEqual(got[0].Value, want) {
				t.Errorf("Translate(%q) value = %#v (%T), want %#v (%T)", v, got[0].Value, got[0].Value, want, want)
			}
		})
	}
}

func TestTranslateOneBadFieldRejectsAll(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	in := []Input{
		{Name: "Vendor", Value: ptr("Acme")},
		{Name: "Priority", Value: ptr("Urgent")},
		{Name: "Amount", Value: ptr("12")},
		{ID: "19", Value: ptr("2024-02-30")},
	}
	writes, problems := Translate(defs, in)
	if writes != nil {
		t.Errorf("writes = %#v, want nil", writes)
	}
	if len(problems) != 2 {
		t.Fatalf("problems = %+v, want 2", problems)
	}
	if p := problems[0]; p.Index != 1 || p.Code != errcode.UnknownOption || !reflect.DeepEqual(p.Field, []string{"fields", "1", "value"}) {
		t.Errorf("problems[0] = %+v", p)
	}
	if p := problems[1]; p.Index != 3 || p.Code != errcode.InvalidDate || !reflect.DeepEqual(p.Field, []string{"fields", "3", "value"}) {
		t.Errorf("problems[1] = %+v", p)
	}
}

func TestTranslateDuplicates(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	tests := []struct {
		name string
		in   []Input
		want []Problem
	}{
		{"same id twice", []Input{{ID: "18", Value: ptr("Low")}, {ID: "18", Value: ptr("High")}}, []Problem{
			{Index: 1, Field: []string{"fields", "1", "id"}, Code: errcode.DuplicateField, Message: "Priority: set more than once (fields 0 and 1); set each field once"},
		}},
		{"id then name", []Input{{ID: "37", Value: ptr("a")}, {Name: "Amount", Value: ptr("1")}, {Name: " vendor ", Value: ptr("b")}}, []Problem{
			{Index: 2, Field: []string{"fields", "2", "name"}, Code: errcode.DuplicateField, Message: "Vendor: set more than once (fields 0 and 2); set each field once"},
		}},
		{"three times, clearing too", []Input{{Name: "Amount"}, {Name: "amount", Value: ptr("1")}, {ID: "39", Value: ptr("x")}}, []Problem{
			{Index: 1, Field: []string{"fields", "1", "name"}, Code: errcode.DuplicateField, Message: "Amount: set more than once (fields 0 and 1); set each field once"},
			{Index: 2, Field: []string{"fields", "2", "id"}, Code: errcode.DuplicateField, Message: "Amount: set more than once (fields 0 and 2); set each field once"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writes, problems := Translate(defs, tt.in)
			if writes != nil {
				t.Errorf("writes = %#v, want nil", writes)
			}
			if !reflect.DeepEqual(problems, tt.want) {
				t.Errorf("problems = %#v\nwant       %#v", problems, tt.want)
			}
		})
	}
}

func TestTranslateNoDefinitions(t *testing.T) {
	_, problems := Translate(nil, []Input{{Name: "Priority", Value: ptr("Low")}})
	want := []Problem{{Index: 0, Field: []string{"fields", "0", "name"}, Code: errcode.UnknownField,
		Message: `no custom field named "Priority" in this mailbox; this mailbox has no custom fields`}}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems = %#v\nwant       %#v", problems, want)
	}
}

// TestTranslateWireFormat checks the JSON FreeScout receives: dropdowns and
// numbers as JSON numbers, dates and text as strings, clearing as "".
func TestTranslateWireFormat(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	writes, problems := Translate(defs, []Input{
		{Name: "Priority", Value: ptr("medium")},
		{Name: "Purchase Date", Value: ptr("2024-03-15")},
		{Name: "Amount", Value: ptr("12.50")},
		{Name: "Vendor", Value: ptr("Acme")},
		{Name: "Region", Value: ptr("Europe")},
		{Name: "Comments"},
	})
	if problems != nil {
		t.Fatalf("problems = %+v", problems)
	}
	b, err := json.Marshal(writes)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":18,"value":2},{"id":19,"value":"2024-03-15"},{"id":39,"value":12.5},{"id":37,"value":"Acme"},{"id":40,"value":"eu"},{"id":38,"value":""}]`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
}

func TestStale(t *testing.T) {
	tests := []struct {
		codes []errcode.UserCode
		want  bool
	}{
		{nil, false},
		{[]errcode.UserCode{errcode.UnknownField}, true},
		{[]errcode.UserCode{errcode.UnknownOption}, true},
		{[]errcode.UserCode{errcode.InvalidDate}, false},
		{[]errcode.UserCode{errcode.InvalidNumber}, false},
		{[]errcode.UserCode{errcode.InvalidInput}, false},
		{[]errcode.UserCode{errcode.DuplicateField}, false},
		{[]errcode.UserCode{errcode.InvalidDate, errcode.DuplicateField, errcode.UnknownOption}, true},
		{[]errcode.UserCode{errcode.InvalidInput, errcode.InvalidNumber}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.codes), func(t *testing.T) {
			problems := make([]Problem, len(tt.codes))
			for i, c := range tt.codes {
				problems[i] = Problem{Index: i, Code: c}
			}
			if got := Stale(problems); got != tt.want {
				t.Errorf("Stale(%v) = %v, want %v", tt.codes, got, tt.want)
			}
		})
	}
}

// TestStaleFromTranslate ties Stale to what Translate actually reports.
func TestStaleFromTranslate(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	tests := []struct {
		name string
		in   Input
		want bool
	}{
		{"unknown name", Input{Name: "New Field", Value: ptr("x")}, true},
		{"unknown id", Input{ID: "100", Value: ptr("x")}, true},
		{"unknown label", Input{Name: "Priority", Value: ptr("Urgent")}, true},
		{"bad date", Input{Name: "Purchase Date", Value: ptr("2024-02-30")}, false},
		{"bad number", Input{Name: "Amount", Value: ptr("12abc")}, false},
		{"not named", Input{Value: ptr("x")}, false},
		{"non-numeric id", Input{ID: "x", Value: ptr("x")}, false},
		{"blank dropdown", Input{Name: "Priority", Value: ptr(" ")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := Translate(defs, []Input{tt.in})
			if len(problems) == 0 {
				t.Fatal("no problems")
			}
			if got := Stale(problems); got != tt.want {
				t.Errorf("Stale(%+v) = %v, want %v", problems, got, tt.want)
			}
		})
	}
}

func TestLabel(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	priority, _ := Find(defs, 18)
	region, _ := Find(defs, 40)
	amount, _ := Find(defs, 39)
	tests := []struct {
		name  string
		def   upstream.CustomField
		value string
		want  string
	}{
		{"dropdown option id", priority, "2", "Medium"},
		{"dropdown option id with whitespace", priority, " 3 ", "High"},
		{"dropdown non-numeric option id", region, "us", "United States"},
		{"dropdown unknown id", priority, "9", "9"},
		{"dropdown empty", priority, "", ""},
		{"number", amount, "2", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Label(tt.def, tt.value); got != tt.want {
				t.Errorf("Label(%s, %q) = %q, want %q", tt.def.Name, tt.value, got, tt.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	defs := decodeDefs(t, sampleJSON)
	got, ok := Find(defs, 39)
	if !ok || got.Name != "Amount" || got.Type != upstream.FieldNumber {
		t.Errorf("Find(39) = %+v, %v", got, ok)
	}
	if got, ok := Find(defs, 1); ok {
		t.Errorf("Find(1) = %+v, true; want not found", got)
	}
	if _, ok := Find(nil, 39); ok {
		t.Error("Find(nil, 39) found something")
	}
}

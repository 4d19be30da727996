package emulator_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The shape tests compare the emulator's answers with the reference's example payloads in
// testdata/ (transcribed from freescout-api.md): same keys, same nesting, same value types,
// recursively.
//
// Rules:
//   - Every key of a reference object must be present; a key the emulator adds is an error
//     unless listed in shapeRules.extras with its reason.
//   - An array element of the emulator must match one of the reference's elements for that
//     array (the reference's own arrays mix shapes: custom-field options as object, null or "",
//     a timelog with and without conversationId, an error with and without rejectedValue).
//     An empty reference array says nothing about its elements.
//   - A scalar must have the reference's JSON type. The emulator may answer null instead
//     only for the keys in shapeRules.nullable: FreeScout's nullable columns, which the reference's
//     samples happened to fill.
//   - A null in the reference matches null, or a value where shapeRules.nullStandIns says the
//     sample was null only because it had no value.
//   - Coverage: across all the answers compared with one reference, every scalar of the
//     reference must have been matched by a non-null value at least once, so that the sample
//     data exercises every key (attachments, cc, closedByUser, ...). Keys the reference shows
//     on only some elements of an array (a timelog's conversationId, an error's
//     rejectedValue) are optional in the reference itself and need no coverage.

// shapeRules hold the documented exceptions to the rules above; every entry names its reason.
type shapeRules struct {
	extras       map[string]string // keys the emulator adds beyond a reference example, by path
	nullable     map[string]string // keys, by name, whose value the emulator may answer as null
	nullStandIns map[string]string // reference nulls that stand for values the sample lacked, by path
	dictionaries map[string]string // objects whose keys are data, not schema, by path
}

func referenceRules() shapeRules {
	return shapeRules{extras: map[string]string{
		"assignee.photoUrl":                             "one rule for all user references: they carry photoUrl (the reference's closedByUser and assignedTo do)",
		"_embedded.conversations[].assignee.photoUrl":   "as above",
		"createdBy.firstName":                           "a conversation created by a user names the user with a full user reference",
		"createdBy.lastName":                            "as above",
		"createdBy.photoUrl":                            "as above",
		"_embedded.conversations[].createdBy.firstName": "as above",
		"_embedded.conversations[].createdBy.lastName":  "as above",
		"_embedded.conversations[].createdBy.photoUrl":  "as above",
	}, nullable: map[string]string{
		"assignee":        "unassigned conversation",
		"closedBy":        "open conversation",
		"closedByUser":    "open conversation",
		"closedAt":        "open conversation",
		"userUpdatedAt":   "no user has touched the conversation",
		"assignedTo":      "thread written before the conversation was assigned",
		"openedAt":        "the customer has not opened the reply",
		"company":         "customer without a company",
		"jobTitle":        "customer or user without a job title",
		"notes":           "customer without notes",
		"alternateEmails": "user without alternate emails",
		"phone":           "user without a phone",
		"city":            "customer without an address (the reference's customer list shows these nulls)",
		"state":           "as above, or an address without a state",
		"zip":             "as above",
		"country":         "as above",
		"address":         "as above (the street line)",
	}, nullStandIns: map[string]string{
		"_embedded.customers[]._embedded.address.city":    "the reference's customer has no address",
		"_embedded.customers[]._embedded.address.state":   "as above",
		"_embedded.customers[]._embedded.address.zip":     "as above",
		"_embedded.customers[]._embedded.address.country": "as above",
		"_embedded.customers[]._embedded.address.address": "as above",
	}, dictionaries: map[string]string{
		// compared value by value with any of the reference's values
		"_embedded.custom_fields[].options": "a dropdown's options, keyed by option id",
	}}
}

// shape compares answers with one reference payload.
type shape struct {
	ref     any
	covered map[string]bool
	scalars map[string]bool // scalar paths of the reference
}

func loadShape(t *testing.T, name string) *shape {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ref any
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s := &shape{ref: ref, covered: map[string]bool{}, scalars: map[string]bool{}}
	s.collect(ref, "")
	return s
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (s *shape) collect(ref any, path string) {
	switch r := ref.(type) {
	case map[string]any:
		for k, v := range r {
			s.collect(v, join(path, k))
		}
	case []any:
		for _, v := range r {
			s.collect(v, path+"[]")
		}
		// keys missing from some elements are optional
		for _, v := range r {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for _, other := range r {
				om, _ := other.(map[string]any)
				for k := range om {
					if _, ok := m[k]; !ok {
						s.optional(join(path+"[]", k))
					}
				}
			}
		}
	case nil:
	default:
		s.scalars[path] = true
	}
}

// check compares one answer and reports mismatches.
// optional drops the scalars at or under path from the coverage requirement.
func (s *shape) optional(path string) {
	for p := range s.scalars {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[]") {
			delete(s.scalars, p)
		}
	}
}

func (s *shape) check(t *testing.T, what string, got any) {
	t.Helper()
	covered := map[string]bool{}
	for _, p := range referenceRules().compare(s.ref, got, "", covered) {
		t.Errorf("%s: %s", what, p)
	}
	maps.Copy(s.covered, covered)
}

// done reports reference scalars no answer matched with a non-null value.
func (s *shape) done(t *testing.T) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(s.scalars)) {
		if !s.covered[p] {
			t.Errorf("reference key %s never had a value in the emulator's answers", p)
		}
	}
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func lastKey(path string) string {
	path = strings.TrimSuffix(path, "[]")
	return path[strings.LastIndex(path, ".")+1:]
}

// compare matches got against ref at path, recording covered scalar paths.
func (rules shapeRules) compare(ref, got any, path string, covered map[string]bool) []string {
	if got == nil && ref != nil {
		if _, ok := rules.nullable[lastKey(path)]; ok {
			return nil
		}
	}
	switch r := ref.(type) {
	case nil:
		if got != nil {
			if _, ok := rules.nullStandIns[path]; !ok {
				return []string{fmt.Sprintf("%s: reference null, got %s", path, kind(got))}
			}
		}
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %s", path, kind(got))}
		}
		if _, ok := rules.dictionaries[path]; ok {
			return rules.compareDictionary(r, g, path, covered)
		}
		var problems []string
		for _, k := range slices.Sorted(maps.Keys(r)) {
			gv, ok := g[k]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: missing", join(path, k)))
				continue
			}
			problems = append(problems, rules.compare(r[k], gv, join(path, k), covered)...)
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := r[k]; !ok {
				if _, allowed := rules.extras[join(path, k)]; !allowed {
					problems = append(problems, fmt.Sprintf("%s: not in the reference", join(path, k)))
				}
			}
		}
		return problems
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want array, got %s", path, kind(got))}
		}
		if len(r) == 0 {
			return nil
		}
		var problems []string
		for i, gv := range g {
			var first []string
			matched := false
			for j, rv := range r {
				try := map[string]bool{}
				p := rules.compare(rv, gv, path+"[]", try)
				if len(p) == 0 {
					maps.Copy(covered, try)
					matched = true
					break
				}
				if j == 0 {
					first = p
				}
			}
			if !matched {
				problems = append(problems, fmt.Sprintf("%s[%d] matches no reference element; against the first: %v", path, i, first))
			}
		}
		return problems
	default:
		if kind(ref) != kind(got) {
			return []string{fmt.Sprintf("%s: want %s, got %s", path, kind(ref), kind(got))}
		}
		covered[path] = true
		return nil
	}
}

// compareDictionary matches every value of got with one of ref's values. Coverage is recorded
// under the reference's keys, since those are what collect found.
func (rules shapeRules) compareDictionary(ref, got map[string]any, path string, covered map[string]bool) []string {
	if len(got) == 0 && len(ref) > 0 {
		return []string{fmt.Sprintf("%s: empty", path)}
	}
	var problems []string
	for _, gk := range slices.Sorted(maps.Keys(got)) {
		matched := false
		for _, rk := range slices.Sorted(maps.Keys(ref)) {
			try := map[string]bool{}
			if len(rules.compare(ref[rk], got[gk], join(path, rk), try)) == 0 {
				maps.Copy(covered, try)
				matched = true
			}
		}
		if !matched {
			problems = append(problems, fmt.Sprintf("%s.%s: %s matches none of the reference's values", path, gk, kind(got[gk])))
		}
	}
	return problems
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	return v
}

func TestShapesMatchReference(t *testing.T) {
	c := newClient(t)
	getAll := func(s *shape, t *testing.T, paths ...string) {
		t.Helper()
		for _, p := range paths {
			res := c.expect(http.StatusOK, http.MethodGet, p, nil)
			s.check(t, p, decodeAny(t, res.body))
		}
		s.done(t)
	}
	paths := func(format string, from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf(format, i))
		}
		return out
	}
	const conversations, customers, users = 240, 50, 8
	tests := []struct {
		file  string
		paths []string
	}{
		{"get_conversation.json", paths("/api/conversations/%d?embed=threads,timelogs,tags", 1, conversations)},
		{"list_conversations.json", []string{"/api/conversations?embed=threads&pageSize=1000&" + allStatuses}},
		{"get_customer.json", paths("/api/customers/%d", 1, customers)},
		{"list_customers.json", []string{"/api/customers?pageSize=100"}},
		{"list_mailboxes.json", []string{"/api/mailboxes"}},
		{"mailbox_custom_fields.json", paths("/api/mailboxes/%d/custom_fields", 1, 3)},
		{"mailbox_folders.json", paths("/api/mailboxes/%d/folders", 1, 3)},
		{"list_tags.json", []string{"/api/tags"}},
		{"list_timelogs.json", paths("/api/conversations/%d/timelogs", 1, conversations)},
		{"get_user.json", paths("/api/users/%d", 1, users)},
		{"list_users.json", []string{"/api/users"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			getAll(loadShape(t, tt.file), t, tt.paths...)
		})
	}
	t.Run("error_bad_request.json", func(t *testing.T) {
		s := loadShape(t, "error_bad_request.json")
		res := c.expect(http.StatusBadRequest, http.MethodPost, "/api/conversations", map[string]any{
			"type": "email", "mailboxId": 1, "subject": "", "status": "Wrong",
			"customer": map[string]any{"email": "mark@example.org"},
			"threads":  []any{map[string]any{"type": "customer", "text": "Hi"}},
		})
		s.check(t, "create conversation", decodeAny(t, res.body))
		s.done(t)
	})
}

// TestSingleAndListConversationDiffer pins the threads/threadsCount quirk.
func TestSingleAndListConversationDiffer(t *testing.T) {
	c := newClient(t)
	one := c.get("/api/conversations/5")
	if _, ok := one["threadsCount"]; !ok {
		t.Error("single get: no threadsCount")
	}
	if _, ok := one["threads"]; ok {
		t.Error("single get: threads count present")
	}
	for _, conv := range c.allConversations("") {
		if _, ok := conv["threadsCount"]; ok {
			t.Fatalf("list item %v has threadsCount", conv["id"])
		}
		if num(conv["threads"]) < 1 {
			t.Fatalf("list item %v: threads = %v", conv["id"], conv["threads"])
		}
	}
}

// TestShapeCompare checks that the comparison itself catches differences.
func TestShapeCompare(t *testing.T) {
	ref := map[string]any{"id": 1.0, "name": "x", "when": nil, "closedAt": "2020-01-01T00:00:00Z",
		"list": []any{map[string]any{"a": true}}}
	tests := []struct {
		name string
		got  map[string]any
		want string // a fragment of the first problem; "" for none
	}{
		{"same", map[string]any{"id": 2.0, "name": "y", "when": nil, "closedAt": "z", "list": []any{map[string]any{"a": false}}}, ""},
		{"nullable key null", map[string]any{"id": 2.0, "name": "y", "when": nil, "closedAt": nil, "list": []any{}}, ""},
		{"missing key", map[string]any{"name": "y", "when": nil, "closedAt": "z", "list": []any{}}, "id: missing"},
		{"extra key", map[string]any{"id": 2.0, "name": "y", "when": nil, "closedAt": "z", "list": []any{}, "more": 1.0}, "more: not in the reference"},
		{"wrong type", map[string]any{"id": "2", "name": "y", "when": nil, "closedAt": "z", "list": []any{}}, "id: want number, got string"},
		{"null not nullable", map[string]any{"id": 2.0, "name": nil, "when": nil, "closedAt": "z", "list": []any{}}, "name: want string, got null"},
		{"value for reference null", map[string]any{"id": 2.0, "name": "y", "when": "now", "closedAt": "z", "list": []any{}}, "when: reference null"},
		{"array element", map[string]any{"id": 2.0, "name": "y", "when": nil, "closedAt": "z", "list": []any{map[string]any{"a": "no"}}}, "list[0] matches no reference element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := referenceRules().compare(ref, tt.got, "", map[string]bool{})
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("unexpected problems: %v", problems)
			case tt.want != "" && (len(problems) == 0 || !strings.Contains(problems[0], tt.want)):
				t.Errorf("problems = %v, want one containing %q", problems, tt.want)
			}
		})
	}
}

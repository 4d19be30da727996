package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// The shape tests compare the emulator's answers with the reference's example payloads in
// testdata/ (transcribed from freescout-api.md; list_webhooks.json from its "What real
// clients show", since the docs have no example of GET /api/webhooks): same keys, same
// nesting, same value types, recursively. They run against the current module and v1.0.20:
// the reference's examples show the old module, so the current one's differences, which
// "What real clients show" lists, are rules of their own (see rulesFor).
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
	absent       map[string]string // reference keys the emulator leaves out, by path
	nullable     map[string]string // keys, by name, whose value the emulator may answer as null
	nullStandIns map[string]string // reference nulls that stand for values the sample lacked, by path
	dictionaries map[string]string // objects whose keys are data, not schema, by path
}

// rulesFor returns the rules for a module version and the modules it lacks.
func rulesFor(version string, without ...string) shapeRules {
	rules := referenceRules()
	if version != oldVersion {
		rules.extras["_embedded.conversations[].threadsCount"] = "current modules count a list item's threads in threadsCount (What real clients show)"
		rules.absent["_embedded.conversations[].threads"] = "the old count, which current modules call threadsCount"
	}
	for _, m := range without {
		switch m {
		case "tags":
			rules.absent["_embedded.tags"] = "without the Tags module, embed=tags is unknown"
		case "timetracking":
			rules.absent["_embedded.timelogs"] = "without the Time Tracking module, embed=timelogs is unknown"
		case "customfields":
			rules.absent["customFields"] = "without the Custom Fields module, conversations have none"
			rules.absent["_embedded.conversations[].customFields"] = "as above"
		case "crm":
			rules.absent["customerFields"] = "without the CRM module, customers have no customer fields"
		}
	}
	return rules
}

func referenceRules() shapeRules {
	return shapeRules{absent: map[string]string{}, extras: map[string]string{
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
		"lastRunTime":     "a webhook nothing was delivered to yet",
		"lastRunError":    "a webhook whose last delivery succeeded, or that has none yet",
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
	rules   shapeRules
	covered map[string]bool
	scalars map[string]bool // scalar paths of the reference
}

// loadShapeWith loads a reference payload to compare answers with under rules.
func loadShapeWith(t *testing.T, name string, rules shapeRules) *shape {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ref any
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s := &shape{ref: ref, rules: rules, covered: map[string]bool{}, scalars: map[string]bool{}}
	s.collect(ref, "")
	for p := range rules.absent {
		s.optional(p)
	}
	return s
}

// sub returns the shape of the reference's part at path (keys and [] as in the rules, e.g.
// "_embedded.threads[]": the first element), with the rules moved along. "[N]" picks
// element N instead of the first.
func (s *shape) sub(t *testing.T, path string) *shape {
	t.Helper()
	ref := s.ref
	var rulePath []string
	for _, key := range strings.Split(path, ".") {
		key, element, isArray := strings.Cut(key, "[")
		m, ok := ref.(map[string]any)
		if !ok {
			t.Fatalf("reference has no object at %s", key)
		}
		ref = m[key]
		if isArray {
			i, _ := strconv.Atoi(strings.TrimSuffix(element, "]"))
			list, ok := ref.([]any)
			if !ok || len(list) <= i {
				t.Fatalf("reference has no array with element %d at %s", i, key)
			}
			ref = list[i]
			key += "[]"
		}
		rulePath = append(rulePath, key)
	}
	rules := shapeRules{extras: map[string]string{}, absent: map[string]string{}, nullable: s.rules.nullable,
		nullStandIns: map[string]string{}, dictionaries: map[string]string{}}
	prefix := strings.Join(rulePath, ".") + "."
	for _, m := range []struct{ from, to map[string]string }{
		{s.rules.extras, rules.extras}, {s.rules.absent, rules.absent},
		{s.rules.nullStandIns, rules.nullStandIns}, {s.rules.dictionaries, rules.dictionaries},
	} {
		for k, v := range m.from {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				m.to[rest] = v
			}
		}
	}
	out := &shape{ref: ref, rules: rules, covered: map[string]bool{}, scalars: map[string]bool{}}
	out.collect(ref, "")
	return out
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
	for _, p := range s.rules.compare(s.ref, got, "", covered) {
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
				if _, fine := rules.absent[join(path, k)]; !fine {
					problems = append(problems, fmt.Sprintf("%s: missing", join(path, k)))
				}
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

// isDateKey reports whether a key's values are dates.
func isDateKey(k string) bool {
	switch k {
	case "createdAt", "updatedAt", "closedAt", "userUpdatedAt", "openedAt", "time", "lastRunTime":
		return true
	}
	return false
}

// dateProblems checks every date in an answer: dashed (2021-04-21T13-24-01Z) where dashed
// says so for its path, else ISO 8601 with colons.
func dateProblems(v any, path string, dashed func(path string) bool) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := join(path, k)
			if s, ok := v[k].(string); ok && isDateKey(k) {
				layout := "2006-01-02T15:04:05Z"
				if dashed(p) {
					layout = "2006-01-02T15-04-05Z"
				}
				if _, err := time.Parse(layout, s); err != nil {
					out = append(out, fmt.Sprintf("%s = %q, want the layout %s", p, s, layout))
				}
				continue
			}
			out = append(out, dateProblems(v[k], p, dashed)...)
		}
	case []any:
		for _, e := range v {
			out = append(out, dateProblems(e, path+"[]", dashed)...)
		}
	}
	return out
}

// TestShapesMatchReference compares every kind of answer, for the current module and
// v1.0.20, with the reference's examples, and checks the dates' format: ISO 8601 with colons
// everywhere on current modules, the reference's dashes for timelogs, users and mailboxes
// on v1.0.20.
func TestShapesMatchReference(t *testing.T) {
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) { testShapes(t, version) })
	}
}

func testShapes(t *testing.T, version string) {
	c := newClientWith(t, emulator.Options{APIKey: apiKey, ModuleVersion: version})
	rules := rulesFor(version)
	old := version == oldVersion
	under := func(prefix string) func(string) bool {
		return func(p string) bool { return old && (prefix == "" || strings.HasPrefix(p, prefix)) }
	}
	never := func(string) bool { return false }
	getAll := func(s *shape, t *testing.T, dashed func(string) bool, paths ...string) {
		t.Helper()
		for _, p := range paths {
			res := c.expect(http.StatusOK, http.MethodGet, p, nil)
			got := decodeAny(t, res.body)
			s.check(t, p, got)
			for _, problem := range dateProblems(got, "", dashed) {
				t.Errorf("%s: %s", p, problem)
			}
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
		file   string
		dashed func(path string) bool
		paths  []string
	}{
		{"get_conversation.json", under("_embedded.timelogs"), paths("/api/conversations/%d?embed=threads,timelogs,tags", 1, conversations)},
		{"list_conversations.json", never, []string{"/api/conversations?embed=threads&pageSize=1000&" + allStatuses}},
		{"get_customer.json", never, paths("/api/customers/%d", 1, customers)},
		{"list_customers.json", never, []string{"/api/customers?pageSize=100"}},
		{"list_mailboxes.json", under(""), []string{"/api/mailboxes"}},
		{"mailbox_custom_fields.json", never, paths("/api/mailboxes/%d/custom_fields", 1, 3)},
		{"mailbox_folders.json", never, paths("/api/mailboxes/%d/folders", 1, 3)},
		{"list_tags.json", never, []string{"/api/tags"}},
		{"list_timelogs.json", under(""), paths("/api/conversations/%d/timelogs", 1, conversations)},
		{"get_user.json", under(""), paths("/api/users/%d", 1, users)},
		{"list_users.json", under(""), []string{"/api/users"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			getAll(loadShapeWith(t, tt.file, rules), t, tt.dashed, tt.paths...)
		})
	}
	t.Run("error_bad_request.json", func(t *testing.T) {
		s := loadShapeWith(t, "error_bad_request.json", rules)
		res := c.expect(http.StatusBadRequest, http.MethodPost, "/api/conversations", map[string]any{
			"type": "email", "mailboxId": 1, "subject": "", "status": "Wrong",
			"customer": map[string]any{"email": "mark@example.org"},
			"threads":  []any{map[string]any{"type": "customer", "text": "Hi"}},
		})
		s.check(t, "create conversation", decodeAny(t, res.body))
		s.done(t)
	})
	t.Run("list_webhooks.json", func(t *testing.T) {
		// sample webhook 1 (at a documentation host) fails a delivery; a second one, limited
		// to a mailbox, has none yet
		c.create("/api/webhooks", map[string]any{"url": "https://hooks.example.net/billing", "events": []string{"convo.assigned"}, "mailboxes": []int{2}})
		c.create("/api/conversations", map[string]any{"type": "email", "mailboxId": 1, "subject": "Shape",
			"customer": map[string]any{"email": "shape@example.org"}, "threads": []any{map[string]any{"type": "customer", "text": "Hi"}}})
		waitDeliveries(t, c.em)
		getAll(loadShapeWith(t, "list_webhooks.json", rules), t, never, "/api/webhooks")
	})
}

// waitDeliveries waits for the emulator's webhook deliveries to settle.
func waitDeliveries(t *testing.T, em *emulator.Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := em.WaitDeliveries(ctx); err != nil {
		t.Fatalf("webhook deliveries did not settle: %v", err)
	}
}

// TestCreatedBodies checks the 201 answers of current modules: the created object, shaped
// like the reference's read example and equal to what the matching read answers right after
// (a new thread as the conversation's _embedded.threads shows it).
func TestCreatedBodies(t *testing.T) {
	c := newClient(t)
	rules := rulesFor(emulator.CurrentModuleVersion)
	rules.absent["_embedded.timelogs"] = "the read answers embed=threads, its default"
	rules.absent["_embedded.tags"] = "as above"
	conversation := loadShapeWith(t, "get_conversation.json", rules)
	tests := []struct {
		name  string
		path  string
		body  map[string]any
		shape *shape
		read  func(id int) any // what the matching read answers
	}{
		{"conversation", "/api/conversations", map[string]any{"type": "email", "mailboxId": 1, "subject": "Created",
			"customer": map[string]any{"email": "created@example.org", "firstName": "Cora", "lastName": "Reed"}, "assignTo": 2, "customFields": []any{map[string]any{"id": 18, "value": 2}},
			"threads": []any{map[string]any{"type": "message", "text": "Reply", "user": 2}, map[string]any{"type": "customer", "text": "Hi"}}},
			conversation, func(id int) any { return c.get(fmt.Sprintf("/api/conversations/%d", id)) }},
		{"thread", "/api/conversations/1/threads", map[string]any{"type": "message", "text": "On it.", "user": 1, "to": []string{"a@example.org"}},
			conversation.sub(t, "_embedded.threads[]"), func(id int) any {
				for _, th := range threadsOf(c.get("/api/conversations/1")) {
					if num(th["id"]) == id {
						return th
					}
				}
				return nil
			}},
		{"customer", "/api/customers", map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org", "phone": "+44 20 7946 0000",
			"address": map[string]any{"city": "London", "country": "GB"}},
			loadShapeWith(t, "get_customer.json", rules), func(id int) any { return c.get(fmt.Sprintf("/api/customers/%d", id)) }},
		{"user", "/api/users", map[string]any{"firstName": "Grace", "lastName": "Hopper", "email": "grace@example.org", "jobTitle": "Admiral"},
			loadShapeWith(t, "get_user.json", rules), func(id int) any { return c.get(fmt.Sprintf("/api/users/%d", id)) }},
		{"webhook", "/api/webhooks", map[string]any{"url": "https://hooks.example.net/x", "events": "convo.created, customer.created", "mailboxes": []int{1}},
			loadShapeWith(t, "list_webhooks.json", rules).sub(t, "_embedded.webhooks[1]"), func(id int) any {
				for _, h := range items(t, c.get("/api/webhooks"), "webhooks") {
					if num(h["id"]) == id {
						return h
					}
				}
				return nil
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, got := c.createObject(tt.path, tt.body)
			tt.shape.check(t, "201 body", any(got))
			for _, problem := range dateProblems(any(got), "", func(string) bool { return false }) {
				t.Error(problem)
			}
			want := tt.read(id)
			for _, m := range []any{any(got), want} { // may differ by the second the two were rendered in
				if w := obj(obj(m)["customerWaitingSince"]); w != nil {
					delete(w, "friendly")
				}
			}
			if !reflect.DeepEqual(any(got), want) {
				t.Errorf("201 body differs from the read:\n 201 %v\nread %v", got, want)
			}
		})
	}
}

// TestSingleAndListConversationDiffer pins the threads/threadsCount quirk of v1.0.20, and
// that current modules use threadsCount everywhere.
func TestSingleAndListConversationDiffer(t *testing.T) {
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			c := newClientWith(t, emulator.Options{APIKey: apiKey, ModuleVersion: version})
			one := c.get("/api/conversations/5")
			if _, ok := one["threadsCount"]; !ok {
				t.Error("single get: no threadsCount")
			}
			if _, ok := one["threads"]; ok {
				t.Error("single get: threads count present")
			}
			listKey, otherKey := "threadsCount", "threads"
			if c.old {
				listKey, otherKey = otherKey, listKey
			}
			for _, conv := range c.allConversations("") {
				if _, ok := conv[otherKey]; ok {
					t.Fatalf("list item %v has %s", conv["id"], otherKey)
				}
				if num(conv[listKey]) < 1 {
					t.Fatalf("list item %v: %s = %v", conv["id"], listKey, conv[listKey])
				}
				if emb, ok := conv["_embedded"]; ok == c.old {
					t.Fatalf("list item %v: _embedded %v (present: %v)", conv["id"], emb, ok)
				}
			}
		})
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

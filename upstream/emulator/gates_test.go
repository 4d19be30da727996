package emulator_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

func TestParseModuleVersion(t *testing.T) {
	tests := []struct {
		in, want string // want "" for an error
	}{
		{"1.0.20", "1.0.20"},
		{"v1.0.77", "1.0.77"},
		{" 1.0.21 ", "1.0.21"},
		{"2.10.3", "2.10.3"},
		{"", ""},
		{"1.0", ""},
		{"1.0.20.1", ""},
		{"1.0.x", ""},
		{"a.b.c", ""},
		{"1..20", ""},
		{"1.0.-2", ""},
		{"1.0.+2", ""},
		{"latest", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := emulator.ParseModuleVersion(tt.in)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("ParseModuleVersion(%q) = %v, want an error", tt.in, v)
			case tt.want != "" && (err != nil || v.String() != tt.want):
				t.Errorf("ParseModuleVersion(%q) = %v, %v; want %s", tt.in, v, err, tt.want)
			}
		})
	}
	old, _ := emulator.ParseModuleVersion("1.0.9")
	newer, _ := emulator.ParseModuleVersion("1.0.10")
	if old.AtLeast(newer) || !newer.AtLeast(old) || !old.AtLeast(old) {
		t.Error("versions compare as text, not as numbers")
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts emulator.Options
		ok   bool
	}{
		{"zero value", emulator.Options{}, true},
		{"old version, every module missing", emulator.Options{ModuleVersion: "1.0.20", WithoutModules: emulator.OptionalModules()}, true},
		{"module names in any case", emulator.Options{WithoutModules: []string{"Tags", " CRM "}}, true},
		{"webhook knobs", emulator.Options{WebhookDelay: time.Minute, WebhookRetryDelays: []time.Duration{0, time.Second}}, true},
		{"garbage version", emulator.Options{ModuleVersion: "1.0.twenty"}, false},
		{"unknown module", emulator.Options{WithoutModules: []string{"tags", "chat"}}, false},
		{"negative delay", emulator.Options{WebhookDelay: -time.Second}, false},
		{"negative retry delay", emulator.Options{WebhookRetryDelays: []time.Duration{time.Second, -1}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			em, openErr := emulator.Open(tt.opts)
			if (err == nil) != tt.ok || (openErr == nil) != tt.ok {
				t.Fatalf("Validate: %v, Open: %v; want ok %v", err, openErr, tt.ok)
			}
			if tt.ok {
				_ = em.Close()
				return
			}
			if em != nil {
				t.Error("Open returned an Emulator with its error")
			}
			defer func() {
				if recover() == nil {
					t.Error("New accepted invalid options")
				}
			}()
			emulator.New(tt.opts)
		})
	}
	if v := emulator.New(emulator.Options{}).ModuleVersion(); v != emulator.CurrentModuleVersion {
		t.Errorf("default module version %s, want %s", v, emulator.CurrentModuleVersion)
	}
	if v := emulator.New(emulator.Options{ModuleVersion: "v1.0.20"}).ModuleVersion(); v != "1.0.20" {
		t.Errorf("module version %s", v)
	}
}

// gateCase observes one gate's behaviour on an emulator: it returns a description that is
// want[0] on a module older than the gate and want[1] from the gate's version on.
type gateCase struct {
	observe func(t *testing.T, c *client) string
	want    [2]string
}

// filterEffect says what a conversation filter does: "ignored" when the query lists every
// conversation, "filtered" when it lists fewer and all of them pass keep.
func filterEffect(t *testing.T, c *client, query string, keep func(conv map[string]any) bool) string {
	t.Helper()
	all := c.allConversations("embed=tags")
	got := c.allConversations(query + "&embed=tags")
	if len(got) == len(all) {
		return "ignored"
	}
	for _, conv := range got {
		if !keep(conv) {
			return fmt.Sprintf("wrong: %v passes %s", conv["id"], query)
		}
	}
	if len(got) == 0 {
		return "empty"
	}
	return "filtered"
}

// pageSize returns the page size a list answers pageSize=2 with.
func pageSize(c *client, path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	size, _, _, _ := page(c.t, c.get(path+sep+"pageSize=2"))
	return strconv.Itoa(size)
}

// gateCases has a case for every gate of emulator.ModuleGates, by name.
func gateCases() map[string]gateCase {
	return map[string]gateCase{
		"colon dates": {func(t *testing.T, c *client) string {
			var out []string
			for _, d := range []string{
				str(c.get("/api/users/1")["createdAt"]),
				str(items(t, c.get("/api/mailboxes"), "mailboxes")[0]["updatedAt"]),
				str(items(t, c.get("/api/conversations/1/timelogs"), "timelogs")[0]["createdAt"]),
			} {
				out = append(out, map[bool]string{true: "colon", false: "dashed"}[strings.Contains(d, ":")])
			}
			if d := str(c.get("/api/conversations/1")["createdAt"]); !strings.Contains(d, ":") {
				out = append(out, "conversation "+d)
			}
			return strings.Join(out, " ")
		}, [2]string{"dashed dashed dashed", "colon colon colon"}},
		"201 bodies": {func(t *testing.T, c *client) string {
			res := c.expect(http.StatusCreated, http.MethodPost, "/api/users",
				map[string]any{"firstName": "Gate", "lastName": "Keeper", "email": "gate@example.org"})
			if len(res.body) == 0 {
				return "Resource-ID only"
			}
			return fmt.Sprintf("body with the Resource-ID %v", fmt.Sprint(res.json(t)["id"]) == res.header.Get("Resource-ID"))
		}, [2]string{"Resource-ID only", "body with the Resource-ID true"}},
		"list threadsCount": {func(t *testing.T, c *client) string {
			conv := items(t, c.get("/api/conversations?pageSize=1"), "conversations")[0]
			_, hasCount := conv["threadsCount"]
			_, hasThreads := conv["threads"]
			_, hasEmbedded := conv["_embedded"]
			return fmt.Sprintf("threadsCount %v threads %v _embedded %v", hasCount, hasThreads, hasEmbedded)
		}, [2]string{"threadsCount false threads true _embedded false", "threadsCount true threads false _embedded true"}},
		"state filter": {func(t *testing.T, c *client) string {
			return filterEffect(t, c, "state=draft", func(m map[string]any) bool { return m["state"] == "draft" })
		}, [2]string{"ignored", "filtered"}},
		"conversation pageSize": {func(t *testing.T, c *client) string {
			return pageSize(c, "/api/conversations")
		}, [2]string{"50", "2"}},
		"unassigned filter": {func(t *testing.T, c *client) string {
			return filterEffect(t, c, "assignedTo=", func(m map[string]any) bool { return m["assignee"] == nil })
		}, [2]string{"ignored", "filtered"}},
		"type, subject, customerPhone, tag, createdSince filters": {func(t *testing.T, c *client) string {
			phone := ""
			for _, cu := range items(t, c.get("/api/customers?pageSize=100"), "customers") {
				if phones := obj(cu["_embedded"])["phones"].([]any); len(phones) > 0 {
					phone = str(obj(phones[0])["value"])
					break
				}
			}
			phoneOwners := ids(items(t, c.get("/api/customers?pageSize=100&phone="+url.QueryEscape(phone)), "customers"))
			since := parseISO(t, "2025-06-01T00:00:00Z")
			return strings.Join([]string{
				filterEffect(t, c, "type=phone", func(m map[string]any) bool { return m["type"] == "phone" }),
				filterEffect(t, c, "subject=refund", func(m map[string]any) bool { return strings.Contains(strings.ToLower(str(m["subject"])), "refund") }),
				filterEffect(t, c, "customerPhone="+url.QueryEscape(phone), func(m map[string]any) bool {
					return slices.Contains(phoneOwners, num(obj(m["customer"])["id"]))
				}),
				filterEffect(t, c, "tag=vip", func(m map[string]any) bool { return hasTag(m, "vip") }),
				filterEffect(t, c, "createdSince=2025-06-01T00:00:00Z", func(m map[string]any) bool {
					return !parseISO(t, str(m["createdAt"])).Before(since)
				}),
			}, " ")
		}, [2]string{"ignored ignored ignored ignored ignored", "filtered filtered filtered filtered filtered"}},
		"pageSize on other lists": {func(t *testing.T, c *client) string {
			c.create("/api/webhooks", map[string]any{"url": "https://hooks.example.net/a", "events": []string{"convo.created"}})
			c.create("/api/webhooks", map[string]any{"url": "https://hooks.example.net/b", "events": []string{"convo.created"}})
			var out []string
			for _, p := range []string{"/api/users", "/api/customers", "/api/mailboxes", "/api/tags", "/api/webhooks",
				"/api/mailboxes/1/folders", "/api/mailboxes/1/custom_fields", "/api/conversations/1/timelogs"} {
				out = append(out, pageSize(c, p))
			}
			return strings.Join(out, " ")
		}, [2]string{"50 50 50 50 50 50 50 50", "2 2 2 2 2 2 2 2"}},
		"createdBy filters": {func(t *testing.T, c *client) string {
			creator := 0
			for _, m := range c.allConversations("") {
				if cb := obj(m["createdBy"]); cb["type"] == "customer" {
					creator = num(cb["id"])
					break
				}
			}
			return filterEffect(t, c, "createdByUserId=2", func(m map[string]any) bool {
				return obj(m["createdBy"])["type"] == "user" && num(obj(m["createdBy"])["id"]) == 2
			}) + " " + filterEffect(t, c, fmt.Sprintf("createdByCustomerId=%d", creator), func(m map[string]any) bool {
				return obj(m["createdBy"])["type"] == "customer" && num(obj(m["createdBy"])["id"]) == creator
			})
		}, [2]string{"ignored ignored", "filtered filtered"}},
		"status list": {func(t *testing.T, c *client) string {
			seen := map[string]bool{}
			for _, m := range items(t, c.get("/api/conversations?status=active,pending&pageSize=1000"), "conversations") {
				seen[str(m["status"])] = true
			}
			single := items(t, c.get("/api/conversations?status=closed&pageSize=1000"), "conversations")
			if len(single) == 0 || slices.ContainsFunc(single, func(m map[string]any) bool { return m["status"] != "closed" }) {
				return "a single status does not filter"
			}
			return strings.Join(slices.Sorted(func(yield func(string) bool) {
				for s := range seen {
					if !yield(s) {
						return
					}
				}
			}), ",")
		}, [2]string{"active,closed,pending,spam", "active,pending"}},
	}
}

// previousVersion is the version just before v (whose patch number is not 0).
func previousVersion(t *testing.T, v string) string {
	t.Helper()
	i := strings.LastIndex(v, ".")
	patch, err := strconv.Atoi(v[i+1:])
	if err != nil || patch == 0 {
		t.Fatalf("version %s has no previous patch version", v)
	}
	return fmt.Sprintf("%s.%d", v[:i], patch-1)
}

// TestModuleGates checks every gate on both sides: the version before it behaves the old
// way, the gate's version the new way; so do v1.0.20 and the current version.
func TestModuleGates(t *testing.T) {
	cases := gateCases()
	for _, g := range emulator.ModuleGates() {
		tc, ok := cases[g.Name]
		if !ok {
			t.Errorf("gate %q (v%s) has no test case", g.Name, g.Since)
			continue
		}
		delete(cases, g.Name)
		t.Run(g.Name, func(t *testing.T) {
			sides := []struct {
				version string
				new     bool
			}{
				{previousVersion(t, g.Since), false}, {g.Since, true},
				{oldVersion, false}, {emulator.CurrentModuleVersion, true},
			}
			for _, side := range sides {
				t.Run(side.version, func(t *testing.T) {
					c := newClientWith(t, emulator.Options{APIKey: apiKey, ModuleVersion: side.version})
					want := tc.want[0]
					if side.new {
						want = tc.want[1]
					}
					if got := tc.observe(t, c); got != want {
						t.Errorf("v%s: %s, want %s", side.version, got, want)
					}
				})
			}
		})
	}
	for name := range cases {
		t.Errorf("test case %q names no gate", name)
	}
}

// TestGatesDocumented checks that the package documentation's gate table lists every gate
// of the code's, with its version.
func TestGatesDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(doc), "\n")
	gates := emulator.ModuleGates()
	for i, g := range gates {
		since := g.Since
		if g.Assumed {
			since += "*"
		}
		if !slices.ContainsFunc(lines, func(l string) bool {
			f := strings.Fields(strings.TrimPrefix(l, "//"))
			return len(f) > 1 && f[0] == since && strings.HasPrefix(strings.Join(f[1:], " "), g.Name+" ")
		}) {
			t.Errorf("doc.go's gate table has no line for %s %s", since, g.Name)
		}
		if g.Now == "" || g.Before == "" {
			t.Errorf("gate %s: no description", g.Name)
		}
		if i > 0 {
			prev, _ := emulator.ParseModuleVersion(gates[i-1].Since)
			this, _ := emulator.ParseModuleVersion(g.Since)
			if !this.AtLeast(prev) {
				t.Errorf("gates not oldest first: %s after %s", g.Since, gates[i-1].Since)
			}
		}
	}
	current, _ := emulator.ParseModuleVersion(emulator.CurrentModuleVersion)
	last, _ := emulator.ParseModuleVersion(gates[len(gates)-1].Since)
	if !current.AtLeast(last) {
		t.Errorf("the current version %s predates gate %s", emulator.CurrentModuleVersion, gates[len(gates)-1].Since)
	}
}

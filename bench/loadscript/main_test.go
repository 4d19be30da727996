package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/bench/queries"
)

// TestBodyIsTheBenchmarkQuery: the request the script POSTs is the query
// text of bench/queries, unchanged, and -body prints the same request.
func TestBodyIsTheBenchmarkQuery(t *testing.T) {
	var script, body strings.Builder
	if err := run([]string{"-query", "inbox-names"}, &script); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-query", "inbox-names", "-body"}, &body); err != nil {
		t.Fatal(err)
	}
	var req struct{ Query string }
	if err := json.Unmarshal([]byte(body.String()), &req); err != nil {
		t.Fatal(err)
	}
	if req.Query != queries.InboxNames().GraphQL {
		t.Errorf("-body posts %q, want the benchmark's inbox-names", req.Query)
	}
	want := "wrk.body = [[" + strings.TrimSuffix(body.String(), "\n") + "]]\n"
	if !strings.Contains(script.String(), want) {
		t.Errorf("the script does not POST the body:\n%s", script.String())
	}
}

// TestLongStringLevel: a body holding the closing bracket of a level gets
// the next level, so that Lua reads it whole.
func TestLongStringLevel(t *testing.T) {
	s := luaScript("x", `{"a":"]]","b":"]=]"}`)
	if !strings.Contains(s, `wrk.body = [==[{"a":"]]","b":"]=]"}]==]`) {
		t.Errorf("got:\n%s", s)
	}
}

// TestRefusesWritesAndVariables: only a read without variables can be
// asked in a loop.
func TestRefusesWritesAndVariables(t *testing.T) {
	for _, name := range []string{"create-customer", "conversation-detail", "no-such-query"} {
		if err := run([]string{"-query", name}, &strings.Builder{}); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

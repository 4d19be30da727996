package queries_test

import (
	"testing"

	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// TestRESTNeverBeatsTheMinimum: no client draws a screen with fewer calls
// than its theoretical minimum, so the REST screens, run against the
// emulator, cost at least the cold minimum, route totals included.
func TestRESTNeverBeatsTheMinimum(t *testing.T) {
	up := gatewaytest.StartUpstreamFor(t, 0, gatewaytest.Current) // the screens are a current install's
	c, err := queries.Client(up)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries.All() {
		t.Run(q.Name, func(t *testing.T) {
			var vars map[string]any
			if q.Vars != nil {
				if vars, err = q.Vars(t.Context(), c); err != nil {
					t.Fatal(err)
				}
			}
			minimum, err := q.Minimum(t.Context(), c, vars)
			if err != nil {
				t.Fatal(err)
			}
			if minimum.Cold.Total() < 1 || minimum.Warm.Total() < 1 || minimum.Warm.Total() > minimum.Cold.Total() {
				t.Errorf("minimum cold %s, warm %s: want at least one call, and no more warm than cold", minimum.Cold.Detail(), minimum.Warm.Detail())
			}
			if minimum.Cold.Rounds < 1 || minimum.Warm.Rounds < 1 || minimum.Warm.Rounds > minimum.Cold.Rounds {
				t.Errorf("minimum rounds cold %d, warm %d", minimum.Cold.Rounds, minimum.Warm.Rounds)
			}
			rest, err := queries.Measure(up, func() error { return q.REST(t.Context(), c, vars) })
			if err != nil {
				t.Fatal(err)
			}
			if rest.Total() < minimum.Cold.Total() {
				t.Errorf("REST made %d calls (%s), fewer than the minimum %d (%s)",
					rest.Total(), rest.Detail(), minimum.Cold.Total(), minimum.Cold.Detail())
			}
		})
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		want, got map[string]int
		diff      string
	}{
		{nil, map[string]int{}, ""},
		{map[string]int{"a": 1}, map[string]int{"a": 1}, ""},
		{map[string]int{"a": 1}, map[string]int{"a": 2, "b": 1}, "a: want 1, got 2; b: want 0, got 1"},
		{map[string]int{"a": 1, "b": 3}, nil, "a: want 1, got 0; b: want 3, got 0"},
	}
	for _, tt := range tests {
		if got := queries.Diff(tt.want, tt.got); got != tt.diff {
			t.Errorf("Diff(%v, %v) = %q, want %q", tt.want, tt.got, got, tt.diff)
		}
	}
}

func TestCost(t *testing.T) {
	c := queries.Cost{Calls: map[string]int{queries.RouteConversations: 1, queries.RouteCustomer: 34}, Rounds: 2}
	if c.Total() != 35 || c.String() != "35/2" {
		t.Errorf("Total %d, String %q", c.Total(), c.String())
	}
	if want := "GET /api/conversations ×1, GET /api/customers/{id} ×34"; c.Detail() != want {
		t.Errorf("Detail %q, want %q", c.Detail(), want)
	}
}

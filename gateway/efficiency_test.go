package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// The benchmark set's minimums are computed for a current FreeScout with
// every module (the install the benchmark measures), so these tests run
// against one whatever install the environment names; installs_test.go
// checks what the same screens cost on an old install.

// TestUpstreamCallsAreMinimal is the N+1 regression guard: for every query
// of the benchmark set, the gateway makes exactly the theoretical minimum of
// upstream calls on every route, with cold caches (a gateway that has just
// started) and with warm ones (the same query again).
func TestUpstreamCallsAreMinimal(t *testing.T) {
	for _, q := range queries.All() {
		t.Run(q.Name, func(t *testing.T) {
			env := gatewaytest.Start(t, gatewaytest.Options{Install: &gatewaytest.Current})
			c, err := queries.Client(env.Upstream)
			if err != nil {
				t.Fatal(err)
			}
			var vars map[string]any
			if q.Vars != nil {
				if vars, err = q.Vars(t.Context(), c); err != nil {
					t.Fatalf("choose variables: %v", err)
				}
			}
			minimum, err := q.Minimum(t.Context(), c, vars)
			if err != nil {
				t.Fatalf("compute the minimum: %v", err)
			}
			var answers []string
			for _, run := range []struct {
				name string
				want queries.Cost
			}{{"cold", minimum.Cold}, {"warm", minimum.Warm}} {
				var cost map[string]any
				got, err := queries.Measure(env.Upstream, func() error {
					r := env.Do(t, q.GraphQL, vars)
					if len(r.Errors) > 0 || len(r.Data) == 0 {
						return fmt.Errorf("errors %+v, data %s", r.Errors, r.Data)
					}
					answers = append(answers, string(r.Data))
					cost, _ = r.Extensions["cost"].(map[string]any)
					return nil
				})
				if err != nil {
					t.Fatalf("%s: %v", run.name, err)
				}
				// The estimate bounds the calls, and the count is exact.
				if est, _ := cost["estimated"].(float64); int(est) < got.Total() || cost["actual"] != float64(got.Total()) {
					t.Errorf("%s: extensions.cost %v, FreeScout saw %d calls; want estimated >= actual = calls", run.name, cost, got.Total())
				}
				if d := queries.Diff(run.want.Calls, got.Calls); d != "" {
					t.Errorf("%s: upstream calls differ from the minimum (%s): %s\nwant %s\ngot  %s",
						run.name, run.want, d, run.want.Detail(), got.Detail())
				}
			}
			// What the caches answer is what FreeScout answered (a write
			// writes anew each time: new ids).
			if !q.Writes && answers[0] != answers[1] {
				t.Errorf("the warm answer differs from the cold one:\ncold %s\nwarm %s", answers[0], answers[1])
			}
		})
	}
}

// TestWarmInboxIsOneCall: with warm caches every inbox query is one
// conversation list call, whatever it asks about people and fields.
func TestWarmInboxIsOneCall(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{Install: &gatewaytest.Current})
	for _, q := range queries.All() {
		if !strings.HasPrefix(q.Name, "inbox-") {
			continue
		}
		t.Run(q.Name, func(t *testing.T) {
			if err := queries.Ask(t.Context(), env, q, nil); err != nil {
				t.Fatalf("cold: %v", err)
			}
			got, err := queries.Measure(env.Upstream, func() error { return queries.Ask(t.Context(), env, q, nil) })
			if err != nil {
				t.Fatalf("warm: %v", err)
			}
			if got.Total() != 1 || got.Calls[queries.RouteConversations] != 1 {
				t.Errorf("warm: want one %s call, got %s", queries.RouteConversations, got.Detail())
			}
		})
	}
}

// TestColdRoundTripsAreMinimal guards concurrency: with cold caches every
// query of the set reaches FreeScout in exactly the rounds its data allows,
// each call in its round: calls that need nothing from each other go out
// together. Rounds are counted by causality (gatewaytest.Lockstep holds each
// round's answers until all of its calls have arrived), so a slow machine
// cannot move a call into a later round; only a gateway that waits for an
// answer it does not need can, and that stalls the round.
func TestColdRoundTripsAreMinimal(t *testing.T) {
	for _, q := range queries.All() {
		t.Run(q.Name, func(t *testing.T) {
			// Held answers must outlast a stalled round, not time out first.
			env := gatewaytest.Start(t, gatewaytest.Options{Install: &gatewaytest.Current, UpstreamTimeout: 2 * gatewaytest.DefaultStall})
			c, err := queries.Client(env.Upstream)
			if err != nil {
				t.Fatal(err)
			}
			var vars map[string]any
			if q.Vars != nil {
				if vars, err = q.Vars(t.Context(), c); err != nil {
					t.Fatalf("choose variables: %v", err)
				}
			}
			minimum, err := q.Minimum(t.Context(), c, vars)
			if err != nil {
				t.Fatalf("compute the minimum: %v", err)
			}
			ls := env.Upstream.Lockstep(minimum.Cold.ByRound, 0)
			if err := queries.Ask(t.Context(), env, q, vars); err != nil {
				t.Fatal(err)
			}
			rounds, err := ls.Wait(env.Upstream)
			if err != nil {
				t.Errorf("cold: %v", err)
			}
			if rounds != minimum.Cold.Rounds {
				t.Errorf("cold: %d rounds, the data allows %d", rounds, minimum.Cold.Rounds)
			}
		})
	}
}

// TestSelectionDecisionsFollowEachOperation checks that what the resolvers
// learn about a query's selection (whether an embedded customer answers it)
// is kept for one operation only: the same document with other variables
// must decide afresh, both ways.
func TestSelectionDecisionsFollowEachOperation(t *testing.T) {
	env := gatewaytest.Start(t, gatewaytest.Options{})
	const doc = `query($full: Boolean!) {
  conversations(first: 5) { nodes { customer { id firstName company @include(if: $full) } } }
}`
	const route = "GET /api/customers/{id}"
	for i, full := range []bool{false, true, false} {
		env.Upstream.ResetCounts()
		r := env.Do(t, doc, map[string]any{"full": full})
		if len(r.Errors) > 0 {
			t.Fatalf("run %d: errors %+v", i, r.Errors)
		}
		calls := env.Upstream.Count(route)
		hasCompany := strings.Contains(string(r.Data), `"company"`)
		switch {
		case full && (calls == 0 && i == 1 || !hasCompany):
			t.Errorf("run %d ($full=true): %d customer calls, company in answer %v; want calls and company", i, calls, hasCompany)
		case !full && (calls != 0 || hasCompany):
			t.Errorf("run %d ($full=false): %d customer calls, company in answer %v; want neither", i, calls, hasCompany)
		}
	}
}

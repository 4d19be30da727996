package queries

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Measure runs run and returns what it cost upstream, as the emulator of up
// saw it: its calls per route and its sequential round trips. Nothing else
// may use the emulator meanwhile.
func Measure(up *gatewaytest.Upstream, run func() error) (Cost, error) {
	up.Log.Reset() // first: it waits for requests still being served
	up.ResetCounts()
	if err := run(); err != nil {
		return Cost{}, err
	}
	calls := up.Counts()
	for k, v := range calls {
		if v == 0 {
			delete(calls, k)
		}
	}
	return Cost{Calls: calls, Rounds: gatewaytest.RoundTrips(up.Log.Requests())}, nil
}

// Ask runs q through the gateway of env and fails unless the answer has
// data and no errors.
func Ask(ctx context.Context, env *gatewaytest.Env, q Query, vars map[string]any) error {
	_, err := AskCost(ctx, env, q, vars)
	return err
}

// AskCost is Ask that also returns the cost the gateway estimated for the
// query (its answer's extensions.cost.estimated; -1 when it has none).
func AskCost(ctx context.Context, env *gatewaytest.Env, q Query, vars map[string]any) (int, error) {
	res, err := env.Query(ctx, q.GraphQL, vars)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", q.Name, err)
	}
	estimated := -1
	if cost, ok := res.Extensions["cost"].(map[string]any); ok {
		if n, ok := cost["estimated"].(float64); ok {
			estimated = int(n)
		}
	}
	return estimated, answered(q, res)
}

// answered fails unless res has data and no errors.
func answered(q Query, res *gatewaytest.Response) error {
	if len(res.Errors) > 0 {
		msgs := make([]string, 0, len(res.Errors))
		for _, e := range res.Errors {
			msgs = append(msgs, fmt.Sprintf("%s (%s at %v)", e.Message, e.Code(), e.Path))
		}
		return fmt.Errorf("%s: graphql errors: %s", q.Name, strings.Join(msgs, "; "))
	}
	if res.Status != 200 || len(res.Data) == 0 || string(res.Data) == "null" {
		return fmt.Errorf("%s: status %d without data", q.Name, res.Status)
	}
	return nil
}

// Diff describes how got differs from want, per route; "" when the calls
// are the same.
func Diff(want, got map[string]int) string {
	var out []string
	for _, r := range slices.Sorted(maps.Keys(merge(want, got))) {
		if want[r] != got[r] {
			out = append(out, fmt.Sprintf("%s: want %d, got %d", r, want[r], got[r]))
		}
	}
	return strings.Join(out, "; ")
}

func merge(a, b map[string]int) map[string]int {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]int{}
	}
	maps.Copy(out, b)
	return out
}

// Client returns an upstream client for the emulator of up, to read the
// data that the minimums are computed from and to run the REST screens.
func Client(up *gatewaytest.Upstream) (*upstream.Client, error) {
	return upstream.New(up.URL, gatewaytest.APIKey)
}

package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// updateAnswers rewrites the golden answers of TestBenchmarkAnswersAreGolden:
//
//	go test ./gateway -run TestBenchmarkAnswersAreGolden -update
var updateAnswers = flag.Bool("update", false, "rewrite gateway/testdata/answers/*.json from the gateway's answers")

// answersDir holds one golden answer per benchmark query, <name>.json.
const answersDir = "testdata/answers"

// masked replaces, in an answer, a value that is not the same from one ask
// to the next (see volatile).
const masked = `"<masked>"`

// volatile is where an answer holds a value that differs between asks for a
// reason no change of the gateway's own work can remove, and how the test
// checks that value before masking it. Everything else in an answer, the
// names, order and spelling of every key and value and every byte between
// them, is compared as it is.
//
// extensions.cost (every query): estimated and actual are what the
// operation was charged and the FreeScout calls it made, which differ cold
// and warm by design (the warm ask is answered from the caches, and what the
// first ask learnt about the install makes the estimate tighter); remaining
// and resetAt are the caller's token bucket, which refills with the wall
// clock between asks. estimated and actual are pinned all the same, per ask,
// in testdata/answers/<name>.cost.json; actual must also be the calls the
// emulator saw during the ask.
//
// create-customer's customer.createdAt and updatedAt: the emulator stamps a
// new customer with its wall clock (the sample data is seeded and dated from
// a fixed reference time; a write is not, and the emulator's clock cannot
// be set from outside its package). The check asks them to be a time
// between the ask's start and its end.
func volatile(q queries.Query) map[string]check {
	count := func(v string, _ ask) error {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return fmt.Errorf("%s is not a count", v)
		}
		return nil
	}
	paths := map[string]check{
		"extensions.cost.estimated": count,
		"extensions.cost.remaining": count,
		"extensions.cost.actual": func(v string, a ask) error {
			if v != strconv.Itoa(a.calls) {
				return fmt.Errorf("%s, but FreeScout saw %d calls", v, a.calls)
			}
			return nil
		},
		"extensions.cost.resetAt": func(v string, a ask) error {
			// When the budget is full again: within the budget's period
			// (RATE_LIMIT's default, a minute) after the ask.
			return between(v, a.start, a.end.Add(time.Minute))
		},
	}
	if q.Name == queries.CreateCustomer().Name {
		now := func(v string, a ask) error { return between(v, a.start, a.end) }
		paths["data.createCustomer.customer.createdAt"] = now
		paths["data.createCustomer.customer.updatedAt"] = now
	}
	return paths
}

// check fails unless v, a value as the answer wrote it, fits the ask a.
type check func(v string, a ask) error

// between fails unless the JSON string v is an RFC 3339 time from start
// (to the second, as FreeScout's times are) to end.
func between(v string, start, end time.Time) error {
	s, err := strconv.Unquote(v)
	if err != nil {
		return fmt.Errorf("%s is not a string", v)
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("%s is not a time", v)
	}
	if at.Before(start.Truncate(time.Second)) || at.After(end) {
		return fmt.Errorf("%s is not between %s and %s", s, start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// ask is one request to the gateway: its answer, when it was asked and how
// many FreeScout calls the emulator saw meanwhile.
type ask struct {
	body       []byte
	start, end time.Time
	calls      int
}

// TestBenchmarkAnswersAreGolden pins what the gateway answers to every query
// of the benchmark set (bench/queries), byte for byte, so that work on the
// gateway's speed can show it changed nothing a client sees. Each query gets
// a fresh emulator of a current install (no latency, as BenchmarkQueries)
// and a fresh gateway in front of it, over loopback HTTP, and is asked twice:
// cold (the gateway has just started) and warm (its caches hold the first
// answer's data). Both answers must equal testdata/answers/<name>.json, but
// for the values volatile masks.
//
// A write changes the emulator's data (a second create makes a second
// customer with the next id), so the warm ask of a write goes to a second
// fresh emulator, seeded as the first was: the gateway is warm, and the data
// it writes to is what the cold ask found.
//
// After a deliberate change of the answers, rewrite the files and review
// their diff:
//
//	go test ./gateway -run TestBenchmarkAnswersAreGolden -update
func TestBenchmarkAnswersAreGolden(t *testing.T) {
	for _, q := range queries.All() {
		t.Run(q.Name, func(t *testing.T) {
			// The gateway's FreeScout is whichever emulator current holds.
			var current atomic.Pointer[gatewaytest.Upstream]
			current.Store(gatewaytest.StartUpstreamFor(t, 0, gatewaytest.Current))
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				current.Load().Emulator.ServeHTTP(w, r)
			}))
			t.Cleanup(front.Close)
			env := gatewaytest.Start(t, gatewaytest.Options{Emulator: &gatewaytest.Upstream{
				Emulator: current.Load().Emulator, URL: front.URL, Log: &gatewaytest.RequestLog{}, Install: gatewaytest.Current,
			}})
			var vars map[string]any
			if q.Vars != nil {
				c, err := queries.Client(current.Load())
				if err != nil {
					t.Fatal(err)
				}
				if vars, err = q.Vars(t.Context(), c); err != nil {
					t.Fatalf("choose variables: %v", err)
				}
			}
			body, err := json.Marshal(map[string]any{"query": q.GraphQL, "variables": vars})
			if err != nil {
				t.Fatal(err)
			}
			checks := volatile(q)
			path := filepath.Join(answersDir, q.Name+".json")
			costs := map[string]map[string]json.Number{}
			for i, run := range []string{"cold", "warm"} {
				if i > 0 && q.Writes {
					current.Store(gatewaytest.StartUpstreamFor(t, 0, gatewaytest.Current))
				}
				a, err := postRaw(t.Context(), env.URL, body, current.Load())
				if err != nil {
					t.Fatalf("%s: %v", run, err)
				}
				var res struct{ Errors []json.RawMessage }
				if err := json.Unmarshal(a.body, &res); err != nil || len(res.Errors) > 0 {
					// A golden answer pins data, not a failure.
					t.Fatalf("%s: want an answer without errors, got %.400s (decode: %v)", run, a.body, err)
				}
				got, found, err := maskJSON(a.body, checks)
				if err != nil {
					t.Fatalf("%s: %v\nanswer: %.400s", run, err, a.body)
				}
				for p, v := range found {
					if err := checks[p](string(v), a); err != nil {
						t.Errorf("%s: %s: %v", run, p, err)
					}
				}
				costs[run] = map[string]json.Number{}
				for _, k := range []string{"estimated", "actual"} {
					if v, ok := found["extensions.cost."+k]; ok {
						costs[run][k] = json.Number(v)
					}
				}
				if *updateAnswers && i == 0 {
					if err := os.MkdirAll(answersDir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if errors.Is(err, os.ErrNotExist) {
					t.Fatalf("no golden answer %s: run go test ./gateway -run TestBenchmarkAnswersAreGolden -update", path)
				}
				if err != nil {
					t.Fatal(err)
				}
				if d := firstDifference(want, got); d != "" {
					t.Errorf("%s answer differs from %s (-update rewrites it after a deliberate change):\n%s", run, path, d)
				}
			}
			// What each ask was charged and cost, pinned as the answers are.
			got, err := json.MarshalIndent(costs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			costPath := filepath.Join(answersDir, q.Name+".cost.json")
			if *updateAnswers {
				if err := os.WriteFile(costPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(costPath)
			if err != nil {
				t.Fatalf("%v: run go test ./gateway -run TestBenchmarkAnswersAreGolden -update", err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("the cost of the asks differs from %s:\ngolden %s\nnow    %s", costPath, want, got)
			}
		})
	}
}

// postRaw posts a GraphQL request body to the gateway at baseURL, for an
// uncompressed answer as the benchmark's client asks it, and returns the
// answer's body as it came, with the calls up's emulator saw meanwhile. It
// fails unless the status is 200.
func postRaw(ctx context.Context, baseURL string, body []byte, up *gatewaytest.Upstream) (ask, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return ask{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "identity")
	a := ask{start: time.Now()}
	before := up.Total()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return ask{}, err
	}
	defer res.Body.Close()
	a.body, err = io.ReadAll(res.Body)
	a.end, a.calls = time.Now(), up.Total()-before
	if err != nil {
		return ask{}, err
	}
	if res.StatusCode != http.StatusOK {
		return ask{}, fmt.Errorf("status %d: %.400s", res.StatusCode, a.body)
	}
	return a, nil
}

// maskJSON returns body with the scalar value at each of paths (dotted
// object keys from the top, "[]" for an array's elements) replaced by
// masked, and the values it replaced, as they were written, by path. Every
// other byte stays as it was. It fails when body is not JSON or holds a
// path twice; a path that holds an object or an array is not masked.
func maskJSON(body []byte, paths map[string]check) ([]byte, map[string][]byte, error) {
	type frame struct {
		object bool
		key    string // the key whose value comes next (objects)
		keyed  bool   // key is read, its value not yet
	}
	var stack []frame
	pathOf := func() string {
		parts := make([]string, 0, len(stack))
		for _, f := range stack {
			if f.object {
				parts = append(parts, f.key)
			} else {
				parts = append(parts, "[]")
			}
		}
		return strings.Join(parts, ".")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type span struct{ from, to int }
	var spans []span
	found := map[string][]byte{}
	for {
		from := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("answer at byte %d: %w", from, err)
		}
		to := int(dec.InputOffset())
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:top]
			if top > 0 {
				stack[top-1].keyed = false
			}
			continue
		}
		if top >= 0 && stack[top].object && !stack[top].keyed {
			stack[top].key, stack[top].keyed = tok.(string), true
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{'})
			continue
		}
		if p := pathOf(); paths[p] != nil {
			// The span runs from the end of the last token: skip the
			// separator and the white space before the value.
			for from < to && strings.IndexByte(":, \t\r\n", body[from]) >= 0 {
				from++
			}
			if _, dup := found[p]; dup {
				return nil, nil, fmt.Errorf("answer has %s twice", p)
			}
			found[p] = body[from:to]
			spans = append(spans, span{from, to})
		}
		if top >= 0 {
			stack[top].keyed = false
		}
	}
	var out bytes.Buffer
	last := 0
	for _, s := range spans {
		out.Write(body[last:s.from])
		out.WriteString(masked)
		last = s.to
	}
	out.Write(body[last:])
	return out.Bytes(), found, nil
}

// firstDifference describes where got first differs from want: the byte
// offset, and up to 200 bytes either side of it in each; "" when they are
// equal.
func firstDifference(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	around := func(b []byte) string {
		lo, hi := max(i-200, 0), min(i+200, len(b))
		return fmt.Sprintf("%s<<HERE>>%s", b[lo:i], b[i:hi])
	}
	return fmt.Sprintf("first difference at byte %d (golden %d bytes, answer %d bytes), at <<HERE>>:\ngolden: %s\nanswer: %s",
		i, len(want), len(got), around(want), around(got))
}

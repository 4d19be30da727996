// Command loadscript writes the wrk script of bench/load.sh: a Lua script
// that POSTs one query of the benchmark set (bench/queries) to the
// gateway's /graphql, so that the load generator asks exactly the query
// text the benchmark and the golden answers use, and that prints, when the
// load ends, one line of figures for the shell to read.
//
//	go run ./bench/loadscript -query inbox-names > post.lua
//	wrk -t2 -c16 -d15s -s post.lua http://127.0.0.1:8080/graphql
//	go run ./bench/loadscript -query inbox-names -body   # the request body alone (JSON), e.g. for curl
//
// Only a read without variables can be asked in a loop this way: a write
// would change the data under the load, and variables need FreeScout's data.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/scoutgraph/scoutgraph/bench/queries"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadscript:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loadscript", flag.ContinueOnError)
	name := fs.String("query", queries.InboxNames().Name, "the benchmark query to POST (a read without variables)")
	bodyOnly := fs.Bool("body", false, "print the request body (JSON) instead of the wrk script")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var names []string
	for _, q := range queries.All() {
		if q.Name != *name {
			names = append(names, q.Name)
			continue
		}
		if q.Writes || q.Vars != nil {
			return fmt.Errorf("%s writes or takes variables: want a read without variables", q.Name)
		}
		body, err := json.Marshal(map[string]any{"query": q.GraphQL})
		if err != nil {
			return err
		}
		out := luaScript(q.Name, string(body))
		if *bodyOnly {
			out = string(body) + "\n"
		}
		_, err = io.WriteString(stdout, out)
		return err
	}
	return fmt.Errorf("no query %q (the set: %s)", *name, strings.Join(names, ", "))
}

// luaScript is the wrk script that POSTs body. The body is a Lua long
// string, whose level (the = signs between its brackets) is one the body
// does not hold, so that it is taken byte for byte, without escapes.
//
// done prints the run's figures as one line, "LOAD key=value ...": the
// requests answered, the run's duration and the latency percentiles in
// microseconds, and the errors of each kind (status counts the answers
// that were not 2xx or 3xx).
func luaScript(name, body string) string {
	level := ""
	for strings.Contains(body, "]"+level+"]") {
		level += "="
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- Written by bench/loadscript: POST the benchmark query %s to the URL wrk is given.\n", name)
	b.WriteString(`wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- As the benchmark's client: the answer uncompressed, the gateway's own work.
wrk.headers["Accept-Encoding"] = "identity"
`)
	fmt.Fprintf(&b, "wrk.body = [%s[%s]%s]\n", level, body, level)
	b.WriteString(`
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOAD requests=%.0f duration_us=%.0f p50_us=%.0f p99_us=%.0f connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
`)
	return b.String()
}

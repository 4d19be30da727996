// Command bench measures how much FreeScout traffic and time scoutgraph
// spends on a set of realistic screens (package bench/queries), against the
// theoretical minimum and against a frontend calling FreeScout directly.
//
//	go run ./bench                         # 20ms upstream latency, 50 runs per query
//	go run ./bench -runs 5 -latency 5ms    # the short mode CI runs
//	go run ./bench -out bench/out/table.md # also write the table to a file
//	go run ./bench -attack                 # the inbox while attackers run alongside
//	go run ./bench -attack -bin ./old      # ...against another build of the gateway
//	go run ./bench -live                   # live events and the conversation cache (Redis at REDIS_URL)
//
// It starts the FreeScout emulator in this process with the injected
// latency (FreeScout's response time, see emulator.Options.Latency),
// builds the real gateway binary with `go build` into a temporary
// directory, and runs it as a subprocess pointed at the emulator: a fresh
// process per query, so that the first request meets cold caches. Each
// query is asked once cold, once warm, then -runs times more for the
// latency percentiles, which are therefore warm. The gateway's CPU time per
// request is the growth of the process's CPU time over those runs divided
// by their number (see cpuTime); the client, the emulator and the REST
// comparison run in this process and are not counted.
//
// The command fails when the gateway makes more or other upstream calls
// than the minimum; missed latency targets are flagged in the table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	latency time.Duration
	runs    int
	out     string
	only    []string
	attack  bool
	live    bool
	bin     string
}

// run is the whole command; args[0] is the program name.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.DurationVar(&o.latency, "latency", 20*time.Millisecond, "how long the emulator takes to answer each FreeScout request")
	fs.IntVar(&o.runs, "runs", 50, "timed runs per query (after one cold and one warm run)")
	fs.StringVar(&o.out, "out", "", "also write the report (markdown) to this file")
	only := fs.String("queries", "", "comma-separated query names to run (default: all)")
	fs.BoolVar(&o.attack, "attack", false, "measure the inbox while attackers run alongside, instead of the query set")
	fs.BoolVar(&o.live, "live", false, "measure live events (webhook to subscriber, memory, event rate) and the conversation cache, instead of the query set")
	fs.StringVar(&o.bin, "bin", "", "run this gateway binary instead of building one (e.g. an older build, to compare)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if o.runs < 1 || o.latency < 0 {
		return errors.New("-runs must be at least 1 and -latency not negative")
	}
	set := queries.All()
	if *only != "" {
		o.only = strings.Split(*only, ",")
		set = slices.DeleteFunc(set, func(q queries.Query) bool { return !slices.Contains(o.only, q.Name) })
		if len(set) == 0 {
			return fmt.Errorf("-queries %q names no query", *only)
		}
	}
	began := time.Now()
	header := machine(args)
	fmt.Fprint(stdout, header)

	tmp, err := os.MkdirTemp("", "scoutgraph-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := o.bin
	if bin == "" {
		fmt.Fprintln(stderr, "building the gateway...")
		if bin, err = gatewaytest.BuildBinary(ctx, tmp); err != nil {
			return err
		}
	}
	up, stopUp, err := startEmulator(o.latency)
	if err != nil {
		return err
	}
	defer stopUp()
	if o.live {
		report, err := runLive(ctx, o, bin, up, stderr)
		return output(stdout, o, header, report, err)
	}
	if o.attack {
		report, err := runAttack(ctx, o, bin, up)
		return output(stdout, o, header, report, err)
	}
	client, err := queries.Client(up)
	if err != nil {
		return err
	}
	var rows []row
	for _, q := range set {
		fmt.Fprintf(stderr, "%s...\n", q.Name)
		r, err := measure(ctx, o, bin, up, client, q)
		if err != nil {
			return fmt.Errorf("%s: %w", q.Name, err)
		}
		rows = append(rows, r)
	}
	report := header + "\n" + table(rows, o) + "\n" + notes(rows, o, time.Since(began))
	fmt.Fprint(stdout, "\n"+table(rows, o)+"\n"+notes(rows, o, time.Since(began)))
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	var missed []string
	for _, r := range rows {
		if !r.callsOK() {
			missed = append(missed, r.q.Name)
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("upstream calls above the minimum: %s", strings.Join(missed, ", "))
	}
	return nil
}

// output prints a mode's report, and writes it with the header to -out.
func output(stdout io.Writer, o options, header, report string, err error) error {
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, "\n"+report)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(header+"\n"+report), 0o644)
	}
	return nil
}

// machine describes the machine and the command line, as markdown.
func machine(args []string) string {
	cmd := args[0]
	if strings.Contains(cmd, "go-build") {
		cmd = "go run ./bench" // a `go run` binary lives in a go-build temp dir
	}
	cmdline := strings.TrimSpace(cmd + " " + strings.Join(args[1:], " "))
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("command: `%s`\n\nmachine: %d CPUs (nproc), %s, %s/%s, kernel %s, %s; load average at start %s\n",
		cmdline, runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, strings.TrimSpace(string(kernel)), runtime.Version(), loadAverage())
}

// loadAverage is the 1-minute load average: on a busy machine latencies
// grow and CPU times with them.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	first, _, _ := strings.Cut(string(b), " ")
	return first
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// startEmulator serves the FreeScout emulator on a loopback port, logging
// every request it receives.
func startEmulator(latency time.Duration) (*gatewaytest.Upstream, func(), error) {
	emu := emulator.New(emulator.Options{APIKey: gatewaytest.APIKey, Latency: latency})
	log := &gatewaytest.RequestLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: %w", err)
	}
	srv := &http.Server{Handler: log.Handler(emu), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	up := &gatewaytest.Upstream{Emulator: emu, URL: "http://" + ln.Addr().String(), Log: log}
	return up, func() { _ = srv.Close() }, nil
}

// row is what the benchmark found out about one query.
type row struct {
	q                queries.Query
	min              queries.Minimum
	cold, warm       queries.Cost    // the gateway's upstream cost
	drift            int             // timed runs whose calls differed from the warm run's
	coldLatency      time.Duration   // the cold request
	latencies        []time.Duration // the timed (warm) requests
	cpu              time.Duration   // gateway CPU per timed request
	cpuStat, cpuSync time.Duration   // gateway CPU over the timed runs: /proc/<pid>/stat and schedstat
	rest             queries.Cost    // the frontend without the gateway
	restLatencies    []time.Duration
	estCold, estWarm int // the gateway's estimated cost (extensions.cost)
}

// measure runs one query: the REST screen, then a fresh gateway cold, warm
// and o.runs more times.
func measure(ctx context.Context, o options, bin string, up *gatewaytest.Upstream, client *upstream.Client, q queries.Query) (row, error) {
	r := row{q: q}
	var vars map[string]any
	var err error
	if q.Vars != nil {
		if vars, err = q.Vars(ctx, client); err != nil {
			return r, fmt.Errorf("variables: %w", err)
		}
	}
	if r.min, err = q.Minimum(ctx, client, vars); err != nil {
		return r, fmt.Errorf("minimum: %w", err)
	}
	for i := range o.runs + 1 {
		var d time.Duration
		c, err := queries.Measure(up, func() error {
			start := time.Now()
			err := q.REST(ctx, client, vars)
			d = time.Since(start)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("rest: %w", err)
		}
		if i == 0 {
			r.rest = c
			continue
		}
		r.restLatencies = append(r.restLatencies, d)
	}

	gw, err := gatewaytest.StartProcess(ctx, bin, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey, "LOG_LEVEL=warn")
	if err != nil {
		return r, err
	}
	defer gw.Stop()
	env := &gatewaytest.Env{Upstream: up, URL: gw.URL}
	var estimated int
	ask := func() (queries.Cost, time.Duration, error) {
		var d time.Duration
		c, err := queries.Measure(up, func() error {
			start := time.Now()
			var err error
			estimated, err = queries.AskCost(ctx, env, q, vars)
			d = time.Since(start)
			return err
		})
		if err != nil {
			err = fmt.Errorf("%w\ngateway log:\n%s", err, gw.Logs())
		}
		return c, d, err
	}
	if r.cold, r.coldLatency, err = ask(); err != nil {
		return r, err
	}
	r.estCold = estimated
	if r.warm, _, err = ask(); err != nil {
		return r, err
	}
	r.estWarm = estimated
	pid := gw.Pid()
	sched0, stat0, err := cpuTime(pid)
	if err != nil {
		return r, err
	}
	for range o.runs {
		c, d, err := ask()
		if err != nil {
			return r, err
		}
		if queries.Diff(r.warm.Calls, c.Calls) != "" {
			r.drift++
		}
		r.latencies = append(r.latencies, d)
	}
	sched1, stat1, err := cpuTime(pid)
	if err != nil {
		return r, err
	}
	r.cpuSync, r.cpuStat = sched1-sched0, stat1-stat0
	r.cpu = r.cpuStat / time.Duration(o.runs)
	if sched0 > 0 {
		r.cpu = r.cpuSync / time.Duration(o.runs)
	}
	return r, nil
}

// callsOK reports whether the gateway made exactly the minimum calls, per
// route, cold and warm.
func (r row) callsOK() bool {
	return queries.Diff(r.min.Cold.Calls, r.cold.Calls) == "" && queries.Diff(r.min.Warm.Calls, r.warm.Calls) == ""
}

// target is the p50 the query should reach: the warm minimum of rounds
// times the latency, plus 5ms for everything else.
func (r row) target(latency time.Duration) time.Duration {
	return time.Duration(r.min.Warm.Rounds)*latency + 5*time.Millisecond
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// table renders the rows as a markdown table.
func table(rows []row, o options) string {
	head := []string{"query", "gateway calls cold/warm", "estimated cost cold/warm", "minimum calls cold/warm", "gateway rounds cold/warm",
		"minimum rounds cold/warm", "REST calls/rounds", "p50", "p95", "p50 target", "REST p50", "gateway CPU/req", "targets"}
	cells := [][]string{head}
	for _, r := range rows {
		p50 := percentile(r.latencies, 50)
		var miss []string
		if !r.callsOK() {
			miss = append(miss, "calls")
		}
		if p50 > r.target(o.latency) {
			miss = append(miss, "p50")
		}
		status := "✓"
		if len(miss) > 0 {
			status = "✗ " + strings.Join(miss, ", ")
		}
		cells = append(cells, []string{
			r.q.Name,
			fmt.Sprintf("%d / %d", r.cold.Total(), r.warm.Total()),
			fmt.Sprintf("%d / %d", r.estCold, r.estWarm),
			fmt.Sprintf("%d / %d", r.min.Cold.Total(), r.min.Warm.Total()),
			fmt.Sprintf("%d / %d", r.cold.Rounds, r.warm.Rounds),
			fmt.Sprintf("%d / %d", r.min.Cold.Rounds, r.min.Warm.Rounds),
			fmt.Sprintf("%d / %d", r.rest.Total(), r.rest.Rounds),
			ms(p50), ms(percentile(r.latencies, 95)), ms(r.target(o.latency)),
			ms(percentile(r.restLatencies, 50)), ms(r.cpu), status,
		})
	}
	widths := make([]int, len(head))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		b.WriteString("|")
		for i, c := range row {
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
		b.WriteString("\n")
	}
	line(cells[0])
	b.WriteString("|")
	for _, w := range widths {
		b.WriteString(strings.Repeat("-", w+2) + "|")
	}
	b.WriteString("\n")
	for _, row := range cells[1:] {
		line(row)
	}
	return b.String()
}

// notes explains the table and lists anything unexpected.
func notes(rows []row, o options, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nupstream latency %s per FreeScout request; %d timed runs per query after one cold and one warm run; bench took %s; load average at the end %s.\n",
		o.latency, o.runs, took.Round(100*time.Millisecond), loadAverage())
	b.WriteString("calls and rounds are counted by the emulator; a round is a set of upstream requests in flight together.\n")
	b.WriteString("p50/p95: warm requests, client to gateway and back. p50 target: minimum warm rounds × latency + 5 ms.\n")
	b.WriteString("REST: the same screen from a frontend calling FreeScout directly (embeds, deduplication, concurrent fan-out, no cache).\n")
	b.WriteString("estimated cost: the gateway's estimate before running the query (extensions.cost.estimated), an upper bound of its calls with cold caches; warm, it knows how many mailboxes and user pages there are. It counts a lookup per list item where the data decides (distinct customers, mailboxes).\n")
	var sched, stat time.Duration
	for _, r := range rows {
		sched += r.cpuSync
		stat += r.cpuStat
	}
	method := "the sum of the gateway's threads' /proc/<pid>/task/*/schedstat run times"
	if sched == 0 {
		method = "utime+stime of /proc/<pid>/stat (10 ms ticks)"
	}
	fmt.Fprintf(&b, "gateway CPU/req: growth of the gateway process's CPU time over the timed runs ÷ runs, from %s; cross-check over all timed runs: schedstat %s, /proc/<pid>/stat utime+stime %s.\n",
		method, ms(sched), ms(stat))
	for _, r := range rows {
		if d := queries.Diff(r.min.Cold.Calls, r.cold.Calls); d != "" {
			fmt.Fprintf(&b, "%s cold calls differ from the minimum: %s\n", r.q.Name, d)
		}
		if d := queries.Diff(r.min.Warm.Calls, r.warm.Calls); d != "" {
			fmt.Fprintf(&b, "%s warm calls differ from the minimum: %s\n", r.q.Name, d)
		}
		if r.drift > 0 {
			fmt.Fprintf(&b, "%s: %d of %d timed runs made other calls than the warm run (a cache expired)\n", r.q.Name, r.drift, o.runs)
		}
	}
	return b.String()
}

package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/bench/queries"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		in   []time.Duration
		p    int
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 95, 7 * time.Millisecond},
		{ms(5, 1, 4, 2, 3), 50, 3 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 95, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("percentile(%v, %d) = %v, want %v", tt.in, tt.p, got, tt.want)
		}
	}
}

func TestCPUTimeOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system: the benchmark reads the gateway's CPU time there")
	}
	sched0, stat0, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(50 * time.Millisecond); time.Now().Before(deadline); {
	}
	sched1, stat1, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if stat1 < stat0 || sched1 < sched0 {
		t.Errorf("cpu time went back: stat %v → %v, schedstat %v → %v", stat0, stat1, sched0, sched1)
	}
}

func TestTableFlagsMissedTargets(t *testing.T) {
	want := queries.Cost{Calls: map[string]int{queries.RouteConversations: 1}, Rounds: 1}
	ok := row{q: queries.Query{Name: "fine"}, min: queries.Minimum{Cold: want, Warm: want}, cold: want, warm: want,
		latencies: []time.Duration{10 * time.Millisecond}}
	slow := ok
	slow.q.Name, slow.latencies = "slow", []time.Duration{40 * time.Millisecond}
	chatty := ok
	chatty.q.Name = "chatty"
	chatty.warm = queries.Cost{Calls: map[string]int{queries.RouteConversations: 1, queries.RouteCustomer: 3}, Rounds: 2}
	out := table([]row{ok, slow, chatty}, options{latency: 20 * time.Millisecond, runs: 1})
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "| fine "):
			if !strings.Contains(line, "| ✓ ") {
				t.Errorf("fine: %s", line)
			}
		case strings.HasPrefix(line, "| slow "):
			if !strings.Contains(line, "✗ p50") {
				t.Errorf("slow: %s", line)
			}
		case strings.HasPrefix(line, "| chatty "):
			if !strings.Contains(line, "✗ calls") || !strings.Contains(line, "| 1 / 4 ") {
				t.Errorf("chatty: %s", line)
			}
		}
	}
}

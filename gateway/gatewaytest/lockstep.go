package gatewaytest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lockstep measures an operation's sequential rounds of upstream calls by
// causality instead of by timing. The emulator holds every request of a
// round until all the calls the plan expects in that round have arrived,
// then lets them all through at once, and moves on to the next round.
//
// A call the gateway only sends after some answer of its round (it waited
// when it had no need to) stalls the round: the answers it waits for are
// held until every expected call has arrived, which never happens. The
// round is let through after a generous stall timeout, and Wait reports it.
// So a pass does not depend on the machine's speed, and only a real
// dependency, not a slow scheduler, can move a call into a later round.
//
// Calls the plan does not expect in the current round are let through at
// once and reported, as are calls after the last planned round.
type Lockstep struct {
	plan  []map[string]int
	stall time.Duration

	mu       sync.Mutex
	round    int            // index of the round being gathered
	got      map[string]int // calls of that round so far
	release  chan struct{}  // closed when that round may go on
	problems []string       // what went against the plan
	timer    *time.Timer
}

// DefaultStall is how long a lockstep round waits for its missing calls
// before letting the ones it holds through and reporting a stall. Only a
// gateway that waits for an answer it does not need gets near it. It stays
// below the 30 s a shared cache load may take (cache.Store), so that a held
// directory call is reported as a stall, not as FreeScout timing out.
const DefaultStall = 20 * time.Second

// Lockstep starts a lockstep measurement of the next operation against up:
// plan lists each round's expected calls by route ("GET /api/customers/{id}":
// 34), as bench/queries minimums give them. Call Wait once the operation is
// done. Nothing else may use the emulator meanwhile.
func (up *Upstream) Lockstep(plan []map[string]int, stall time.Duration) *Lockstep {
	if stall <= 0 {
		stall = DefaultStall
	}
	ls := &Lockstep{plan: plan, stall: stall}
	ls.startRound(0)
	up.Log.mu.Lock()
	up.Log.gate = ls
	up.Log.mu.Unlock()
	return ls
}

// Wait ends the measurement: it stops holding requests and returns the
// number of rounds the calls took, and an error describing every departure
// from the plan (a stalled round, a call not expected where it came).
func (ls *Lockstep) Wait(up *Upstream) (int, error) {
	up.Log.mu.Lock()
	up.Log.gate = nil
	up.Log.mu.Unlock()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	rounds := ls.round
	if rounds < len(ls.plan) && len(ls.got) > 0 {
		rounds++ // the last round gathered part of its calls
	}
	if ls.round < len(ls.plan) {
		ls.problems = append(ls.problems, fmt.Sprintf("round %d: the operation ended with %s of the expected %s",
			ls.round+1, routes(ls.got), routes(ls.plan[ls.round])))
		ls.finish()
	}
	if len(ls.problems) > 0 {
		return rounds, fmt.Errorf("lockstep: %s", strings.Join(ls.problems, "; "))
	}
	return rounds, nil
}

// admit holds r until its round may go on.
func (ls *Lockstep) admit(r *http.Request) {
	route := RouteOf(r.Method, r.URL.Path)
	ls.mu.Lock()
	if ls.round >= len(ls.plan) {
		ls.problems = append(ls.problems, fmt.Sprintf("%s came after the %d planned rounds", route, len(ls.plan)))
		ls.mu.Unlock()
		return
	}
	if ls.got[route] >= ls.plan[ls.round][route] {
		ls.problems = append(ls.problems, fmt.Sprintf("round %d: %s was not expected (the plan has %s)", ls.round+1, route, routes(ls.plan[ls.round])))
		ls.mu.Unlock()
		return
	}
	ls.got[route]++
	release := ls.release
	if maps.Equal(ls.got, ls.plan[ls.round]) {
		ls.next()
	}
	ls.mu.Unlock()
	select {
	case <-release:
	case <-r.Context().Done():
	}
}

// startRound begins gathering round i. The caller holds mu (or owns ls).
func (ls *Lockstep) startRound(i int) {
	ls.round, ls.got, ls.release = i, map[string]int{}, make(chan struct{})
	if i >= len(ls.plan) {
		return
	}
	release := ls.release
	ls.timer = time.AfterFunc(ls.stall, func() {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		if ls.release != release {
			return // the round completed meanwhile
		}
		ls.problems = append(ls.problems, fmt.Sprintf("round %d stalled: %s arrived of the expected %s; the gateway waited for an answer before sending the rest",
			ls.round+1, routes(ls.got), routes(ls.plan[ls.round])))
		ls.next()
	})
}

// next lets the gathered round through and starts the next. The caller
// holds mu.
func (ls *Lockstep) next() {
	ls.finish()
	ls.startRound(ls.round + 1)
}

// finish lets the gathered round through. The caller holds mu.
func (ls *Lockstep) finish() {
	if ls.timer != nil {
		ls.timer.Stop()
	}
	close(ls.release)
}

// RouteOf is the route key of a request as the emulator counts it: the
// method and the path with every numeric segment written {id}.
func RouteOf(method, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if _, err := strconv.Atoi(s); err == nil {
			segs[i] = "{id}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

func routes(calls map[string]int) string {
	if len(calls) == 0 {
		return "no calls"
	}
	parts := make([]string, 0, len(calls))
	for _, r := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", r, calls[r]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Package queries is a named set of realistic GraphQL queries against
// scoutgraph, each with what it must cost upstream: the theoretical minimum
// number of FreeScout calls (per route) and of sequential round trips, with
// cold and with warm gateway caches, computed from FreeScout's data; and the
// same screen done without the gateway, by a REST client talking to
// FreeScout directly.
//
// The efficiency tests (gateway/efficiency_test.go) hold the gateway to the
// minimum call counts; the benchmark command (bench/) measures all of it.
//
// # What "theoretical minimum" means here
//
// FreeScout has no batch endpoints, so the minimum is counted against the
// API as it is: a call is needed for every piece of data the query selects
// that no earlier call returned (an embedded person answers its name; a list
// answers what it embeds). Calls that only a client knowing the data in
// advance could make (guessing a customer id before the conversation names
// it) are not allowed, and neither is fetching a whole table because the
// sample happens to be small (all customers in one page): a call's cost must
// not grow with the size of the helpdesk. A round is a set of calls that can
// be in flight together; a call belongs to a later round only when it needs
// an id that an earlier call returns. Pages are at most 100 items, the page
// size the gateway asks FreeScout for (FreeScout documents no maximum).
//
// "Cold" is a gateway that has just started; "warm" is the same gateway
// right after it answered the same query, within the cache lifetimes:
// mailboxes, users and customer profiles 1 minute, custom-field definitions
// 10 minutes. Conversations, threads and folder counts are never cached:
// they change all the time and a helpdesk shows them live.
//
// # Without the gateway
//
// Each query's REST function draws the same screen the way a careful
// frontend would against FreeScout directly: it asks for the embeds it
// needs, deduplicates identical requests within the screen, fans out
// everything that depends on one answer concurrently, and fetches what it
// needs by id (GET /api/users/{id} for an assignee, not the whole user
// list). It keeps no cache between screens, so its cold and warm costs are
// the same.
package queries

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Upstream routes, keyed as the emulator counts them (emulator.Count).
const (
	RouteConversations = "GET /api/conversations"
	RouteConversation  = "GET /api/conversations/{id}"
	RouteCustomer      = "GET /api/customers/{id}"
	RouteUsers         = "GET /api/users"
	RouteUser          = "GET /api/users/{id}"
	RouteMailboxes     = "GET /api/mailboxes"
	RouteFields        = "GET /api/mailboxes/{id}/custom_fields"
	RouteFolders       = "GET /api/mailboxes/{id}/folders"
	RouteNewCustomer   = "POST /api/customers"
)

// Cost is what answering a query costs upstream: calls per route and the
// number of sequential round trips. A theoretical minimum also says which
// calls belong to which round (ByRound), which the lockstep measurement
// (gatewaytest.Lockstep) holds the gateway to.
type Cost struct {
	Calls  map[string]int // route → calls; routes with no calls are left out
	Rounds int
	// ByRound are the calls of each round (ByRound[0] is the first), per
	// route; set for minimums, not for measured costs.
	ByRound []map[string]int
}

// Total is the number of calls over every route.
func (c Cost) Total() int {
	n := 0
	for _, v := range c.Calls {
		n += v
	}
	return n
}

// String writes the cost as "calls/rounds".
func (c Cost) String() string { return fmt.Sprintf("%d/%d", c.Total(), c.Rounds) }

// Detail lists the calls per route, sorted by route.
func (c Cost) Detail() string {
	parts := make([]string, 0, len(c.Calls))
	for _, r := range slices.Sorted(maps.Keys(c.Calls)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", r, c.Calls[r]))
	}
	return strings.Join(parts, ", ")
}

// add counts n calls of route in round (1 for the first); n <= 0 adds
// nothing.
func (c *Cost) add(round int, route string, n int) {
	if n <= 0 {
		return
	}
	if c.Calls == nil {
		c.Calls = map[string]int{}
	}
	c.Calls[route] += n
	for len(c.ByRound) < round {
		c.ByRound = append(c.ByRound, map[string]int{})
	}
	c.ByRound[round-1][route] += n
	c.Rounds = max(c.Rounds, len(c.ByRound))
}

// Minimum is a query's theoretical minimum cost with cold and warm caches.
type Minimum struct {
	Cold, Warm Cost
}

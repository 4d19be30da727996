package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scoutgraph/scoutgraph/bench/queries"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// The attack mode (-attack): how the inbox fares while other callers send
// what an attacker would, on one gateway process. Each scenario starts a
// fresh gateway, warms it with the inbox, then times -runs inbox requests
// while the attackers keep sending theirs.

// attackers is how many attacking clients run at once.
const attackers = 4

// scenario is one attack.
type scenario struct {
	name  string
	query string // "" for none
}

func scenarios() []scenario {
	nest := "id"
	for range 4 {
		nest = "customer { id conversations(first: 100) { nodes { id " + nest + " } } }"
	}
	var fan strings.Builder
	fan.WriteString("{ ")
	for i := range 100 {
		fmt.Fprintf(&fan, `c%d: conversation(id: "%d") { id subject } `, i, i+1)
	}
	fan.WriteString("}")
	return []scenario{
		{name: "alone"},
		{name: "customer.conversations nested 4 levels (253 bytes)", query: "{ conversations(first: 100) { nodes { " + nest + " } } }"},
		{name: "100 conversations by id in one operation (allowed: cost 100)", query: fan.String()},
	}
}

// attackResult is what one scenario measured.
type attackResult struct {
	s                   scenario
	p50, p95            time.Duration
	attacks, calls, err int64
}

// runAttack measures every scenario and returns the report.
func runAttack(ctx context.Context, o options, bin string, up *gatewaytest.Upstream) (string, error) {
	inbox := queries.InboxNames()
	var results []attackResult
	for _, s := range scenarios() {
		r, err := attack(ctx, o, bin, up, inbox, s)
		if err != nil {
			return "", fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| attack (%d clients sending it in a loop) | inbox p50 | inbox p95 | attack requests | of them failed | FreeScout calls meanwhile |\n|---|---|---|---|---|---|\n", attackers)
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %d |\n", r.s.name, ms(r.p50), ms(r.p95), r.attacks, r.err, r.calls)
	}
	fmt.Fprintf(&b, "\ninbox: %s, %d timed runs after one warm-up, upstream latency %s.\n", inbox.Name, o.runs, o.latency)
	return b.String(), nil
}

// The two callers of the attack mode: the agent whose inbox is timed and
// the attacker, each with a budget of its own (a gateway without callers,
// such as an older build, ignores their tokens).
const (
	inboxToken  = "bench-inbox-token"
	attackToken = "bench-attack-token"
)

// tokensFile writes the AUTH_TOKENS_FILE of the two callers into dir.
func tokensFile(dir string) (string, error) {
	entry := func(name, token string) string {
		sum := sha256.Sum256([]byte(token))
		return fmt.Sprintf(`{"name":%q,"tokenSha256":%q,"scopes":["read"]}`, name, hex.EncodeToString(sum[:]))
	}
	path := filepath.Join(dir, "tokens.json")
	body := `{"callers":[` + entry("inbox", inboxToken) + "," + entry("attacker", attackToken) + `]}`
	return path, os.WriteFile(path, []byte(body), 0o600)
}

func attack(ctx context.Context, o options, bin string, up *gatewaytest.Upstream, inbox queries.Query, s scenario) (attackResult, error) {
	r := attackResult{s: s}
	tokens, err := tokensFile(filepath.Dir(bin))
	if err != nil {
		return r, err
	}
	gw, err := gatewaytest.StartProcess(ctx, bin, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey, "LOG_LEVEL=error",
		"AUTH=tokens", "AUTH_TOKENS_FILE="+tokens)
	if err != nil {
		return r, err
	}
	defer gw.Stop()
	env := &gatewaytest.Env{Upstream: up, URL: gw.URL, Header: http.Header{"Authorization": {"Bearer " + inboxToken}}}
	attacker := &gatewaytest.Env{Upstream: up, URL: gw.URL, Header: http.Header{"Authorization": {"Bearer " + attackToken}}}
	if err := queries.Ask(ctx, env, inbox, nil); err != nil {
		return r, err
	}
	actx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var attacks, failed atomic.Int64
	if s.query != "" {
		for range attackers {
			wg.Go(func() {
				for actx.Err() == nil {
					res, err := attacker.Query(actx, s.query, nil)
					if actx.Err() != nil {
						return // cut short by the end of the measurement
					}
					attacks.Add(1)
					if err != nil || len(res.Errors) > 0 {
						failed.Add(1)
					}
				}
			})
		}
	}
	before := up.Total()
	var lat []time.Duration
	for range o.runs {
		start := time.Now()
		if err := queries.Ask(ctx, env, inbox, nil); err != nil {
			stop()
			wg.Wait()
			return r, err
		}
		lat = append(lat, time.Since(start))
	}
	r.calls = int64(up.Total() - before)
	stop()
	wg.Wait()
	r.p50, r.p95 = percentile(lat, 50), percentile(lat, 95)
	r.attacks, r.err = attacks.Load(), failed.Load()
	return r, nil
}

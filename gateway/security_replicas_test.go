package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/auth/authtest"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// TestReplicasShareBudgetsAndPersistedQueries: two gateway processes on one
// Redis draw a caller's budget from one pot, and a query registered through
// one (APQ) runs by its hash through the other.
func TestReplicasShareBudgetsAndPersistedQueries(t *testing.T) {
	redisURL, client := sharedRedis(t)
	prefix := keyPrefix(t, client)
	up := gatewaytest.StartUpstream(t, 0)
	path, tokens := authtest.TokensFile(t, authtest.TokenCaller{Name: "replicas", Scopes: auth.AllScopes})
	settings := []string{
		"FREESCOUT_URL=" + up.URL, "FREESCOUT_API_KEY=" + gatewaytest.APIKey,
		"REDIS_URL=" + redisURL, "REDIS_PREFIX=" + prefix,
		"AUTH=tokens", "AUTH_TOKENS_FILE=" + path,
		"RATE_LIMIT=12/h", "MAX_COST=5", "LOG_LEVEL=warn",
	}
	a := gatewaytest.StartProcessT(t, settings...)
	b := gatewaytest.StartProcessT(t, settings...)
	h := bearer(tokens["replicas"])

	// APQ: unknown hash, registered through A, run by hash through B.
	query := fmt.Sprintf(`query Replicas%s { conversation(id: "1") { id } }`, hex.EncodeToString([]byte(prefix))[:8])
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	r, err := gatewaytest.Post(t.Context(), a.URL, map[string]any{"extensions": ext}, h)
	if err != nil || codeOf(r) != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %v, %+v", err, r)
	}
	if r, err = gatewaytest.Post(t.Context(), a.URL, map[string]any{"query": query, "extensions": ext}, h); err != nil || len(r.Errors) > 0 {
		t.Fatalf("register through A: %v, %+v", err, r)
	}
	if r, err = gatewaytest.Post(t.Context(), b.URL, map[string]any{"extensions": ext}, h); err != nil || len(r.Errors) > 0 || string(r.Data) != `{"conversation":{"id":"1"}}` {
		t.Fatalf("run by hash through B: %v, %+v", err, r)
	}

	// The budget: 12 calls an hour; two went to the APQ runs (the refused
	// one cost nothing). Each query below costs one call, alternately on A
	// and B; the eleventh finds the pot empty on either.
	for i := range 11 {
		gw := a
		if i%2 == 1 {
			gw = b
		}
		r, err := gatewaytest.Post(t.Context(), gw.URL, map[string]any{"query": `{ conversation(id: "2") { id } }`}, h)
		if err != nil {
			t.Fatal(err)
		}
		if i < 10 {
			if len(r.Errors) > 0 {
				t.Fatalf("query %d: %+v", i, r.Errors)
			}
			continue
		}
		if r.Status != 429 || codeOf(r) != "RATE_LIMITED" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("query %d: status %d, Retry-After %q, errors %+v; want 429 RATE_LIMITED", i, r.Status, r.Header.Get("Retry-After"), r.Errors)
		}
	}
	// And extensions.cost says what is left.
	r, err = gatewaytest.Post(t.Context(), a.URL, map[string]any{"query": `{ rateLimit { cost limit remaining } }`}, h)
	if err != nil || r.Status != 200 || string(r.Data) != `{"rateLimit":{"cost":0,"limit":12,"remaining":0}}` {
		t.Errorf("rateLimit: %v, status %d, data %s, errors %+v", err, r.Status, r.Data, r.Errors)
	}
}

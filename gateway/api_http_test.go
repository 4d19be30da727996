package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// httpGet fetches url and returns the status and body.
func httpGet(t *testing.T, u string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

func getBody(t *testing.T, u string) string {
	t.Helper()
	status, _, body := httpGet(t, u)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, status, body)
	}
	return body
}

// TestAPIHealthAndReadiness: /healthz answers while the process lives,
// /readyz follows FreeScout.
func TestAPIHealthAndReadiness(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})

	if status, _, body := httpGet(t, a.URL+"/healthz"); status != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz: %d %q", status, body)
	}
	status, _, body := httpGet(t, a.URL+"/readyz")
	if status != 200 {
		t.Errorf("/readyz with FreeScout up: %d %s", status, body)
	}
	var ready map[string]string
	if err := json.Unmarshal([]byte(body), &ready); err != nil || ready["freescout"] != "ok" {
		t.Errorf("/readyz body %q: %v", body, err)
	}

	for _, f := range []emulator.Fault{{Status: 503}, {Status: 500}, {Malformed: true}, {Status: 401}} {
		a.Upstream.InjectFault("GET /api/mailboxes", f)
		status, _, body = httpGet(t, a.URL+"/readyz")
		if status != http.StatusServiceUnavailable {
			t.Errorf("/readyz with FreeScout failing %+v: %d %s", f, status, body)
		}
		if err := json.Unmarshal([]byte(body), &ready); err != nil || ready["freescout"] != "unavailable" {
			t.Errorf("/readyz body %q: %v", body, err)
		}
		for _, s := range a.secrets() {
			if strings.Contains(body, s) {
				t.Errorf("/readyz shows %q: %s", s, body)
			}
		}
		if status, _, _ := httpGet(t, a.URL+"/healthz"); status != 200 {
			t.Errorf("/healthz follows FreeScout: %d", status)
		}
		a.Upstream.ClearFaults()
	}
	if status, _, body := httpGet(t, a.URL+"/readyz"); status != 200 {
		t.Errorf("/readyz after FreeScout recovered: %d %s", status, body)
	}
}

// TestAPIMetrics: /metrics counts the gateway's HTTP requests, its calls
// to FreeScout (by method and endpoint template), each operation's
// duration and calls by name and type, errors by code, cache lookups, and
// says which build runs.
func TestAPIMetrics(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	// What the gateway asked FreeScout about the install at start counts too.
	started := getBody(t, a.URL+"/metrics")
	a.data(t, `query Detail { conversation(id: "1") { id customer { id company } } }`, nil)
	body := getBody(t, a.URL+"/metrics")
	for _, series := range []string{
		`scoutgraph_upstream_requests_total{endpoint="/api/conversations/{id}",method="GET",status="200"}`,
		`scoutgraph_upstream_requests_total{endpoint="/api/customers/{id}",method="GET",status="200"}`,
	} {
		if d := metricValue(body, series) - metricValue(started, series); d != 1 {
			t.Errorf("/metrics: %s grew by %v, want 1", series, d)
		}
	}
	for _, want := range []string{
		`scoutgraph_http_requests_total{method="POST",route="/graphql",status="200"} 1`,
		`scoutgraph_operation_duration_seconds_count{operation_name="Detail",operation_type="query"} 1`,
		`scoutgraph_operation_upstream_calls_sum{operation_name="Detail",operation_type="query"} 2`,
		`scoutgraph_cache_lookups_total{kind="customer",result="miss"} 1`,
		`scoutgraph_build_info{goversion="go`,
		`scoutgraph_subscriptions 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	a.Upstream.InjectFault("GET /api/conversations/{id}", emulator.Fault{Status: 404})
	a.Do(t, `{ conversation(id: "1") { id } }`, nil)
	a.Do(t, `{ conversation(id: "1") { nosuchfield } }`, nil)
	body = getBody(t, a.URL+"/metrics")
	for _, want := range []string{
		`scoutgraph_http_requests_total{method="POST",route="/graphql",status="200"} 3`,
		`scoutgraph_upstream_requests_total{endpoint="/api/conversations/{id}",method="GET",status="404"} 1`,
		`scoutgraph_operation_duration_seconds_count{operation_name="anonymous",operation_type="query"} 1`,
		`scoutgraph_graphql_errors_total{code="NOT_FOUND"} 1`,
		`scoutgraph_graphql_errors_total{code="BAD_USER_INPUT"} 1`,
		`scoutgraph_http_requests_total{method="GET",route="/metrics",status="200"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, s := range []string{gatewaytest.APIKey, a.Upstream.URL, strings.TrimPrefix(a.Upstream.URL, "http://")} {
		if strings.Contains(body, s) {
			t.Errorf("/metrics shows %q", s)
		}
	}
}

// TestAPIGraphQLOverGET: queries work over GET; mutations do not.
func TestAPIGraphQLOverGET(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	get := func(query string, vars string) (int, http.Header, map[string]any) {
		v := url.Values{"query": {query}}
		if vars != "" {
			v.Set("variables", vars)
		}
		status, h, body := httpGet(t, a.URL+"/graphql?"+v.Encode(), "Accept", "application/json")
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("GET answer %q: %v", body, err)
		}
		return status, h, out
	}

	status, _, out := get(`{ conversation(id: "1") { id number status } }`, "")
	if status != 200 || jget(out, "data", "conversation", "id") != "1" || jget(out, "data", "conversation", "number") != float64(1001) {
		t.Errorf("GET query: %d %v", status, out)
	}
	status, _, out = get(`query($id: ID!) { customer(id: $id) { id } }`, `{"id":"3"}`)
	if status != 200 || jget(out, "data", "customer", "id") != "3" {
		t.Errorf("GET query with variables: %d %v", status, out)
	}

	writes := func() int {
		n := 0
		for route, c := range a.Upstream.Counts() {
			if !strings.HasPrefix(route, "GET ") {
				n += c
			}
		}
		return n
	}
	status, h, out := get(`mutation { deleteConversation(input: {id: "1"}) { deletedConversationId } }`, "")
	if status != http.StatusMethodNotAllowed {
		t.Errorf("GET mutation: %d %v", status, out)
	}
	if !strings.Contains(h.Get("Allow"), "POST") {
		t.Errorf("GET mutation: Allow %q", h.Get("Allow"))
	}
	if errs, _ := out["errors"].([]any); len(errs) == 0 || jget(errs, 0, "extensions", "code") == nil {
		t.Errorf("GET mutation: errors %v, want one with a code", out["errors"])
	}
	if n := writes(); n != 0 {
		t.Errorf("a GET mutation made %d writes upstream", n)
	}
	if _, err := a.fs.Conversations.Get(t.Context(), 1); err != nil {
		t.Errorf("conversation 1 after a GET mutation: %v", err)
	}
}

// metricValue is the value of a series in a Prometheus text exposition; 0
// when it is not there.
func metricValue(body, series string) float64 {
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return 0
}

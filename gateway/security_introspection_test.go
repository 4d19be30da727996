package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
)

// getGraphQL sends a GraphQL request over GET with the parameters given
// (query, variables, extensions...; JSON-encoded when not strings).
func getGraphQL(t *testing.T, baseURL string, params map[string]any) *gatewaytest.Response {
	t.Helper()
	v := url.Values{}
	for k, p := range params {
		s, ok := p.(string)
		if !ok {
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			s = string(b)
		}
		v.Set(k, s)
	}
	status, h, body := httpGet(t, baseURL+"/graphql?"+v.Encode(), "Accept", "application/json")
	r := &gatewaytest.Response{Status: status, Header: h}
	if err := json.Unmarshal([]byte(body), r); err != nil {
		t.Fatalf("GET /graphql: status %d, body %.200q: %v", status, body, err)
	}
	return r
}

const msgIntrospectionOff = "introspection is turned off on this gateway: __schema and __type may not be queried"

// TestIntrospectionOff: with INTROSPECTION=false, every query that selects
// __schema or __type, directly or through a fragment, alone or beside
// ordinary fields, over POST or GET, is refused whole with FORBIDDEN before
// anything of it runs (FreeScout gets nothing); __typename and ordinary
// queries answer as usual; GraphiQL's page is still served. With the
// default (on), the same introspection answers.
func TestIntrospectionOff(t *testing.T) {
	off := gatewaytest.Start(t, gatewaytest.Options{Configure: func(c *gateway.Config) { c.DisableIntrospection = true }})
	on := gatewaytest.Start(t, gatewaytest.Options{})
	for _, tc := range []struct {
		name, query string
		get         bool
		// data is the answer with introspection off; "" means refused.
		data string
		// onData is the answer with it on; "" means the same as data.
		onData string
		calls  int // FreeScout calls with introspection off
	}{
		{name: "__schema", query: `{ __schema { queryType { name } } }`, onData: `{"__schema":{"queryType":{"name":"Query"}}}`},
		{name: "__type", query: `{ __type(name: "Tag") { name } }`, onData: `{"__type":{"name":"Tag"}}`},
		{name: "__schema over GET", query: `{ __schema { queryType { name } } }`, get: true, onData: `{"__schema":{"queryType":{"name":"Query"}}}`},
		{name: "__type in a fragment", query: `query { ...Meta } fragment Meta on Query { __type(name: "Tag") { name } }`, onData: `{"__type":{"name":"Tag"}}`},
		{name: "__schema in an inline fragment", query: `{ ... on Query { __schema { mutationType { name } } } }`, onData: `{"__schema":{"mutationType":{"name":"Mutation"}}}`},
		{
			name:  "GraphiQL's kind of introspection query",
			query: `query IntrospectionQuery { __schema { queryType { name } types { ...FullType } } } fragment FullType on __Type { kind name fields(includeDeprecated: true) { name } }`,
		},
		{
			name:   "__type beside an ordinary field",
			query:  `{ conversation(id: "1") { id } __type(name: "Tag") { name } }`,
			onData: `{"conversation":{"id":"1"},"__type":{"name":"Tag"}}`,
		},
		{name: "__typename", query: `{ __typename }`, data: `{"__typename":"Query"}`},
		{name: "__typename of a mutation", query: `mutation { __typename }`, data: `{"__typename":"Mutation"}`},
		{name: "an ordinary query", query: `{ conversation(id: "1") { id __typename } }`, data: `{"conversation":{"id":"1","__typename":"Conversation"}}`, calls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			send := func(env *gatewaytest.Env) *gatewaytest.Response {
				if tc.get {
					return getGraphQL(t, env.URL, map[string]any{"query": tc.query})
				}
				return post(t, env, tc.query, nil)
			}
			off.Upstream.ResetCounts()
			r := send(off)
			switch {
			case r.Status != http.StatusOK:
				t.Errorf("off: status %d, want 200", r.Status)
			case tc.data == "" && (len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" || r.Errors[0].Message != msgIntrospectionOff || len(r.Data) != 0):
				t.Errorf("off: data %s, errors %+v; want no data and one FORBIDDEN %q", r.Data, r.Errors, msgIntrospectionOff)
			case tc.data != "" && (len(r.Errors) != 0 || string(r.Data) != tc.data):
				t.Errorf("off: data %s, errors %+v; want %s", r.Data, r.Errors, tc.data)
			}
			if n := off.Upstream.Total(); n != tc.calls {
				t.Errorf("off: FreeScout got %d calls, want %d", n, tc.calls)
			}
			want := tc.onData
			if want == "" {
				want = tc.data
			}
			r = send(on)
			if want == "" { // too long to spell out: it introspects, and answers
				if r.Status != http.StatusOK || len(r.Errors) != 0 || !strings.HasPrefix(string(r.Data), `{"__schema":{"queryType":{"name":"Query"},"types":[`) {
					t.Errorf("on: status %d, data %.80s, errors %+v; want the schema", r.Status, r.Data, r.Errors)
				}
				return
			}
			if r.Status != http.StatusOK || len(r.Errors) != 0 || string(r.Data) != want {
				t.Errorf("on: status %d, data %s, errors %+v; want %s", r.Status, r.Data, r.Errors, want)
			}
		})
	}
	t.Run("GraphiQL is still served", func(t *testing.T) {
		// As with introspection on: the page (or, in a build without the
		// GraphiQL bundle, the 503 page saying how to build it). Each page
		// has a nonce of its own, so the bodies are not compared.
		offStatus, offHeader, _ := httpGet(t, off.URL+"/", "Accept", "text/html")
		onStatus, onHeader, _ := httpGet(t, on.URL+"/", "Accept", "text/html")
		offType, onType := offHeader.Get("Content-Type"), onHeader.Get("Content-Type")
		if offStatus != onStatus || offType != onType || !strings.HasPrefix(offType, "text/html") {
			t.Errorf("GET /: %d %q with introspection off, %d %q with it on; want the same page", offStatus, offType, onStatus, onType)
		}
	})
}

// TestIntrospectionSetting: INTROSPECTION=false, as the binary reads it,
// turns introspection off.
func TestIntrospectionSetting(t *testing.T) {
	up := gatewaytest.StartUpstream(t, 0)
	gw := gatewaytest.StartProcessT(t, "FREESCOUT_URL="+up.URL, "FREESCOUT_API_KEY="+gatewaytest.APIKey, "INTROSPECTION=false", "LOG_LEVEL=warn")
	r, err := gatewaytest.Post(t.Context(), gw.URL, map[string]any{"query": `{ __schema { queryType { name } } }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" || r.Errors[0].Message != msgIntrospectionOff {
		t.Errorf("status %d, data %s, errors %+v; want FORBIDDEN %q", r.Status, r.Data, r.Errors, msgIntrospectionOff)
	}
}

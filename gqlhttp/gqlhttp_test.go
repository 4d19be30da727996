package gqlhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/scoutgraph/scoutgraph/gqlhttp"
)

const (
	gqlResponse = "application/graphql-response+json"
	appJSON     = "application/json"
)

// testSchema is a tiny hand-written graphql.ExecutableSchema in the spirit of gqlgen's
// handler/testserver (which only hands out a ready-made handler.Server, not a schema).
// Root fields: name, find(id: Int!), fail (resolves with an error), panic (panics outside
// any resolver), introspection (whether introspection is enabled for the operation) and
// __typename.
func testSchema() graphql.ExecutableSchema {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query {
			name: String!
			find(id: Int!): String!
			fail: String
			panic: String
			introspection: Boolean!
		}
		type Mutation { name: String! }
		type Subscription { name: String! }
	`})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: execRoot,
	}
}

// execRoot resolves the root selection of the operation in ctx.
func execRoot(ctx context.Context) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		done = true
		data := map[string]any{}
		for _, sel := range opCtx.Operation.SelectionSet {
			field, ok := sel.(*ast.Field)
			if !ok {
				continue
			}
			switch field.Name {
			case "__typename":
				data[field.Alias] = map[ast.Operation]string{ast.Query: "Query", ast.Mutation: "Mutation"}[opCtx.Operation.Operation]
			case "name":
				data[field.Alias] = "test"
			case "find":
				data[field.Alias] = "found"
			case "introspection":
				data[field.Alias] = !opCtx.DisableIntrospection
			case "fail":
				graphql.AddError(ctx, errors.New("resolver failed"))
				data[field.Alias] = nil
			case "panic":
				panic("boom")
			}
		}
		b, err := json.Marshal(data)
		if err != nil {
			panic(err)
		}
		return &graphql.Response{Data: b}
	}
}

// answer is a decoded response.
type answer struct {
	status      int
	contentType string
	header      http.Header
	body        map[string]json.RawMessage
	errors      []gqlerror.Error
}

func do(t *testing.T, h http.Handler, method, target string, header http.Header, body string) answer {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), header: res.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("body is not a JSON object: %v: %s", err, raw)
		}
		if errs, ok := a.body["errors"]; ok {
			if err := json.Unmarshal(errs, &a.errors); err != nil {
				t.Fatalf("errors: %v: %s", err, errs)
			}
		}
	}
	return a
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func getURL(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return "/graphql?" + v.Encode()
}

func TestStatusAndMediaTypes(t *testing.T) {
	const typename = `{"query":"{ __typename }"}`
	postJSON := func(accept string) http.Header {
		h := hdr("Content-Type", "application/json")
		if accept != "" {
			h.Set("Accept", accept)
		}
		return h
	}
	tests := []struct {
		name        string
		method      string
		target      string
		header      http.Header
		body        string
		wantStatus  int
		wantType    string // media type the Content-Type must start with
		wantData    string // "" means the data entry must be absent
		wantCode    string // extensions.code of the first error, "" means no errors
		wantAllow   string
		wantNoError bool
	}{
		{name: "POST graphql-response+json", method: "POST", header: postJSON(gqlResponse), body: typename,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"__typename":"Query"}`},
		{name: "POST application/json", method: "POST", header: postJSON(appJSON), body: typename,
			wantStatus: 200, wantType: appJSON, wantData: `{"__typename":"Query"}`},
		{name: "POST no Accept defaults to application/json", method: "POST", header: postJSON(""), body: typename,
			wantStatus: 200, wantType: appJSON, wantData: `{"__typename":"Query"}`},
		{name: "POST */* gives application/json", method: "POST", header: postJSON("*/*"), body: typename,
			wantStatus: 200, wantType: appJSON, wantData: `{"__typename":"Query"}`},
		{name: "POST application/* gives application/json", method: "POST", header: postJSON("application/*"), body: typename,
			wantStatus: 200, wantType: appJSON, wantData: `{"__typename":"Query"}`},
		{name: "POST spec client Accept", method: "POST", header: postJSON(gqlResponse + ", application/json;q=0.9"), body: typename,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"__typename":"Query"}`},
		{name: "POST both equal prefers graphql-response+json", method: "POST", header: postJSON("application/json, " + gqlResponse), body: typename,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"__typename":"Query"}`},
		{name: "POST json preferred by quality", method: "POST", header: postJSON("application/json, " + gqlResponse + ";q=0.5"), body: typename,
			wantStatus: 200, wantType: appJSON, wantData: `{"__typename":"Query"}`},
		{name: "POST browser Accept", method: "POST", header: postJSON("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), body: typename,
			wantStatus: 200, wantType: appJSON, wantData: `{"__typename":"Query"}`},
		{name: "POST utf-8 charset", method: "POST", header: hdr("Content-Type", "application/json; charset=UTF-8"), body: `{"query":"{ name }"}`,
			wantStatus: 200, wantType: appJSON, wantData: `{"name":"test"}`},
		{name: "POST mutation", method: "POST", header: postJSON(gqlResponse), body: `{"query":"mutation { name }"}`,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"name":"test"}`},
		{name: "POST operationName picks the operation", method: "POST", header: postJSON(gqlResponse),
			body:       `{"query":"query A { name } query B { __typename }","operationName":"B"}`,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"__typename":"Query"}`},
		{name: "POST variables", method: "POST", header: postJSON(gqlResponse),
			body:       `{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":12345678901}}`,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"find":"found"}`},
		{name: "POST null optional parameters", method: "POST", header: postJSON(gqlResponse),
			body:       `{"query":"{ name }","operationName":null,"variables":null,"extensions":null}`,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"name":"test"}`},
		{name: "POST map extensions", method: "POST", header: postJSON(appJSON),
			body:       `{"query":"{ name }","extensions":{"some":"value"}}`,
			wantStatus: 200, wantType: appJSON, wantData: `{"name":"test"}`},

		{name: "Accept allows neither type", method: "POST", header: postJSON("text/html"), body: typename,
			wantStatus: 406, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "Accept with q=0 only", method: "POST", header: postJSON("application/json;q=0"), body: typename,
			wantStatus: 406, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST text/plain", method: "POST", header: hdr("Content-Type", "text/plain", "Accept", gqlResponse), body: typename,
			wantStatus: 415, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST without Content-Type", method: "POST", header: hdr("Accept", gqlResponse), body: typename,
			wantStatus: 415, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST non utf-8 charset", method: "POST", header: hdr("Content-Type", "application/json; charset=iso-8859-1"), body: typename,
			wantStatus: 415, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST application/graphql", method: "POST", header: hdr("Content-Type", "application/graphql"), body: "{ name }",
			wantStatus: 415, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST empty body", method: "POST", header: postJSON(gqlResponse),
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST bad JSON (graphql-response+json)", method: "POST", header: postJSON(gqlResponse), body: `{ "not a JSON`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST bad JSON (application/json)", method: "POST", header: postJSON(appJSON), body: `{ "not a JSON`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST trailing garbage", method: "POST", header: postJSON(appJSON), body: typename + "x",
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST JSON array", method: "POST", header: postJSON(gqlResponse), body: `[` + typename + `]`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST JSON null", method: "POST", header: postJSON(gqlResponse), body: `null`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST missing query", method: "POST", header: postJSON(gqlResponse), body: `{"notquery":"{ name }"}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST missing query (application/json)", method: "POST", header: postJSON(appJSON), body: `{"qeury":"{ name }"}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST empty query", method: "POST", header: postJSON(gqlResponse), body: `{"query":""}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "POST object query", method: "POST", header: postJSON(""), body: `{"query":{"obj":"ect"}}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST number query", method: "POST", header: postJSON(""), body: `{"query":0}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST array query", method: "POST", header: postJSON(""), body: `{"query":["array"]}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST boolean operationName", method: "POST", header: postJSON(""), body: `{"query":"{ name }","operationName":false}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST string variables", method: "POST", header: postJSON(""), body: `{"query":"{ name }","variables":"string"}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST array variables", method: "POST", header: postJSON(""), body: `{"query":"{ name }","variables":["array"]}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "POST number extensions", method: "POST", header: postJSON(""), body: `{"query":"{ name }","extensions":0}`,
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},

		{name: "parse error (graphql-response+json)", method: "POST", header: postJSON(gqlResponse), body: `{"query":"{"}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "parse error (application/json)", method: "POST", header: postJSON(appJSON), body: `{"query":"{"}`,
			wantStatus: 200, wantType: appJSON, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "validation error (graphql-response+json)", method: "POST", header: postJSON(gqlResponse), body: `{"query":"{ nope }"}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error (application/json)", method: "POST", header: postJSON(appJSON), body: `{"query":"{ nope }"}`,
			wantStatus: 200, wantType: appJSON, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable coercion error (graphql-response+json)", method: "POST", header: postJSON(gqlResponse),
			body:       `{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":null}}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable coercion error (application/json)", method: "POST", header: postJSON(appJSON),
			body:       `{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":"x"}}`,
			wantStatus: 200, wantType: appJSON, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown operationName", method: "POST", header: postJSON(gqlResponse), body: `{"query":"query A { name }","operationName":"B"}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "POST subscription", method: "POST", header: postJSON(gqlResponse), body: `{"query":"subscription { name }"}`,
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "field error keeps data", method: "POST", header: postJSON(gqlResponse), body: `{"query":"{ name fail }"}`,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"fail":null,"name":"test"}`, wantCode: "RESOLVER"},
		{name: "introspection enabled", method: "POST", header: postJSON(gqlResponse), body: `{"query":"{ introspection }"}`,
			wantStatus: 200, wantType: gqlResponse, wantData: `{"introspection":true}`},
		{name: "panic outside resolvers", method: "POST", header: postJSON(gqlResponse), body: `{"query":"{ panic }"}`,
			wantStatus: 500, wantType: gqlResponse, wantCode: "INTERNAL"},

		{name: "GET query", method: "GET", target: getURL("query", "{ name }"), header: hdr("Accept", gqlResponse),
			wantStatus: 200, wantType: gqlResponse, wantData: `{"name":"test"}`},
		{name: "GET without Accept", method: "GET", target: getURL("query", "{ name }"),
			wantStatus: 200, wantType: appJSON, wantData: `{"name":"test"}`},
		{name: "GET variables", method: "GET", target: getURL("query", "query($id: Int!) { find(id: $id) }", "variables", `{"id":1}`),
			wantStatus: 200, wantType: appJSON, wantData: `{"find":"found"}`},
		{name: "GET mutation", method: "GET", target: getURL("query", "mutation { name }"), header: hdr("Accept", gqlResponse),
			wantStatus: 405, wantType: gqlResponse, wantCode: "BAD_USER_INPUT", wantAllow: "POST"},
		{name: "GET mutation chosen by operationName", method: "GET",
			target:     getURL("query", "query Q { name } mutation M { name }", "operationName", "M"),
			wantStatus: 405, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantAllow: "POST"},
		{name: "GET subscription", method: "GET", target: getURL("query", "subscription { name }"), header: hdr("Accept", gqlResponse),
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "GET missing query", method: "GET", target: "/graphql", header: hdr("Accept", gqlResponse),
			wantStatus: 400, wantType: gqlResponse, wantCode: "BAD_USER_INPUT"},
		{name: "GET bad variables", method: "GET", target: getURL("query", "{ name }", "variables", "{nope"),
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "GET array variables", method: "GET", target: getURL("query", "{ name }", "variables", "[1]"),
			wantStatus: 400, wantType: appJSON, wantCode: "BAD_USER_INPUT"},
		{name: "GET validation error", method: "GET", target: getURL("query", "{ nope }"), header: hdr("Accept", gqlResponse),
			wantStatus: 400, wantType: gqlResponse, wantCode: "GRAPHQL_VALIDATION_FAILED"},

		{name: "PUT", method: "PUT", header: postJSON(gqlResponse), body: typename,
			wantStatus: 405, wantType: gqlResponse, wantCode: "BAD_USER_INPUT", wantAllow: "GET, POST, OPTIONS"},
		{name: "DELETE with unacceptable Accept is still 405", method: "DELETE", header: hdr("Accept", "text/html"),
			wantStatus: 405, wantType: appJSON, wantCode: "BAD_USER_INPUT", wantAllow: "GET, POST, OPTIONS"},
	}

	h := gqlhttp.New(testSchema(),
		gqlhttp.WithRecover(func(context.Context, any) error { return errors.New("recovered") }),
		gqlhttp.WithErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
			gqlErr := graphql.DefaultErrorPresenter(ctx, err)
			if _, ok := gqlErr.Extensions["code"]; !ok && gqlErr.Message == "resolver failed" {
				gqlErr.Extensions = map[string]any{"code": "RESOLVER"}
			}
			return gqlErr
		}),
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/graphql"
			}
			a := do(t, h, tt.method, target, tt.header, tt.body)
			if a.status != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %v)", a.status, tt.wantStatus, a.body)
			}
			if !strings.HasPrefix(a.contentType, tt.wantType) || !strings.Contains(a.contentType, "charset=utf-8") {
				t.Errorf("Content-Type = %q, want %s; charset=utf-8", a.contentType, tt.wantType)
			}
			if got := a.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			data, hasData := a.body["data"]
			switch {
			case tt.wantData == "" && hasData:
				t.Errorf("data = %s, want no data entry", data)
			case tt.wantData != "" && !hasData:
				t.Errorf("no data entry, want %s", tt.wantData)
			case tt.wantData != "" && !jsonEqual(t, data, tt.wantData):
				t.Errorf("data = %s, want %s", data, tt.wantData)
			}
			if tt.wantCode == "" {
				if len(a.errors) > 0 {
					t.Errorf("errors = %+v, want none", a.errors)
				}
				return
			}
			if len(a.errors) == 0 {
				t.Fatalf("no errors, want code %s (body %v)", tt.wantCode, a.body)
			}
			if got := a.errors[0].Extensions["code"]; got != tt.wantCode {
				t.Errorf("extensions.code = %v, want %s (%s)", got, tt.wantCode, a.errors[0].Message)
			}
			for _, e := range a.errors {
				if code, _ := e.Extensions["code"].(string); code == "" {
					t.Errorf("error %q has no extensions.code", e.Message)
				}
			}
		})
	}
}

func jsonEqual(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return bytes.Equal(gb, wb)
}

func TestOptions(t *testing.T) {
	a := do(t, gqlhttp.New(testSchema()), "OPTIONS", "/graphql", nil, "")
	if a.status != http.StatusNoContent || a.header.Get("Allow") != "GET, POST, OPTIONS" {
		t.Errorf("OPTIONS: status %d, Allow %q", a.status, a.header.Get("Allow"))
	}
}

func TestMaxBodyBytes(t *testing.T) {
	h := gqlhttp.New(testSchema(), gqlhttp.WithMaxBodyBytes(64))
	ok := `{"query":"{ name }"}`
	tooLarge := `{"query":"{ name }","extensions":{"padding":"` + strings.Repeat("x", 64) + `"}}`
	header := hdr("Content-Type", "application/json", "Accept", gqlResponse)

	if a := do(t, h, "POST", "/graphql", header, ok); a.status != http.StatusOK {
		t.Errorf("small body: status %d", a.status)
	}
	a := do(t, h, "POST", "/graphql", header, tooLarge)
	if a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("large body: status %d, want 413", a.status)
	}
	if len(a.errors) != 1 || a.errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("large body: errors %+v", a.errors)
	}
	if _, ok := a.body["data"]; ok {
		t.Error("large body: data entry present")
	}
}

func TestErrorPresenterSeesRequestErrors(t *testing.T) {
	var presented atomic.Int32
	h := gqlhttp.New(testSchema(), gqlhttp.WithErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		presented.Add(1)
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		gqlErr.Extensions["requestId"] = "r-1"
		return gqlErr
	}))
	a := do(t, h, "POST", "/graphql", hdr("Content-Type", "application/json"), `{ "not a JSON`)
	if presented.Load() != 1 {
		t.Errorf("presenter called %d times, want 1", presented.Load())
	}
	if len(a.errors) != 1 {
		t.Fatalf("errors = %+v", a.errors)
	}
	if got := a.errors[0].Extensions; got["code"] != "BAD_USER_INPUT" || got["requestId"] != "r-1" {
		t.Errorf("extensions = %v, want code BAD_USER_INPUT and the presenter's requestId", got)
	}
}

func TestPresenterCodeWins(t *testing.T) {
	h := gqlhttp.New(testSchema(), gqlhttp.WithErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		gqlErr.Extensions = map[string]any{"code": "CUSTOM"}
		return gqlErr
	}))
	a := do(t, h, "POST", "/graphql", hdr("Content-Type", "application/json", "Accept", gqlResponse), `{"query":"{ nope }"}`)
	if a.status != http.StatusBadRequest || len(a.errors) == 0 || a.errors[0].Extensions["code"] != "CUSTOM" {
		t.Errorf("status %d, errors %+v: want 400 with the presenter's code", a.status, a.errors)
	}
}

func TestMiddlewareAndExtensions(t *testing.T) {
	var ops, responses, fields atomic.Int32
	h := gqlhttp.New(testSchema(),
		gqlhttp.WithAroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
			ops.Add(1)
			return next(ctx)
		}),
		gqlhttp.WithAroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
			responses.Add(1)
			resp := next(ctx)
			if resp != nil {
				if resp.Extensions == nil {
					resp.Extensions = map[string]any{}
				}
				resp.Extensions["seen"] = true
			}
			return resp
		}),
		gqlhttp.WithAroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
			fields.Add(1)
			return next(ctx)
		}),
		gqlhttp.WithExtension(rejectNamed{}),
	)
	header := hdr("Content-Type", "application/json", "Accept", gqlResponse)

	a := do(t, h, "POST", "/graphql", header, `{"query":"{ name }"}`)
	if a.status != 200 || ops.Load() != 1 || responses.Load() != 1 {
		t.Errorf("query: status %d, operations %d, responses %d", a.status, ops.Load(), responses.Load())
	}
	if string(a.body["extensions"]) != `{"seen":true}` {
		t.Errorf("query: extensions = %s", a.body["extensions"])
	}

	// Response middleware also runs around answers to requests that never executed.
	a = do(t, h, "POST", "/graphql", header, `{"query":`)
	if a.status != 400 || responses.Load() != 2 || string(a.body["extensions"]) != `{"seen":true}` {
		t.Errorf("bad JSON: status %d, responses %d, extensions %s", a.status, responses.Load(), a.body["extensions"])
	}

	// An extension refusing the operation: pre-execution error, no data, code defaulted.
	a = do(t, h, "POST", "/graphql", header, `{"query":"query Forbidden { name }"}`)
	if a.status != 400 || len(a.errors) != 1 || a.errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("refused: status %d, errors %+v", a.status, a.errors)
	}
	if _, ok := a.body["data"]; ok {
		t.Error("refused: data entry present")
	}
}

// rejectNamed is a handler extension refusing operations named Forbidden.
type rejectNamed struct{}

func (rejectNamed) ExtensionName() string                   { return "RejectNamed" }
func (rejectNamed) Validate(graphql.ExecutableSchema) error { return nil }
func (rejectNamed) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation.Name == "Forbidden" {
		return gqlerror.Errorf("operation refused")
	}
	return nil
}

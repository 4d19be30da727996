package auth_test

import (
	"net/http"
	"testing"

	"github.com/scoutgraph/scoutgraph/auth"
)

func TestFromHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.Header
		want auth.Credentials
	}{
		{name: "nothing", h: http.Header{}},
		{name: "bearer", h: http.Header{"Authorization": {"Bearer abc.def"}}, want: auth.Credentials{Bearer: "abc.def"}},
		{name: "scheme in lower case", h: http.Header{"Authorization": {"bearer abc"}}, want: auth.Credentials{Bearer: "abc"}},
		{name: "scheme in upper case, extra spaces", h: http.Header{"Authorization": {"  BEARER   abc  "}}, want: auth.Credentials{Bearer: "abc"}},
		{name: "another scheme", h: http.Header{"Authorization": {"Basic dXNlcjpwdw=="}}},
		{name: "scheme without token", h: http.Header{"Authorization": {"Bearer"}}},
		{name: "scheme with blank token", h: http.Header{"Authorization": {"Bearer    "}}},
		{name: "freescout key", h: http.Header{"X-Freescout-Api-Key": {"fs-key"}}, want: auth.Credentials{FreeScoutKey: "fs-key"}},
		{name: "both", h: http.Header{"Authorization": {"Bearer tok"}, "X-Freescout-Api-Key": {" fs-key "}}, want: auth.Credentials{Bearer: "tok", FreeScoutKey: "fs-key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := auth.FromHeader(tc.h); got != tc.want {
				t.Errorf("FromHeader(%v) = %+v; want %+v", tc.h, got, tc.want)
			}
		})
	}
}

// TestFromHeaderOverHTTP reads the credentials of a request that went
// through a real HTTP round trip (header canonicalisation included).
func TestFromHeaderOverHTTP(t *testing.T) {
	got := make(chan auth.Credentials, 1)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- auth.FromHeader(r.Header) }))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header["authorization"] = []string{"bEaReR tok"}
	req.Header["x-freescout-api-key"] = []string{"fs-key"}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := <-got; c != (auth.Credentials{Bearer: "tok", FreeScoutKey: "fs-key"}) {
		t.Errorf("FromHeader = %+v", c)
	}
}

func TestFromInitPayload(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    map[string]any
		want auth.Credentials
	}{
		{name: "nil payload"},
		{name: "empty payload", p: map[string]any{}},
		{name: "Authorization", p: map[string]any{"Authorization": "Bearer x"}, want: auth.Credentials{Bearer: "x"}},
		{name: "authorization", p: map[string]any{"authorization": "bearer x"}, want: auth.Credentials{Bearer: "x"}},
		{name: "AUTHORIZATION", p: map[string]any{"AUTHORIZATION": "BEARER x"}, want: auth.Credentials{Bearer: "x"}},
		{name: "Authorization without scheme", p: map[string]any{"Authorization": "x"}},
		{name: "headers", p: map[string]any{"headers": map[string]any{"Authorization": "Bearer x", "X-FreeScout-API-Key": "k"}}, want: auth.Credentials{Bearer: "x", FreeScoutKey: "k"}},
		{name: "headers in lower case", p: map[string]any{"Headers": map[string]any{"authorization": "Bearer x", "x-freescout-api-key": "k"}}, want: auth.Credentials{Bearer: "x", FreeScoutKey: "k"}},
		{name: "token", p: map[string]any{"token": "x"}, want: auth.Credentials{Bearer: "x"}},
		{name: "authToken", p: map[string]any{"authToken": "x"}, want: auth.Credentials{Bearer: "x"}},
		{name: "authtoken with scheme", p: map[string]any{"authtoken": "Bearer x"}, want: auth.Credentials{Bearer: "x"}},
		{name: "blank token", p: map[string]any{"token": "  "}},
		{name: "freescout key", p: map[string]any{"X-FreeScout-API-Key": "k"}, want: auth.Credentials{FreeScoutKey: "k"}},
		{name: "freescout key in lower case", p: map[string]any{"x-freescout-api-key": "k"}, want: auth.Credentials{FreeScoutKey: "k"}},
		{name: "top level wins over headers and token", p: map[string]any{
			"Authorization": "Bearer a", "headers": map[string]any{"Authorization": "Bearer b", "X-FreeScout-API-Key": "kb"}, "token": "c", "X-FreeScout-API-Key": "ka",
		}, want: auth.Credentials{Bearer: "a", FreeScoutKey: "ka"}},
		{name: "headers win over token", p: map[string]any{"headers": map[string]any{"Authorization": "Bearer b"}, "token": "c"}, want: auth.Credentials{Bearer: "b"}},
		{name: "token wins over authToken", p: map[string]any{"token": "c", "authToken": "d"}, want: auth.Credentials{Bearer: "c"}},
		{name: "exact spelling wins", p: map[string]any{"authorization": "Bearer b", "Authorization": "Bearer a"}, want: auth.Credentials{Bearer: "a"}},
		{name: "other spellings in sorted order", p: map[string]any{"authorization": "Bearer b", "AUTHORIZATION": "Bearer a"}, want: auth.Credentials{Bearer: "a"}},
		{name: "values that are not strings", p: map[string]any{"Authorization": 5, "token": true, "X-FreeScout-API-Key": []any{"k"}}},
		{name: "headers that are not an object", p: map[string]any{"headers": "Authorization: Bearer x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 5 { // map order must not matter
				if got := auth.FromInitPayload(tc.p); got != tc.want {
					t.Fatalf("FromInitPayload(%v) = %+v; want %+v", tc.p, got, tc.want)
				}
			}
		})
	}
}

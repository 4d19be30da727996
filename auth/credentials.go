package auth

import (
	"net/http"
	"slices"
	"strings"
)

// FreeScoutKeyHeader is the header a caller's own FreeScout key comes in.
const FreeScoutKeyHeader = "X-FreeScout-API-Key"

// Credentials are what a request offers to prove who is asking. An empty
// field means that kind of credential is absent.
type Credentials struct {
	// Bearer is the token of an "Authorization: Bearer" header: an opaque
	// token of AUTH_TOKENS_FILE or a JWT.
	Bearer string
	// FreeScoutKey is the caller's own FreeScout API key.
	FreeScoutKey string
}

// FromHeader reads the credentials of an HTTP request (or an SSE stream):
// "Authorization: Bearer <token>" (the scheme in any case) and
// X-FreeScout-API-Key. An Authorization header with another scheme is not a
// credential scoutgraph reads, so it counts as absent.
func FromHeader(h http.Header) Credentials {
	return Credentials{
		Bearer:       bearer(h.Get("Authorization")),
		FreeScoutKey: strings.TrimSpace(h.Get(FreeScoutKeyHeader)),
	}
}

// FromInitPayload reads the credentials of a graphql-transport-ws
// connection_init payload, in the shapes real clients send:
//
//	{"Authorization": "Bearer x"}                     (the key in any case)
//	{"headers": {"Authorization": "Bearer x", "X-FreeScout-API-Key": "k"}}
//	{"token": "x"} or {"authToken": "x"}              (a bare token)
//	{"X-FreeScout-API-Key": "k"}
//
// Keys match in any case. Where a payload carries several of them, the
// top-level Authorization wins over headers.Authorization, which wins over
// token and authToken; a top-level X-FreeScout-API-Key wins over the one in
// headers. Values that are not strings are ignored.
func FromInitPayload(p map[string]any) Credentials {
	headers, _ := field(p, "headers").(map[string]any)
	var c Credentials
	for _, v := range []any{field(p, "Authorization"), field(headers, "Authorization")} {
		if s, ok := v.(string); ok && c.Bearer == "" {
			c.Bearer = bearer(s)
		}
	}
	for _, name := range []string{"token", "authToken"} {
		if s, ok := field(p, name).(string); ok && c.Bearer == "" {
			// A bare token; some clients put the scheme in front anyway.
			if b := bearer(s); b != "" {
				c.Bearer = b
			} else {
				c.Bearer = strings.TrimSpace(s)
			}
		}
	}
	for _, v := range []any{field(p, FreeScoutKeyHeader), field(headers, FreeScoutKeyHeader)} {
		if s, ok := v.(string); ok && c.FreeScoutKey == "" {
			c.FreeScoutKey = strings.TrimSpace(s)
		}
	}
	return c
}

// bearer returns the token of an Authorization value with the Bearer
// scheme (in any case), or "".
func bearer(v string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// field returns m's value under name, matching the key in any case: the
// exact spelling first, then the other spellings in sorted order, so that
// the answer never depends on map order.
func field(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	var keys []string
	for k := range m {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	return m[keys[0]]
}

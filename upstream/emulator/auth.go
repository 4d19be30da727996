package emulator

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized reports whether r carries the API key through one of FreeScout's three methods:
// the api_key query parameter, HTTP Basic authentication with the key as user name (also in
// the reference's literal "Authorization: KEY password" form) or the X-FreeScout-API-Key
// header. Every request is authorized when the Emulator has no key.
func (e *Emulator) authorized(r *http.Request) bool {
	if e.apiKey == "" {
		return true
	}
	if e.isKey(r.URL.Query().Get("api_key")) || e.isKey(r.Header.Get("X-FreeScout-API-Key")) {
		return true
	}
	auth := r.Header.Get("Authorization")
	if user, _, ok := r.BasicAuth(); ok && e.isKey(user) {
		return true
	}
	if fields := strings.Fields(auth); len(fields) > 0 && e.isKey(fields[0]) {
		return true
	}
	return false
}

func (e *Emulator) isKey(s string) bool {
	return s != "" && subtle.ConstantTimeCompare([]byte(s), []byte(e.apiKey)) == 1
}

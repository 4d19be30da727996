package emulator_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

func TestAuthMethods(t *testing.T) {
	c := newClient(t)
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		name   string
		query  string
		header [2]string
		want   int
	}{
		{name: "no key", want: http.StatusUnauthorized},
		{name: "api_key parameter", query: "?api_key=" + apiKey, want: http.StatusOK},
		{name: "wrong api_key parameter", query: "?api_key=nope", want: http.StatusUnauthorized},
		{name: "X-FreeScout-API-Key header", header: [2]string{"X-FreeScout-API-Key", apiKey}, want: http.StatusOK},
		{name: "wrong X-FreeScout-API-Key header", header: [2]string{"X-FreeScout-API-Key", apiKey + "x"}, want: http.StatusUnauthorized},
		{name: "basic auth with the key as user", header: [2]string{"Authorization", basic(apiKey, "randompassword")}, want: http.StatusOK},
		{name: "basic auth with an empty password", header: [2]string{"Authorization", basic(apiKey, "")}, want: http.StatusOK},
		{name: "basic auth with the key as password", header: [2]string{"Authorization", basic("someone", apiKey)}, want: http.StatusUnauthorized},
		{name: "literal form from the reference", header: [2]string{"Authorization", apiKey + " randompassword"}, want: http.StatusOK},
		{name: "literal form with a wrong key", header: [2]string{"Authorization", "nope randompassword"}, want: http.StatusUnauthorized},
		{name: "bearer token", header: [2]string{"Authorization", "Bearer " + apiKey}, want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := c.request(http.MethodGet, "/api/mailboxes"+tt.query, nil)
			req.Header.Del("X-FreeScout-API-Key")
			if tt.header[0] != "" {
				req.Header.Set(tt.header[0], tt.header[1])
			}
			res := c.send(req)
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			if tt.want == http.StatusUnauthorized {
				body := res.json(t)
				if body["errorCode"] != "UNAUTHORIZED" || str(body["message"]) == "" {
					t.Errorf("401 body = %v", body)
				}
			}
		})
	}
}

func TestNoKeyDisablesAuth(t *testing.T) {
	c := newClientWith(t, emulator.Options{})
	req := c.request(http.MethodGet, "/api/users", nil)
	req.Header.Del("X-FreeScout-API-Key")
	if res := c.send(req); res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}

func TestRouting(t *testing.T) {
	c := newClient(t)
	t.Run("unknown path is a JSON 404 without errorCode", func(t *testing.T) {
		for _, p := range []string{"/api/nothing", "/api/conversations/1/nothing", "/", "/api"} {
			res := c.expect(http.StatusNotFound, http.MethodGet, p, nil)
			body := res.json(t)
			if str(body["message"]) == "" || body["errorCode"] != nil {
				t.Errorf("%s: 404 body = %v", p, body)
			}
		}
	})
	t.Run("non-numeric id is 404", func(t *testing.T) {
		c.expect(http.StatusNotFound, http.MethodGet, "/api/conversations/abc", nil)
		c.expect(http.StatusNotFound, http.MethodGet, "/api/customers/-3", nil)
	})
	t.Run("wrong method is 405 with Allow", func(t *testing.T) {
		tests := []struct{ method, path, allow string }{
			{http.MethodPatch, "/api/conversations/1", "GET, PUT, DELETE, OPTIONS"},
			{http.MethodDelete, "/api/customers/1", "GET, PUT, OPTIONS"},
			{http.MethodPost, "/api/mailboxes", "GET, OPTIONS"},
			{http.MethodPut, "/api/webhooks", "GET, POST, OPTIONS"},
			{http.MethodGet, "/api/webhooks/1", "DELETE, OPTIONS"},
		}
		for _, tt := range tests {
			res := c.expect(http.StatusMethodNotAllowed, tt.method, tt.path, nil)
			if got := res.header.Get("Allow"); got != tt.allow {
				t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
			}
		}
	})
	t.Run("OPTIONS answers without a key", func(t *testing.T) {
		req := c.request(http.MethodOptions, "/api/conversations/7/threads", nil)
		req.Header.Del("X-FreeScout-API-Key")
		req.Header.Set("Origin", "https://app.example.org")
		req.Header.Set("Access-Control-Request-Method", "POST")
		res := c.send(req)
		if res.status != http.StatusOK {
			t.Fatalf("status %d", res.status)
		}
		for h, want := range map[string]string{
			"Allow":                        "POST, OPTIONS",
			"Access-Control-Allow-Methods": "POST, OPTIONS",
			"Access-Control-Allow-Origin":  "*",
		} {
			if got := res.header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if !strings.Contains(res.header.Get("Access-Control-Allow-Headers"), "X-FreeScout-API-Key") {
			t.Errorf("Access-Control-Allow-Headers = %q", res.header.Get("Access-Control-Allow-Headers"))
		}
	})
	t.Run("HEAD answers like GET, without a body", func(t *testing.T) {
		if res := c.expect(http.StatusOK, http.MethodHead, "/api/conversations/1", nil); len(res.body) != 0 {
			t.Errorf("HEAD body: %s", res.body)
		}
	})
	t.Run("bodies keep HTML unescaped, as PHP writes them", func(t *testing.T) {
		if res := c.expect(http.StatusOK, http.MethodGet, "/api/conversations/1", nil); !strings.Contains(string(res.body), `"body":"<p>`) {
			t.Errorf("thread body escaped: %.300s", res.body)
		}
	})
	t.Run("trailing slash", func(t *testing.T) {
		c.expect(http.StatusOK, http.MethodGet, "/api/mailboxes/", nil)
	})
}

package graphiql

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// bundle is a stand-in for a built dist directory.
func bundle() fstest.MapFS {
	return fstest.MapFS{
		".gitkeep":  {Data: nil},
		"index.js":  {Data: []byte(strings.Repeat("console.log('graphiql');\n", 200))},
		"index.css": {Data: []byte("body { margin: 0 }\n")},
		"README.md": {Data: []byte("not an asset")},
	}
}

func serve(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var (
	scriptRe = regexp.MustCompile(`<script defer src="([^"]+)" nonce="([^"]+)"></script>`)
	styleRe  = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`)
	nonceRe  = regexp.MustCompile(`style-src 'self' 'nonce-([A-Za-z0-9_-]+)'`)
)

func TestPage(t *testing.T) {
	h := newHandler("/graphql", bundle())
	rec := serve(t, h, http.MethodGet, "/", nil)

	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	hdr := rec.Header()
	if got := hdr.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := hdr.Get("Cache-Control"); !strings.Contains(got, "no-cache") {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	body := rec.Body.String()

	policy := hdr.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(policy, want) {
			t.Errorf("CSP %q lacks %q", policy, want)
		}
	}
	for _, unwanted := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(policy, unwanted) {
			t.Errorf("CSP %q contains %q", policy, unwanted)
		}
	}
	cspNonce := nonceRe.FindStringSubmatch(policy)
	script := scriptRe.FindStringSubmatch(body)
	if cspNonce == nil || script == nil || cspNonce[1] != script[2] {
		t.Errorf("the script tag's nonce must be the CSP's style nonce: CSP %q, page %s", policy, body)
	}
	if script != nil && !strings.HasPrefix(script[1], "/graphiql/"+h.version+"/index.js") {
		t.Errorf("script src = %q, want the versioned bundle", script[1])
	}
	if !strings.Contains(body, `data-endpoint="/graphql"`) {
		t.Errorf("page lacks the endpoint: %s", body)
	}
	if !styleRe.MatchString(body) {
		t.Errorf("page lacks the stylesheet: %s", body)
	}
	if regexp.MustCompile(`(?i)api[-_ ]?key|freescout`).MatchString(body) {
		t.Errorf("page mentions a key or the upstream: %s", body)
	}
	if strings.Contains(body, "<style") || regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(body) {
		t.Errorf("page has inline script or style: %s", body)
	}

	again := serve(t, h, http.MethodGet, "/", nil)
	if n := nonceRe.FindStringSubmatch(again.Header().Get("Content-Security-Policy")); n == nil || cspNonce == nil || n[1] == cspNonce[1] {
		t.Error("two page loads got the same nonce")
	}
}

func TestPageEscapesEndpoint(t *testing.T) {
	rec := serve(t, newHandler(`/q?a="<b>"`, bundle()), http.MethodGet, "/", nil)
	body := rec.Body.String()
	if strings.Contains(body, `"<b>"`) || !strings.Contains(body, `data-endpoint="/q?a=&#34;&lt;b&gt;&#34;"`) {
		t.Errorf("endpoint not escaped: %s", body)
	}
}

func TestAssets(t *testing.T) {
	fsys := bundle()
	h := newHandler("/graphql", fsys)
	page := serve(t, h, http.MethodGet, "/", nil).Body.String()
	script := scriptRe.FindStringSubmatch(page)[1]
	style := styleRe.FindStringSubmatch(page)[1]

	tests := []struct {
		name        string
		target      string
		contentType string
		want        []byte
	}{
		{"script", script, "text/javascript; charset=utf-8", fsys["index.js"].Data},
		{"stylesheet", style, "text/css; charset=utf-8", fsys["index.css"].Data},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, h, http.MethodGet, tt.target, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d", rec.Code)
			}
			hdr := rec.Header()
			if got := hdr.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := hdr.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q", got)
			}
			if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("ETag") == "" {
				t.Errorf("headers = %v", hdr)
			}
			if hdr.Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), tt.want) {
				t.Errorf("body differs from the file (Content-Encoding %q)", hdr.Get("Content-Encoding"))
			}

			cached := serve(t, h, http.MethodGet, tt.target, http.Header{"If-None-Match": {hdr.Get("ETag")}})
			if cached.Code != http.StatusNotModified {
				t.Errorf("If-None-Match: status = %d, want 304", cached.Code)
			}
		})
	}

	t.Run("gzip", func(t *testing.T) {
		rec := serve(t, h, http.MethodGet, script, http.Header{"Accept-Encoding": {"br, gzip"}})
		if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("headers = %v, want gzip and Vary", rec.Header())
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, fsys["index.js"].Data) {
			t.Error("gzipped body does not decompress to the file")
		}
		if rec.Header().Get("ETag") == serve(t, h, http.MethodGet, script, nil).Header().Get("ETag") {
			t.Error("gzip and identity responses share an ETag")
		}
	})

	for _, target := range []string{
		"/graphiql/0000000000000000/index.js", // another version
		"/graphiql/" + h.version + "/nope.js",
		"/graphiql/" + h.version + "/.gitkeep",  // the placeholder is no asset
		"/graphiql/" + h.version + "/README.md", // nor is any unknown file type
		"/graphiql/" + h.version + "/../index.js",
		"/graphiql/index.js",
	} {
		if rec := serve(t, h, http.MethodGet, target, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status = %d, want 404", target, rec.Code)
		}
	}
}

func TestNotBuilt(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"placeholder only": {".gitkeep": {}},
		"empty script":     {".gitkeep": {}, "index.js": {}},
	} {
		t.Run(name, func(t *testing.T) {
			if built(fsys) {
				t.Fatal("built() = true")
			}
			h := newHandler("/graphql", fsys)
			rec := serve(t, h, http.MethodGet, "/", nil)
			if rec.Code != http.StatusServiceUnavailable {
				t.Errorf("status = %d, want 503", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if !strings.Contains(rec.Body.String(), "make graphiql") {
				t.Errorf("the page does not say how to build: %s", rec.Body.String())
			}
			if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
				t.Error("no CSP on the 503 page")
			}
			if rec := serve(t, h, http.MethodGet, "/graphiql/x/index.js", nil); rec.Code != http.StatusNotFound {
				t.Errorf("asset: status = %d, want 404", rec.Code)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	h := newHandler("/graphql", bundle())
	tests := []struct {
		method, target string
		want           int
		header, value  string
	}{
		{http.MethodHead, "/", http.StatusOK, "Content-Type", "text/html; charset=utf-8"},
		{http.MethodPost, "/", http.StatusMethodNotAllowed, "Allow", "GET, HEAD"},
		{http.MethodDelete, "/graphiql/" + h.version + "/index.js", http.StatusMethodNotAllowed, "Allow", "GET, HEAD"},
		{http.MethodGet, "/graphiql", http.StatusFound, "Location", "/"},
		{http.MethodGet, "/graphiql/", http.StatusFound, "Location", "/"},
		{http.MethodGet, "/favicon.ico", http.StatusNotFound, "", ""},
		{http.MethodGet, "/index.html", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		rec := serve(t, h, tt.method, tt.target, nil)
		if rec.Code != tt.want {
			t.Errorf("%s %s: status = %d, want %d", tt.method, tt.target, rec.Code, tt.want)
		}
		if tt.header != "" && rec.Header().Get(tt.header) != tt.value {
			t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.target, tt.header, rec.Header().Get(tt.header), tt.value)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{"gzip"}, true},
		{[]string{"br, gzip;q=0.5"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"*"}, true},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"identity"}, false},
		{[]string{"br", "gzip"}, true},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.values); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

// TestEmbedded checks the real embedded bundle: built (after `make graphiql`) or not.
func TestEmbedded(t *testing.T) {
	h := Handler("/graphql")
	rec := serve(t, h, http.MethodGet, "/", nil)
	if !Built() {
		t.Log("the GraphiQL bundle is not built into this test binary; checking the 503 page")
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("status = %d, want 503", rec.Code)
		}
		return
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	m := scriptRe.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no script tag: %s", rec.Body.String())
	}
	js := serve(t, h, http.MethodGet, m[1], nil)
	if js.Code != http.StatusOK || js.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || js.Body.Len() < 100_000 {
		t.Errorf("bundle: status %d, Content-Type %q, %d bytes", js.Code, js.Header().Get("Content-Type"), js.Body.Len())
	}
	css := serve(t, h, http.MethodGet, styleRe.FindStringSubmatch(rec.Body.String())[1], nil)
	if css.Code != http.StatusOK || css.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("stylesheet: status %d, Content-Type %q", css.Code, css.Header().Get("Content-Type"))
	}
}

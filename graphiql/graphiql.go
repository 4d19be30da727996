// Package graphiql serves the GraphiQL IDE from the gateway itself: the page, its script
// and its styles are embedded in the binary, so the browser loads nothing from a CDN.
//
// The bundle is built from web/ (see web/build.mjs) into dist/, which is embedded:
//
//	cd graphiql/web && npm ci && npm run build
//
// A binary built without that step still compiles (dist/ holds a placeholder) and answers
// "/" with a 503 page that says how to build the bundle.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dist holds the built bundle, or only its placeholder when it was not built.
//
//go:embed all:dist
var dist embed.FS

// assetPrefix is the URL path under which the bundle's files are served.
const assetPrefix = "/graphiql/"

// entryScript is the file whose presence means the bundle was built.
const entryScript = "index.js"

// contentSecurityPolicy allows the page to load only from the gateway. Fonts and a few
// images are data: URIs inside graphiql's stylesheet. GraphiQL's dialogs insert <style>
// elements at run time; instead of 'unsafe-inline' they get the page's nonce (%[1]s is
// replaced by a 'nonce-…' source, or by nothing for the static "not built" page). The
// script tag carries the nonce only to hand it to the bundle; scripts load by 'self'.
const contentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self'; " +
	"style-src 'self'%[1]s; " +
	"img-src 'self' data:; " +
	"font-src 'self' data:; " +
	"connect-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'none'; " +
	"form-action 'self'; " +
	"frame-ancestors 'none'"

// csp returns the Content-Security-Policy for a page with the given nonce ("" for none).
func csp(nonce string) string {
	source := ""
	if nonce != "" {
		source = " 'nonce-" + nonce + "'"
	}
	return fmt.Sprintf(contentSecurityPolicy, source)
}

// contentType returns the Content-Type for a file extension of the bundle; ok is false
// for files that are not served (the placeholder, anything unexpected).
func contentType(ext string) (value string, ok bool) {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8", true
	case ".css":
		return "text/css; charset=utf-8", true
	case ".woff2":
		return "font/woff2", true
	case ".woff":
		return "font/woff", true
	case ".ttf":
		return "font/ttf", true
	case ".svg":
		return "image/svg+xml", true
	case ".png":
		return "image/png", true
	case ".txt":
		return "text/plain; charset=utf-8", true
	}
	return "", false
}

// compressible reports whether files with the extension are worth serving gzipped.
func compressible(ext string) bool {
	switch ext {
	case ".js", ".css", ".svg", ".txt":
		return true
	}
	return false
}

// Handler serves the GraphiQL page at "/" and its assets under "/graphiql/<version>/",
// where version is a hash of the bundle: assets are cached for a year (immutable), the
// page is never cached. The page carries a Content-Security-Policy that allows scripts,
// styles and connections only from the gateway itself (plus a per-page nonce for the
// <style> elements GraphiQL's dialogs insert); it holds no API key or other secret.
//
// endpoint is the GraphQL URL path, e.g. "/graphql"; it must be on the same origin.
// "/graphiql" redirects to "/"; every other path answers 404, so the handler can be
// mounted at "/" of a ServeMux.
//
// When the bundle was not built into the binary, "/" answers 503 with a page saying how
// to build it.
func Handler(endpoint string) http.Handler {
	return newHandler(endpoint, distFS())
}

// Built reports whether the bundle was built into the binary (dist has the JS bundle).
func Built() bool {
	return built(distFS())
}

// distFS returns the embedded dist directory.
func distFS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("graphiql: embedded dist directory: " + err.Error()) // "dist" is a valid path: cannot happen
	}
	return sub
}

// built reports whether assets holds a non-empty entry script.
func built(assets fs.FS) bool {
	info, err := fs.Stat(assets, entryScript)
	return err == nil && info.Mode().IsRegular() && info.Size() > 0
}

// handler serves the page and the assets read from an fs.FS.
type handler struct {
	// page fills the GraphiQL page; nil when the bundle is missing or unreadable, and
	// then staticPage answers instead with staticStatus.
	page         *pageData
	staticPage   []byte
	staticStatus int
	version      string
	assets       map[string]*asset
}

// asset is one file of the bundle.
type asset struct {
	contentType string
	etag        string
	body        []byte
	gzipped     func() []byte // nil when not worth compressing; computed on first use
}

// newHandler builds the handler over the bundle in assets (the root of a dist directory).
// Tests inject an fstest.MapFS here.
func newHandler(endpoint string, assets fs.FS) *handler {
	if endpoint == "" {
		endpoint = "/graphql"
	}
	h := &handler{assets: map[string]*asset{}}
	if !built(assets) {
		h.staticPage = []byte(notBuiltPage)
		h.staticStatus = http.StatusServiceUnavailable
		return h
	}

	version := sha256.New()
	var names []string
	err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ctype, ok := contentType(path.Ext(name))
		if !ok || !d.Type().IsRegular() {
			return nil
		}
		body, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a := &asset{
			contentType: ctype,
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
			body:        body,
		}
		if compressible(path.Ext(name)) {
			a.gzipped = sync.OnceValue(func() []byte { return gzipOrNil(body) })
		}
		h.assets[name] = a
		names = append(names, name)
		return nil
	})
	if err != nil {
		// The embedded FS cannot fail to read; an injected one can. Say so instead of
		// serving a half-built bundle.
		h.staticPage = brokenPage(err)
		h.staticStatus = http.StatusInternalServerError
		h.assets = map[string]*asset{}
		return h
	}
	slices.Sort(names)
	for _, name := range names {
		version.Write([]byte(name + "\x00" + h.assets[name].etag + "\x00"))
	}
	h.version = hex.EncodeToString(version.Sum(nil))[:16]

	h.page = &pageData{
		Endpoint:   endpoint,
		Script:     assetPrefix + h.version + "/" + entryScript,
		Stylesheet: h.stylesheet(),
	}
	return h
}

// stylesheet is the URL of index.css, or "" when the bundle has none.
func (h *handler) stylesheet() string {
	if _, ok := h.assets["index.css"]; !ok {
		return ""
	}
	return assetPrefix + h.version + "/index.css"
}

// ServeHTTP serves the page, the assets and the redirect from /graphiql.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		if !allowRead(w, r) {
			return
		}
		h.servePage(w)
	case p == "/graphiql" || p == assetPrefix:
		http.Redirect(w, r, "/", http.StatusFound)
	case strings.HasPrefix(p, assetPrefix):
		if !allowRead(w, r) {
			return
		}
		h.serveAsset(w, r, strings.TrimPrefix(p, assetPrefix))
	default:
		http.NotFound(w, r)
	}
}

// allowRead answers 405 unless the method is GET or HEAD.
func allowRead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// servePage writes the page with its security headers. The GraphiQL page is rendered for
// every request with a fresh nonce; it is never stored by caches.
func (h *handler) servePage(w http.ResponseWriter) {
	body, status, nonce := h.staticPage, h.staticStatus, ""
	if h.page != nil {
		nonce = newNonce()
		data := *h.page
		data.Nonce = nonce
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, data); err != nil {
			http.Error(w, "graphiql: rendering the page failed", http.StatusInternalServerError)
			return
		}
		body, status = buf.Bytes(), http.StatusOK
	}

	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", csp(nonce))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cache-Control", "no-cache, no-store")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// newNonce returns 128 random bits, base64-encoded, for a CSP nonce.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// serveAsset serves "<version>/<name>". Only the current version exists: an old page
// asking for an old bundle gets 404 rather than a mismatched file.
func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, rest string) {
	version, name, ok := strings.Cut(rest, "/")
	a := h.assets[name]
	if !ok || version != h.version || a == nil {
		w.Header().Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}

	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	body, etag := a.body, a.etag
	if a.gzipped != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if gz := a.gzipped(); gz != nil && acceptsGzip(r.Header.Values("Accept-Encoding")) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gzip"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// gzipOrNil compresses body, or returns nil when that does not make it smaller.
func gzipOrNil(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	_, _ = zw.Write(body)
	if err := zw.Close(); err != nil || buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether Accept-Encoding values allow gzip, by name or by "*"; a
// named gzip entry wins over "*".
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

package graphiql

import (
	"html/template"
	"strings"
)

// pageData fills pageTemplate.
type pageData struct {
	Endpoint   string
	Script     string
	Stylesheet string
	Nonce      string // the CSP nonce; the bundle hands it to the <style> elements it inserts
}

// pageTemplate is the GraphiQL page. It has no inline script or style: the bundle reads
// the endpoint from the data attribute and the nonce from its own script tag, and React
// replaces the loading text.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>scoutgraph · GraphiQL</title>
<link rel="icon" href="data:,">
{{- if .Stylesheet}}
<link rel="stylesheet" href="{{.Stylesheet}}">
{{- end}}
<script defer src="{{.Script}}" nonce="{{.Nonce}}"></script>
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}">
<p class="sg-loading">Loading GraphiQL…</p>
<noscript><p>GraphiQL needs JavaScript. The GraphQL endpoint is <code>{{.Endpoint}}</code>.</p></noscript>
</div>
</body>
</html>
`))

// notBuiltPage answers "/" when the binary was built without the GraphiQL bundle.
const notBuiltPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>scoutgraph · GraphiQL not built</title>
</head>
<body>
<h1>GraphiQL is not built into this binary</h1>
<p>The GraphQL endpoint works; only the in-browser IDE is missing. Build its bundle and then the binary again:</p>
<pre>make graphiql      # runs: cd graphiql/web &amp;&amp; npm ci &amp;&amp; npm run build
go build .</pre>
</body>
</html>
`

// brokenPage answers "/" when the bundle could not be read.
func brokenPage(err error) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<title>scoutgraph · GraphiQL unavailable</title>\n</head>\n<body>\n" +
		"<h1>The GraphiQL bundle could not be read</h1>\n<p>")
	b.WriteString(template.HTMLEscapeString(err.Error()))
	b.WriteString("</p>\n<p>Rebuild it with <code>make graphiql</code> and then the binary.</p>\n</body>\n</html>\n")
	return []byte(b.String())
}

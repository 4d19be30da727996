package graph

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed schema/*.graphqls
var schemaFiles embed.FS

// SDL returns the GraphQL schema as written in schema/*.graphqls.
func SDL() string {
	var b strings.Builder
	names, _ := fs.Glob(schemaFiles, "schema/*.graphqls")
	for _, n := range names {
		src, _ := schemaFiles.ReadFile(n)
		b.WriteString("# " + strings.TrimPrefix(n, "schema/") + "\n")
		b.Write(src)
		b.WriteString("\n")
	}
	return b.String()
}

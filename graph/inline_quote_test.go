package graph

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/scoutgraph/scoutgraph/graph/model"
)

// FuzzQuotedIsGqlgens: the inline writers quote a string exactly as
// gqlgen's MarshalString does, whatever its bytes.
//
//	go test ./graph -run '^$' -fuzz FuzzQuotedIsGqlgens -fuzztime 30s
func FuzzQuotedIsGqlgens(f *testing.F) {
	for _, s := range []string{"", "plain", `"`, `\`, "\n\r\t\b\f\x00\x1f\x7f", "é✓\u2028", "bad \xff\xfe utf-8", "</script>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		if got := appendQuoted(nil, s); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendQuoted(%q) = %s, gqlgen writes %s", s, got, want.Bytes())
		}
	})
}

// FuzzDateTimeAsBefore: AppendDateTime writes what MarshalDateTime wrote
// before it was built on it.
func FuzzDateTimeAsBefore(f *testing.F) {
	f.Add(int64(1584312382), int64(0), 0)
	f.Add(int64(1709251198), int64(123456000), 3600)
	f.Add(int64(-62135596800), int64(1), -7200)
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int) {
		tm := time.Unix(sec, nsec%1e9).In(time.FixedZone("z", offset%86400))
		if y := tm.UTC().Year(); y < 0 || y > 9999 {
			t.Skip("no four-digit year")
		}
		want := strconv.Quote(tm.UTC().Format(time.RFC3339Nano))
		if got := string(model.AppendDateTime(nil, tm)); got != want {
			t.Fatalf("AppendDateTime(%v) = %s, want %s", tm, got, want)
		}
	})
}

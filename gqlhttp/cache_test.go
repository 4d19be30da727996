package gqlhttp

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestQueryCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := t.Context()
	c := newQueryCache(2, 1<<20)
	a, b, d := &ast.QueryDocument{}, &ast.QueryDocument{}, &ast.QueryDocument{}
	c.Add(ctx, "a", a)
	c.Add(ctx, "b", b)
	if got, ok := c.Get(ctx, "a"); !ok || got != a { // a is now the most recently used
		t.Fatalf("Get(a) = %v, %v", got, ok)
	}
	c.Add(ctx, "d", d)
	if _, ok := c.Get(ctx, "b"); ok {
		t.Error("b should have been evicted")
	}
	for _, q := range []string{"a", "d"} {
		if _, ok := c.Get(ctx, q); !ok {
			t.Errorf("%s should be cached", q)
		}
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
}

func TestQueryCacheByteBudget(t *testing.T) {
	ctx := t.Context()
	c := newQueryCache(100, 10)
	c.Add(ctx, strings.Repeat("a", 11), &ast.QueryDocument{}) // larger than the whole budget
	if c.Len() != 0 {
		t.Fatalf("an oversized query was cached")
	}
	c.Add(ctx, "12345", &ast.QueryDocument{})
	c.Add(ctx, "67890", &ast.QueryDocument{})
	c.Add(ctx, "x", &ast.QueryDocument{})
	if _, ok := c.Get(ctx, "12345"); ok {
		t.Error("the oldest query should have been evicted to stay within the byte budget")
	}
	if c.Len() != 2 || c.bytes != 6 {
		t.Errorf("Len = %d, bytes = %d; want 2, 6", c.Len(), c.bytes)
	}
	c.Add(ctx, "x", &ast.QueryDocument{}) // re-adding does not count twice
	if c.bytes != 6 {
		t.Errorf("bytes = %d after re-adding, want 6", c.bytes)
	}
}

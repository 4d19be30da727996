package gqlhttp

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// queryCache is a least-recently-used graphql.Cache of parsed, validated documents keyed
// by query text. It is bounded both by entry count and by the total length of the cached
// query texts, so a stream of huge distinct queries cannot grow it without limit.
//
// gqlgen ships an LRU (graphql/handler/lru), but its module dependency is not in this
// module's go.sum; this one needs only the standard library.
type queryCache struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int
	bytes      int
	order      *list.List // front = most recently used; values are *cacheEntry
	entries    map[string]*list.Element
}

type cacheEntry struct {
	query string
	doc   *ast.QueryDocument
}

var _ graphql.Cache[*ast.QueryDocument] = (*queryCache)(nil)

// newQueryCache returns an empty cache holding at most maxEntries documents whose query
// texts add up to at most maxBytes.
func newQueryCache(maxEntries, maxBytes int) *queryCache {
	return &queryCache{
		maxEntries: maxEntries,
		maxBytes:   maxBytes,
		order:      list.New(),
		entries:    make(map[string]*list.Element),
	}
}

// Get returns the cached document for query.
func (c *queryCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[query]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).doc, true
}

// Add caches doc for query, evicting the least recently used entries as needed. A query
// longer than the whole byte budget is not cached.
func (c *queryCache) Add(_ context.Context, query string, doc *ast.QueryDocument) {
	if len(query) > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[query]; ok {
		el.Value.(*cacheEntry).doc = doc
		c.order.MoveToFront(el)
		return
	}
	c.entries[query] = c.order.PushFront(&cacheEntry{query: query, doc: doc})
	c.bytes += len(query)
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		oldest := c.order.Back()
		entry := oldest.Value.(*cacheEntry)
		c.order.Remove(oldest)
		delete(c.entries, entry.query)
		c.bytes -= len(entry.query)
	}
}

// Len reports the number of cached documents.
func (c *queryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

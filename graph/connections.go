package graph

import (
	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/paging"
)

// Relay connections: a window of a list with its cursors and page info.

// pageInfo describes the window [offset, offset+n) of a list of total items.
func pageInfo(offset, n, total int) *model.PageInfo {
	pi := &model.PageInfo{HasPreviousPage: offset > 0, HasNextPage: offset+n < total}
	if n > 0 {
		start, end := paging.Cursor(offset), paging.Cursor(offset+n-1)
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}

// nodesAndEdges turns the window of a list that starts at offset into a
// connection's nodes and its edges, which carry the same nodes with their
// cursors.
func nodesAndEdges[T, N, E any](items []T, offset int, node func(*T) N, edge func(cursor string, n N) E) ([]N, []E) {
	nodes, edges := make([]N, 0, len(items)), make([]E, 0, len(items))
	for i := range items {
		n := node(&items[i])
		nodes = append(nodes, n)
		edges = append(edges, edge(paging.Cursor(offset+i), n))
	}
	return nodes, edges
}

// Package paging maps Relay-style cursors (first/after) onto FreeScout's
// page/pageSize paging with as few upstream calls as possible.
//
// A cursor is the opaque encoding of an item's absolute offset in the list,
// so paging with any page size visits every item exactly once while the
// list does not change.
package paging

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// Page-size limits of the GraphQL API.
const (
	DefaultFirst = 50
	MaxFirst     = 100
	// MaxPageSize is the largest pageSize the gateway asks FreeScout for.
	MaxPageSize = 100
	// MaxOffset bounds the offsets cursors may hold: far beyond any
	// helpdesk's list, and far from overflowing the page arithmetic.
	MaxOffset = 1 << 31
)

// ErrBadArgs reports invalid first/after arguments.
var ErrBadArgs = errors.New("invalid paging arguments")

const cursorPrefix = "offset:"

// Cursor encodes an item's offset as an opaque cursor.
func Cursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

// Args turns first/after into the offset of the first wanted item and the
// number wanted. first defaults to DefaultFirst and may not exceed MaxFirst.
func Args(first *int, after *string) (offset, limit int, err error) {
	limit = DefaultFirst
	if first != nil {
		limit = *first
	}
	if limit < 0 || limit > MaxFirst {
		return 0, 0, fmt.Errorf("%w: first must be between 0 and %d", ErrBadArgs, MaxFirst)
	}
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
			return 0, 0, fmt.Errorf("%w: after is not a cursor of this API", ErrBadArgs)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(string(b), cursorPrefix))
		if err != nil || n < 0 || n >= MaxOffset {
			return 0, 0, fmt.Errorf("%w: after is not a cursor of this API", ErrBadArgs)
		}
		offset = n + 1
	}
	return offset, limit, nil
}

// Fetcher fetches one FreeScout page (1-based) of the given size.
type Fetcher[T any] func(ctx context.Context, page, size int) ([]T, upstream.Page, error)

// Window returns items [offset, offset+limit) of a list and the list's total
// length. It picks the smallest page size that covers the window with one
// call; when none does, it fetches the two pages of size limit that do,
// concurrently. If FreeScout ignores pageSize (older API module versions),
// the pages it actually serves are used to fetch what is still missing.
// limit 0 still makes one small call, for the total.
func Window[T any](ctx context.Context, offset, limit int, fetch Fetcher[T]) ([]T, int, error) {
	return WindowSized(ctx, offset, limit, 0, fetch)
}

// WindowSized is Window for a list known to be served in pages of served
// items whatever page size is asked for (an older API module ignores
// pageSize and serves 50): it asks for pages of that size from the start,
// instead of learning it from a first answer. served 0 is Window.
func WindowSized[T any](ctx context.Context, offset, limit, served int, fetch Fetcher[T]) ([]T, int, error) {
	if limit == 0 {
		_, p, err := fetch(ctx, 1, 1)
		return []T{}, p.TotalElements, err
	}
	size := served
	if size <= 0 {
		size = coveringSize(offset, limit)
	}
	if size == 0 {
		size = limit
	}
	firstPage := offset/size + 1
	lastPage := (offset+limit-1)/size + 1
	pages, total, served, err := fetchPages(ctx, fetch, firstPage, lastPage, size)
	if err != nil {
		return nil, 0, err
	}
	if served != size && served > 0 {
		// FreeScout used its own page size: start again with it.
		size = served
		pages, total, _, err = fetchPages(ctx, fetch, offset/size+1, (offset+limit-1)/size+1, size)
		if err != nil {
			return nil, 0, err
		}
		firstPage = offset/size + 1
	}
	var all []T
	for _, p := range pages {
		all = append(all, p...)
	}
	start := offset - (firstPage-1)*size
	if start >= len(all) {
		return []T{}, total, nil
	}
	end := min(start+limit, len(all))
	return all[start:end], total, nil
}

// Calls is how many list calls Window makes for the window [offset,
// offset+limit) when FreeScout honours pageSize: one when a page size covers
// it (or limit is 0), else two.
func Calls(offset, limit int) int {
	if limit == 0 || coveringSize(offset, limit) > 0 {
		return 1
	}
	return 2
}

// coveringSize returns the smallest page size in [limit, MaxPageSize] whose
// single page holds the whole window, or 0.
func coveringSize(offset, limit int) int {
	for s := limit; s <= MaxPageSize; s++ {
		if offset/s == (offset+limit-1)/s {
			return s
		}
	}
	return 0
}

// fetchPages fetches pages first..last concurrently, returning them in order,
// the list's total and the page size FreeScout reports it served.
func fetchPages[T any](ctx context.Context, fetch Fetcher[T], first, last, size int) ([][]T, int, int, error) {
	pages := make([][]T, last-first+1)
	infos := make([]upstream.Page, len(pages))
	g, gctx := errgroup.WithContext(ctx)
	for i := range pages {
		g.Go(func() error {
			items, p, err := fetch(gctx, first+i, size)
			pages[i], infos[i] = items, p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, 0, 0, err
	}
	return pages, infos[0].TotalElements, infos[0].Size, nil
}

// Slice windows an in-memory list the same way.
func Slice[T any](all []T, offset, limit int) []T {
	if offset >= len(all) {
		return []T{}
	}
	return all[offset:min(offset+limit, len(all))]
}

// Page is one window of a list: its items, the list's total length (-1 when
// it was not needed and is not known) and whether items follow the window.
type Page[T any] struct {
	Items   []T
	Total   int
	HasNext bool
}

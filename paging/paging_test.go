package paging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// fakeList serves page/pageSize windows of n items numbered 0..n-1. When
// fixedSize is set it ignores the requested size, like old API modules.
type fakeList struct {
	n, fixedSize int
	calls        atomic.Int32
}

func (f *fakeList) fetch(_ context.Context, page, size int) ([]int, upstream.Page, error) {
	f.calls.Add(1)
	if f.fixedSize > 0 {
		size = f.fixedSize
	}
	var out []int
	for i := (page - 1) * size; i < page*size && i < f.n; i++ {
		out = append(out, i)
	}
	return out, upstream.Page{Size: size, TotalElements: f.n, TotalPages: (f.n + size - 1) / size, Number: page}, nil
}

func TestWindowVisitsEveryItemOnce(t *testing.T) {
	for _, n := range []int{0, 1, 49, 50, 51, 240} {
		for _, first := range []int{1, 3, 7, 50, 99, 100} {
			for _, fixed := range []int{0, 50} {
				t.Run(fmt.Sprintf("n=%d/first=%d/fixed=%d", n, first, fixed), func(t *testing.T) {
					f := &fakeList{n: n, fixedSize: fixed}
					var seen []int
					var after *string
					for pages := 0; ; pages++ {
						if pages > n+1 {
							t.Fatal("paging does not end")
						}
						offset, limit, err := Args(&first, after)
						if err != nil {
							t.Fatal(err)
						}
						items, total, err := Window(t.Context(), offset, limit, f.fetch)
						if err != nil {
							t.Fatal(err)
						}
						if total != n {
							t.Fatalf("total = %d, want %d", total, n)
						}
						seen = append(seen, items...)
						if offset+len(items) >= total || len(items) == 0 {
							break
						}
						c := Cursor(offset + len(items) - 1)
						after = &c
					}
					want := make([]int, n)
					for i := range want {
						want[i] = i
					}
					if !slices.Equal(seen, want) && !(n == 0 && len(seen) == 0) {
						t.Fatalf("visited %v, want 0..%d once each", seen, n-1)
					}
				})
			}
		}
	}
}

func TestWindowCallCount(t *testing.T) {
	tests := []struct {
		offset, limit int
		calls         int32
	}{
		{0, 50, 1},    // page 1 of size 50
		{50, 50, 1},   // page 2 of size 50
		{3, 7, 1},     // size 10 covers 3..9
		{45, 10, 1},   // size 55 covers 45..54
		{95, 10, 1},   // size 53: page 2 covers 53..105
		{150, 100, 2}, // no size up to 100 covers 150..249: two pages of 100
	}
	for _, tt := range tests {
		f := &fakeList{n: 500}
		items, _, err := Window(t.Context(), tt.offset, tt.limit, f.fetch)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.calls.Load(); got != tt.calls {
			t.Errorf("Window(%d, %d) made %d calls, want %d", tt.offset, tt.limit, got, tt.calls)
		}
		if len(items) != tt.limit || items[0] != tt.offset {
			t.Errorf("Window(%d, %d) = %v", tt.offset, tt.limit, items)
		}
	}
}

func TestArgs(t *testing.T) {
	neg, big, zero := -1, 101, 0
	bad := "not-a-cursor"
	if _, _, err := Args(&neg, nil); !errors.Is(err, ErrBadArgs) {
		t.Errorf("first=-1: err = %v", err)
	}
	if _, _, err := Args(&big, nil); !errors.Is(err, ErrBadArgs) {
		t.Errorf("first=101: err = %v", err)
	}
	if _, _, err := Args(nil, &bad); !errors.Is(err, ErrBadArgs) {
		t.Errorf("bad cursor: err = %v", err)
	}
	if off, lim, err := Args(nil, nil); err != nil || off != 0 || lim != DefaultFirst {
		t.Errorf("defaults = %d, %d, %v", off, lim, err)
	}
	if _, lim, err := Args(&zero, nil); err != nil || lim != 0 {
		t.Errorf("first=0 = %d, %v", lim, err)
	}
	c := Cursor(41)
	if off, _, err := Args(nil, &c); err != nil || off != 42 {
		t.Errorf("after cursor 41: offset %d, %v", off, err)
	}
}

func TestWindowError(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := Window(t.Context(), 0, 10, func(context.Context, int, int) ([]int, upstream.Page, error) {
		return nil, upstream.Page{}, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

// TestWindowSized: told the page size an old module serves, the window takes the pages of
// that size at once (one call where Window needs two), and still visits every item once.
func TestWindowSized(t *testing.T) {
	tests := []struct {
		offset, limit int
		calls         int32
	}{
		{0, 20, 1}, {45, 10, 2}, {60, 30, 1}, {0, 100, 2}, {200, 40, 1}, {230, 50, 2},
	}
	for _, tt := range tests {
		f := &fakeList{n: 240, fixedSize: 50}
		items, total, err := WindowSized(t.Context(), tt.offset, tt.limit, 50, f.fetch)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.calls.Load(); got != tt.calls {
			t.Errorf("WindowSized(%d, %d) made %d calls, want %d", tt.offset, tt.limit, got, tt.calls)
		}
		want := min(tt.limit, 240-tt.offset)
		if total != 240 || len(items) != want || items[0] != tt.offset {
			t.Errorf("WindowSized(%d, %d) = %v (total %d)", tt.offset, tt.limit, items, total)
		}
	}
}

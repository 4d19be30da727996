package customfields

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// The upstream client is a Source.
var _ Source = (*upstream.MailboxesService)(nil)

// fakeSource is a FreeScout stand-in that counts its calls per mailbox.
type fakeSource struct {
	mu    sync.Mutex
	defs  map[int][]upstream.CustomField
	err   error
	calls map[int]int
}

func newFakeSource(t *testing.T) *fakeSource {
	return &fakeSource{
		defs:  map[int][]upstream.CustomField{1: decodeDefs(t, sampleJSON)},
		calls: map[int]int{},
	}
}

func (f *fakeSource) ListCustomFields(_ context.Context, mailboxID int) ([]upstream.CustomField, upstream.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[mailboxID]++
	if f.err != nil {
		return nil, upstream.Page{}, f.err
	}
	// Hand out a copy with FreeScout's unsorted order, as a real answer would.
	src := f.defs[mailboxID]
	out := make([]upstream.CustomField, len(src))
	for i := range src {
		out[len(src)-1-i] = src[i]
	}
	return out, upstream.Page{Size: 50, TotalElements: len(out), TotalPages: 1, Number: 1}, nil
}

func (f *fakeSource) callCount(mailboxID int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[mailboxID]
}

// addOption adds a dropdown option to field id in mailbox 1, as an admin
// would in FreeScout.
func (f *fakeSource) addOption(id int, opt upstream.FieldOption) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defs := append([]upstream.CustomField(nil), f.defs[1]...)
	for i := range defs {
		if defs[i].ID == id {
			defs[i].Options = append(append([]upstream.FieldOption(nil), defs[i].Options...), opt)
		}
	}
	f.defs[1] = defs
}

func (f *fakeSource) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func newTestDefinitions(t *testing.T) (*Definitions, *fakeSource, *cache.Memory) {
	t.Helper()
	src := newFakeSource(t)
	mem := cache.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	return NewDefinitions(src, cache.NewStore(mem, cache.StoreOptions{}), time.Hour), src, mem
}

func TestDefinitionsGetSortsAndCaches(t *testing.T) {
	d, src, _ := newTestDefinitions(t)
	ctx := t.Context()

	first, err := d.Get(ctx, 1)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if want := decodeDefs(t, sampleJSON); !reflect.DeepEqual(first, want) {
		t.Errorf("Get = %+v\nwant  %+v", first, want)
	}
	if n := src.callCount(1); n != 1 {
		t.Fatalf("source calls after first Get = %d, want 1", n)
	}

	second, err := d.Get(ctx, 1)
	if err != nil {
		t.Fatalf("second Get: %v", err)
	}
	if !reflect.DeepEqual(second, first) {
		t.Errorf("cached Get = %+v\nwant         %+v", second, first)
	}
	if n := src.callCount(1); n != 1 {
		t.Errorf("source calls after second Get = %d, want 1 (cached)", n)
	}
}

func TestDefinitionsSortOrder(t *testing.T) {
	src := &fakeSource{calls: map[int]int{}, defs: map[int][]upstream.CustomField{
		2: {
			{ID: 5, Name: "E", SortOrder: 2},
			{ID: 9, Name: "I", SortOrder: 1},
			{ID: 3, Name: "C", SortOrder: 2},
			{ID: 7, Name: "G", SortOrder: 0},
		},
	}}
	d := NewDefinitions(src, cache.NewStore(cache.NewMemory(), cache.StoreOptions{}), 0)
	for range 2 { // fresh, then cached
		got, err := d.Get(t.Context(), 2)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		var ids []int
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		if want := []int{7, 9, 3, 5}; !reflect.DeepEqual(ids, want) {
			t.Errorf("ids = %v, want %v", ids, want)
		}
	}
}

func TestDefinitionsEmptyMailbox(t *testing.T) {
	d, src, _ := newTestDefinitions(t)
	for range 2 {
		got, err := d.Get(t.Context(), 3)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if got == nil || len(got) != 0 {
			t.Errorf("Get = %#v, want an empty non-nil list", got)
		}
	}
	if n := src.callCount(3); n != 1 {
		t.Errorf("source calls = %d, want 1 (an empty list is cached too)", n)
	}
}

func TestDefinitionsMailboxesAreSeparate(t *testing.T) {
	d, src, _ := newTestDefinitions(t)
	ctx := t.Context()
	if _, err := d.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, 2); err != nil {
		t.Fatal(err)
	}
	d.Invalidate(ctx, 2)
	if _, err := d.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n1, n2 := src.callCount(1), src.callCount(2); n1 != 1 || n2 != 1 {
		t.Errorf("source calls = mailbox 1: %d, mailbox 2: %d; want 1 each", n1, n2)
	}
}

func TestDefinitionsInvalidate(t *testing.T) {
	d, src, _ := newTestDefinitions(t)
	ctx := t.Context()
	if _, err := d.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	src.addOption(18, upstream.FieldOption{ID: "4", Label: "Urgent"})

	got, err := d.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := Find(got, 18); len(p.Options) != 3 {
		t.Errorf("cached options = %+v, want the 3 cached ones", p.Options)
	}

	d.Invalidate(ctx, 1)
	got, err = d.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := src.callCount(1); n != 2 {
		t.Errorf("source calls = %d, want 2", n)
	}
	if p, _ := Find(got, 18); len(p.Options) != 4 || p.Options[3].Label != "Urgent" {
		t.Errorf("options after Invalidate = %+v, want Urgent added", p.Options)
	}
}

func TestDefinitionsReplacesUnreadableCachedValue(t *testing.T) {
	d, src, mem := newTestDefinitions(t)
	ctx := t.Context()
	if err := mem.Set(ctx, Key(1), []byte(`{"not":"a list"}`), time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := d.Get(ctx, 1)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if len(got) != 10 {
		t.Errorf("Get returned %d fields, want 10", len(got))
	}
	if _, err := d.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := src.callCount(1); n != 1 {
		t.Errorf("source calls = %d, want 1 (the bad value is replaced by one load, then cached)", n)
	}
}

func TestDefinitionsSourceError(t *testing.T) {
	d, src, _ := newTestDefinitions(t)
	ctx := t.Context()
	boom := errors.New("freescout is down")
	src.setErr(boom)

	defs, err := d.Get(ctx, 7)
	if !errors.Is(err, boom) {
		t.Fatalf("Get error = %v, want it to wrap %v", err, boom)
	}
	if defs != nil {
		t.Errorf("Get defs = %+v, want nil with an error", defs)
	}
	if !strings.Contains(err.Error(), "mailbox 7") {
		t.Errorf("Get error %q does not name the mailbox", err)
	}

	writes, problems, err := d.Resolve(ctx, 7, []Input{{Name: "Priority", Value: ptr("Low")}})
	if !errors.Is(err, boom) || writes != nil || problems != nil {
		t.Errorf("Resolve = %v, %v, %v; want only an error wrapping %v", writes, problems, err, boom)
	}

	// Errors are not cached: once FreeScout answers, so does Get.
	src.setErr(nil)
	src.mu.Lock()
	src.defs[7] = src.defs[1]
	src.mu.Unlock()
	if _, err := d.Get(ctx, 7); err != nil {
		t.Errorf("Get after recovery: %v", err)
	}
	if n := src.callCount(7); n != 3 {
		t.Errorf("source calls = %d, want 3", n)
	}
}

func TestDefinitionsRefetchError(t *testing.T) {
	d, src, _ := newTestDefinitions(t)
	ctx := t.Context()
	if _, err := d.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("freescout is down")
	src.setErr(boom)
	_, _, err := d.Resolve(ctx, 1, []Input{{Name: "Priority", Value: ptr("Urgent")}})
	if !errors.Is(err, boom) {
		t.Errorf("Resolve error = %v, want it to wrap %v", err, boom)
	}
}

func TestDefinitionsResolve(t *testing.T) {
	tests := []struct {
		name      string
		warm      bool                // Get before the change and Resolve, so the cache holds the old definitions
		change    func(f *fakeSource) // what an admin does in FreeScout after the cache was filled
		in        []Input
		want      []upstream.CustomFieldWrite
		wantCodes []string
		wantCalls int
	}{
		{
			name:      "valid, cached",
			warm:      true,
			in:        []Input{{Name: "Priority", Value: ptr("High")}, {Name: "Amount", Value: ptr("3")}},
			want:      []upstream.CustomFieldWrite{w(18, 3), w(39, 3)},
			wantCalls: 1,
		},
		{
			name:      "valid, cold",
			in:        []Input{{ID: "19", Value: ptr("2024-03-15")}},
			want:      []upstream.CustomFieldWrite{w(19, "2024-03-15")},
			wantCalls: 1,
		},
		{
			name:      "label added upstream after caching",
			warm:      true,
			change:    func(f *fakeSource) { f.addOption(18, upstream.FieldOption{ID: "4", Label: "Urgent"}) },
			in:        []Input{{Name: "Priority", Value: ptr("urgent")}, {Name: "Vendor", Value: ptr("Acme")}},
			want:      []upstream.CustomFieldWrite{w(18, 4), w(37, "Acme")},
			wantCalls: 2,
		},
		{
			name: "field added upstream after caching",
			warm: true,
			change: func(f *fakeSource) {
				f.mu.Lock()
				defer f.mu.Unlock()
				f.defs[1] = append(append([]upstream.CustomField(nil), f.defs[1]...),
					upstream.CustomField{ID: 60, Name: "Order Ref", Type: upstream.FieldSingleLine, SortOrder: 20})
			},
			in:        []Input{{Name: "order ref", Value: ptr("A-1")}},
			want:      []upstream.CustomFieldWrite{w(60, "A-1")},
			wantCalls: 2,
		},
		{
			name:      "truly unknown label, cached",
			warm:      true,
			in:        []Input{{Name: "Priority", Value: ptr("Bogus")}},
			wantCodes: []string{CodeUnknownOption},
			wantCalls: 2,
		},
		{
			name:      "truly unknown field, cached",
			warm:      true,
			in:        []Input{{ID: "999", Value: ptr("x")}},
			wantCodes: []string{CodeUnknownField},
			wantCalls: 2,
		},
		{
			name:      "truly unknown label, cold: just fetched, no second fetch",
			in:        []Input{{Name: "Priority", Value: ptr("Bogus")}},
			wantCodes: []string{CodeUnknownOption},
			wantCalls: 1,
		},
		{
			name:      "invalid date does not refetch",
			warm:      true,
			in:        []Input{{Name: "Purchase Date", Value: ptr("2024-02-30")}, {Name: "Amount", Value: ptr("x")}},
			wantCodes: []string{CodeInvalidDate, CodeInvalidNumber},
			wantCalls: 1,
		},
		{
			name:      "duplicate does not refetch",
			warm:      true,
			in:        []Input{{ID: "37", Value: ptr("a")}, {Name: "Vendor", Value: ptr("b")}},
			wantCodes: []string{CodeDuplicateField},
			wantCalls: 1,
		},
		{
			name:      "stale and invalid together: refetch once, invalid remains",
			warm:      true,
			change:    func(f *fakeSource) { f.addOption(18, upstream.FieldOption{ID: "4", Label: "Urgent"}) },
			in:        []Input{{Name: "Priority", Value: ptr("Urgent")}, {Name: "Amount", Value: ptr("12abc")}},
			wantCodes: []string{CodeInvalidNumber},
			wantCalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, src, _ := newTestDefinitions(t)
			ctx := t.Context()
			if tt.warm {
				if _, err := d.Get(ctx, 1); err != nil {
					t.Fatal(err)
				}
			}
			if tt.change != nil {
				tt.change(src)
			}
			writes, problems, err := d.Resolve(ctx, 1, tt.in)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if !reflect.DeepEqual(writes, tt.want) {
				t.Errorf("writes = %#v\nwant     %#v", writes, tt.want)
			}
			var codes []string
			for _, p := range problems {
				codes = append(codes, p.Code)
			}
			if !reflect.DeepEqual(codes, tt.wantCodes) {
				t.Errorf("problem codes = %v, want %v (problems: %+v)", codes, tt.wantCodes, problems)
			}
			if n := src.callCount(1); n != tt.wantCalls {
				t.Errorf("source calls = %d, want %d", n, tt.wantCalls)
			}

			// A refetch leaves the fresh definitions cached.
			before := src.callCount(1)
			if _, err := d.Get(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if n := src.callCount(1); n != before {
				t.Errorf("source calls after Resolve then Get = %d, want %d (cached)", n, before)
			}
		})
	}
}

func TestDefinitionsResolveUnknownLabelMessage(t *testing.T) {
	d, _, _ := newTestDefinitions(t)
	ctx := t.Context()
	if _, err := d.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	_, problems, err := d.Resolve(ctx, 1, []Input{{Name: "Vendor", Value: ptr("ok")}, {Name: "priority", Value: ptr("Urgent")}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{{Index: 1, Field: []string{"fields", "1", "value"}, Code: CodeUnknownOption,
		Message: `Priority: "Urgent" is not an option; valid labels: Low, Medium, High`}}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems = %#v\nwant       %#v", problems, want)
	}
}

func TestDefinitionsConcurrentGet(t *testing.T) {
	d, src, _ := newTestDefinitions(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			defs, err := d.Get(ctx, 1)
			if err == nil && len(defs) != 10 {
				err = errors.New("wrong number of definitions")
			}
			if err == nil {
				// Callers own what they get.
				defs[0].Name = "changed"
				defs[0].Options = nil
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := src.callCount(1); n != 1 {
		t.Errorf("source calls = %d, want 1 (concurrent misses share one load)", n)
	}
	got, err := d.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Name != "Priority" || len(got[0].Options) != 3 {
		t.Errorf("cached definitions were changed by a caller: %+v", got[0])
	}
}

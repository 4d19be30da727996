package customfields

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/upstream"

	json "github.com/goccy/go-json"
)

// Source is what Definitions needs from FreeScout; *upstream.MailboxesService
// satisfies it.
type Source interface {
	// ListCustomFields fetches a mailbox's custom-field definitions.
	ListCustomFields(ctx context.Context, mailboxID int) ([]upstream.CustomField, upstream.Page, error)
}

// Definitions serves mailboxes' custom-field definitions from the shared
// cache, loading them from FreeScout on a miss. It is safe for concurrent use.
type Definitions struct {
	src   Source
	store *cache.Store
	ttl   time.Duration
}

// NewDefinitions returns Definitions that load from src and cache in store
// for ttl (0 or less: the store's default TTL).
func NewDefinitions(src Source, store *cache.Store, ttl time.Duration) *Definitions {
	return &Definitions{src: src, store: store, ttl: max(ttl, 0)}
}

// Key is the cache key of a mailbox's definitions; its value is the JSON of a
// []upstream.CustomField.
func Key(mailboxID int) string {
	return "customfields:" + strconv.Itoa(mailboxID)
}

// Get returns a mailbox's definitions sorted by SortOrder, then by id, from
// the cache or else from FreeScout. FreeScout answers this list in one page;
// only that page is read.
func (d *Definitions) Get(ctx context.Context, mailboxID int) ([]upstream.CustomField, error) {
	defs, _, err := d.get(ctx, mailboxID)
	return defs, err
}

// Invalidate drops a mailbox's cached definitions, so the next Get fetches
// them from FreeScout.
func (d *Definitions) Invalidate(ctx context.Context, mailboxID int) {
	d.store.Invalidate(ctx, Key(mailboxID))
}

// Resolve translates in against the mailbox's definitions. When the problems
// could come from stale definitions (see Stale), it invalidates them, fetches
// them again once and translates again, unless this very call has just
// fetched them from FreeScout, in which case a second fetch could not tell
// anything new. It returns the writes, or the problems, or an error from
// FreeScout or the cache.
func (d *Definitions) Resolve(ctx context.Context, mailboxID int, in []Input) ([]upstream.CustomFieldWrite, []Problem, error) {
	defs, fresh, err := d.get(ctx, mailboxID)
	if err != nil {
		return nil, nil, err
	}
	writes, problems := Translate(defs, in)
	if len(problems) == 0 {
		return writes, nil, nil
	}
	if fresh || !Stale(problems) {
		return nil, problems, nil
	}
	d.Invalidate(ctx, mailboxID)
	if defs, _, err = d.get(ctx, mailboxID); err != nil {
		return nil, nil, err
	}
	writes, problems = Translate(defs, in)
	if len(problems) > 0 {
		return nil, problems, nil
	}
	return writes, nil, nil
}

// get is Get that also reports whether this call loaded the definitions
// from FreeScout itself (rather than from the cache or another caller's load).
func (d *Definitions) get(ctx context.Context, mailboxID int) ([]upstream.CustomField, bool, error) {
	var fresh atomic.Bool // set on the store's loader goroutine
	load := func(ctx context.Context) ([]byte, error) {
		defs, err := d.fetch(ctx, mailboxID)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(defs)
		if err != nil {
			return nil, fmt.Errorf("encode custom fields of mailbox %d: %w", mailboxID, err)
		}
		fresh.Store(true)
		return b, nil
	}
	for attempt := 0; ; attempt++ {
		b, err := d.store.GetOrLoad(ctx, Key(mailboxID), d.ttl, load)
		if err != nil {
			return nil, false, fmt.Errorf("custom fields of mailbox %d: %w", mailboxID, err)
		}
		var defs []upstream.CustomField
		if err := json.Unmarshal(b, &defs); err != nil {
			if attempt == 0 {
				// A cached value this package cannot read (written by another
				// version, or damaged) is dropped and loaded afresh.
				d.Invalidate(ctx, mailboxID)
				continue
			}
			return nil, false, fmt.Errorf("decode custom fields of mailbox %d: %w", mailboxID, err)
		}
		sortDefs(defs)
		if defs == nil {
			defs = []upstream.CustomField{}
		}
		return defs, fresh.Load(), nil
	}
}

// fetch reads a mailbox's definitions from FreeScout, sorted.
func (d *Definitions) fetch(ctx context.Context, mailboxID int) ([]upstream.CustomField, error) {
	defs, _, err := d.src.ListCustomFields(ctx, mailboxID)
	if err != nil {
		return nil, fmt.Errorf("fetch from freescout: %w", err)
	}
	if defs == nil {
		defs = []upstream.CustomField{}
	}
	sortDefs(defs)
	return defs, nil
}

// sortDefs orders definitions as FreeScout shows them: by SortOrder, then id.
func sortDefs(defs []upstream.CustomField) {
	slices.SortStableFunc(defs, func(a, b upstream.CustomField) int {
		return cmp.Or(cmp.Compare(a.SortOrder, b.SortOrder), cmp.Compare(a.ID, b.ID))
	})
}

package session

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Custom-field definitions: each mailbox's, from the shared cache for
// DefinitionsTTL, sorted as FreeScout shows them (by sortOrder, then id).
// FreeScout answers the list in one page; only that page is read.

// definitions returns a mailbox's definitions, and whether this call loaded
// them from FreeScout itself.
func (s *Session) definitions(ctx context.Context, mailboxID int) ([]upstream.CustomField, bool, error) {
	defs, fresh, err := cachedFresh(ctx, s, kindCustomFields, s.keys.customFields(mailboxID), s.f.opts.DefinitionsTTL, func(ctx context.Context) ([]upstream.CustomField, error) {
		defs, _, err := s.client.Mailboxes.ListCustomFields(ctx, mailboxID)
		if err != nil {
			return nil, fmt.Errorf("fetch from freescout: %w", err)
		}
		return defs, nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("custom fields of mailbox %d: %w", mailboxID, err)
	}
	if defs == nil {
		defs = []upstream.CustomField{}
	}
	slices.SortStableFunc(defs, func(a, b upstream.CustomField) int {
		return cmp.Or(cmp.Compare(a.SortOrder, b.SortOrder), cmp.Compare(a.ID, b.ID))
	})
	return defs, fresh, nil
}

// invalidateDefinitions drops a mailbox's cached definitions, so the next
// read fetches them from FreeScout.
func (s *Session) invalidateDefinitions(ctx context.Context, mailboxID int) {
	s.f.invalidate(ctx, kindCustomFields, s.keys.customFields(mailboxID))
	s.fieldDefs.Clear(ctx, mailboxID)
}

// ResolveCustomFields translates in against the mailbox's definitions. When
// the problems could come from stale definitions (customfields.Stale), it
// drops them, fetches them again once and translates again, unless this very
// call has just fetched them from FreeScout, in which case a second fetch
// could not tell anything new. It returns the writes, or the problems, or an
// error from FreeScout or the cache (a mailbox FreeScout does not know is a
// not-found error).
func (s *Session) ResolveCustomFields(ctx context.Context, mailboxID int, in []customfields.Input) ([]upstream.CustomFieldWrite, []customfields.Problem, error) {
	if err := s.visibleMailbox(mailboxID); err != nil {
		return nil, nil, err
	}
	defs, fresh, err := s.definitions(ctx, mailboxID)
	if err != nil {
		return nil, nil, wrapNotFound(err, "mailbox", mailboxID)
	}
	writes, problems := customfields.Translate(defs, in)
	if len(problems) == 0 {
		return writes, nil, nil
	}
	if fresh || !customfields.Stale(problems) {
		return nil, problems, nil
	}
	s.invalidateDefinitions(ctx, mailboxID)
	if defs, _, err = s.definitions(ctx, mailboxID); err != nil {
		return nil, nil, err
	}
	writes, problems = customfields.Translate(defs, in)
	if len(problems) > 0 {
		return nil, problems, nil
	}
	return writes, nil, nil
}

package emulator

import (
	"net/http"
	"slices"
)

// listTags serves GET /api/tags, sorted by id. conversationId keeps that conversation's tags.
func (e *Emulator) listTags(w http.ResponseWriter, r *http.Request, _ int) {
	q := r.URL.Query()
	c := newChecker("QUERY")
	convID := queryInt(c, q, "conversationId")
	p := e.listParams(q)
	if c.failed() {
		send(w, badRequest(c.errs), nil)
		return
	}
	e.read(w, func(s *store) reply {
		found := byID(s.tags)
		if convID != nil {
			found = found[:0:0]
			if conv := s.conversations[*convID]; conv != nil {
				for _, t := range byID(s.tags) {
					if slices.Contains(conv.tagIDs, t.id) {
						found = append(found, t)
					}
				}
			}
		}
		return listPage("tags", found, p, s.renderTag)
	})
}

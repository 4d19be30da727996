package emulator

import (
	"cmp"
	"net/http"
	"slices"
)

// listMailboxes serves GET /api/mailboxes, sorted by id. userId keeps the mailboxes the user
// has access to.
func (e *Emulator) listMailboxes(w http.ResponseWriter, r *http.Request, _ int) {
	q := r.URL.Query()
	c := newChecker("QUERY")
	userID := queryInt(c, q, "userId")
	p := e.listParams(q)
	if c.failed() {
		send(w, badRequest(c.errs), nil)
		return
	}
	e.read(w, func(s *store) reply {
		var found []*mailbox
		for _, mb := range byID(s.mailboxes) {
			if userID == nil || s.hasAccess(*userID, mb) {
				found = append(found, mb)
			}
		}
		return listPage("mailboxes", found, p, s.renderMailbox)
	})
}

// listMailboxFields serves GET /api/mailboxes/{id}/custom_fields, in sortOrder.
func (e *Emulator) listMailboxFields(w http.ResponseWriter, r *http.Request, id int) {
	p := e.listParams(r.URL.Query())
	e.read(w, func(s *store) reply {
		mb := s.mailboxes[id]
		if mb == nil {
			return notFound()
		}
		return listPage("custom_fields", mb.fields, p, renderCustomField)
	})
}

// listFolders serves GET /api/mailboxes/{id}/folders, ordered by type, then owner, then id.
// userId keeps the shared folders and that user's own; folderId keeps one folder.
func (e *Emulator) listFolders(w http.ResponseWriter, r *http.Request, id int) {
	q := r.URL.Query()
	c := newChecker("QUERY")
	userID := queryInt(c, q, "userId")
	folderID := queryInt(c, q, "folderId")
	p := e.listParams(q)
	if c.failed() {
		send(w, badRequest(c.errs), nil)
		return
	}
	e.read(w, func(s *store) reply {
		if s.mailboxes[id] == nil {
			return notFound()
		}
		var found []*folder
		for _, f := range s.folders {
			if f.mailboxID != id || !s.visibleFolder(f) ||
				(userID != nil && f.userID != 0 && f.userID != *userID) ||
				(folderID != nil && f.id != *folderID) {
				continue
			}
			found = append(found, f)
		}
		slices.SortFunc(found, func(a, b *folder) int {
			return cmp.Or(cmp.Compare(a.typ, b.typ), cmp.Compare(a.userID, b.userID), cmp.Compare(a.id, b.id))
		})
		return listPage("folders", found, p, s.renderFolder)
	})
}

package emulator

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// conversationQuery is a parsed list-conversations request.
type conversationQuery struct {
	mailboxIDs          []int
	folderID            *int
	statuses            []string
	state, typ          string
	assignee            *int // 0: unassigned
	customerEmail       string
	customerPhone       string
	customerID          *int
	number              *int
	subject             string
	tag                 string
	createdByUserID     *int
	createdByCustomerID *int
	createdSince        time.Time
	updatedSince        time.Time
	sortField           string
	desc                bool
	embed               embedSet
	page                pageRequest
}

// parseEmbed reads a comma-separated embed parameter; unknown names are ignored.
func parseEmbed(v string) embedSet {
	var e embedSet
	for _, name := range strings.Split(v, ",") {
		switch strings.TrimSpace(name) {
		case "threads":
			e.threads = true
		case "timelogs":
			e.timelogs = true
		case "tags":
			e.tags = true
		}
	}
	return e
}

// queryInt reads an optional whole-number query parameter; absent or empty is nil.
func queryInt(c *checker, q url.Values, name string) *int {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		c.failText(name, "must be an integer", v)
		return nil
	}
	return &n
}

// queryOneOf reads an optional query parameter that must be one of allowed.
func queryOneOf(c *checker, q url.Values, name string, allowed ...string) string {
	v := strings.TrimSpace(q.Get(name))
	if v != "" && !slices.Contains(allowed, v) {
		c.failText(name, expected(allowed), v)
		return ""
	}
	return v
}

// queryDate reads an optional date query parameter in either of FreeScout's formats.
func queryDate(c *checker, q url.Values, name string) time.Time {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}
	}
	t, ok := parseDate(v)
	if !ok {
		c.failText(name, "must be a date in the format YYYY-MM-DDThh:mm:ssZ", v)
	}
	return t
}

// sortParams reads sortField (default createdAt) and sortOrder (default desc).
func sortParams(c *checker, q url.Values, fields ...string) (string, bool) {
	field := queryOneOf(c, q, "sortField", fields...)
	if field == "" {
		field = "createdAt"
	}
	order := strings.ToLower(strings.TrimSpace(q.Get("sortOrder")))
	if order != "" && order != "asc" && order != "desc" {
		c.failText("sortOrder", expected([]string{"desc", "asc"}), q.Get("sortOrder"))
	}
	return field, order != "asc"
}

func parseConversationQuery(q url.Values) (conversationQuery, *checker) {
	c := newChecker("QUERY")
	var cq conversationQuery
	if v := strings.TrimSpace(q.Get("mailboxId")); v != "" {
		for _, part := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				c.failText("mailboxId", "must be a comma-separated list of integers", v)
				break
			}
			cq.mailboxIDs = append(cq.mailboxIDs, n)
		}
	}
	cq.folderID = queryInt(c, q, "folderId")
	statuses := strings.TrimSpace(q.Get("status"))
	if statuses == "" {
		statuses = statusActive // FreeScout's default
	}
	for _, st := range strings.Split(statuses, ",") {
		st = strings.TrimSpace(st)
		allowed := []string{statusActive, statusPending, statusClosed, statusSpam}
		if !slices.Contains(allowed, st) {
			c.failText("status", expected(allowed), st)
			continue
		}
		cq.statuses = append(cq.statuses, st)
	}
	cq.state = queryOneOf(c, q, "state", stateDraft, statePublished, stateDeleted)
	cq.typ = queryOneOf(c, q, "type", typeEmail, typePhone, typeChat)
	if q.Has("assignedTo") {
		if strings.TrimSpace(q.Get("assignedTo")) == "" {
			cq.assignee = new(int) // present but empty: unassigned
		} else {
			cq.assignee = queryInt(c, q, "assignedTo")
		}
	}
	cq.customerEmail = strings.TrimSpace(q.Get("customerEmail"))
	cq.customerPhone = strings.TrimSpace(q.Get("customerPhone"))
	cq.customerID = queryInt(c, q, "customerId")
	cq.number = queryInt(c, q, "number")
	cq.subject = strings.TrimSpace(q.Get("subject"))
	cq.tag = strings.TrimSpace(q.Get("tag"))
	cq.createdByUserID = queryInt(c, q, "createdByUserId")
	cq.createdByCustomerID = queryInt(c, q, "createdByCustomerId")
	cq.createdSince = queryDate(c, q, "createdSince")
	cq.updatedSince = queryDate(c, q, "updatedSince")
	cq.sortField, cq.desc = sortParams(c, q, "createdAt", "mailboxId", "number", "subject", "updatedAt", "waitingSince")
	cq.embed = parseEmbed(q.Get("embed"))
	cq.page = pageParams(q)
	return cq, c
}

func eqInt(filter *int, v int) bool { return filter == nil || *filter == v }

// matches reports whether c passes every filter of q.
func (s *store) matches(q *conversationQuery, c *conversation) bool {
	if len(q.mailboxIDs) > 0 && !slices.Contains(q.mailboxIDs, c.mailboxID) {
		return false
	}
	if !slices.Contains(q.statuses, c.status) ||
		(q.state != "" && c.state != q.state) ||
		(q.typ != "" && c.typ != q.typ) ||
		!eqInt(q.assignee, c.assigneeID) ||
		!eqInt(q.customerID, c.customerID) ||
		!eqInt(q.number, c.number) ||
		!eqInt(q.createdByUserID, c.createdByUserID) ||
		!eqInt(q.createdByCustomerID, c.createdByCustomerID) ||
		(!q.createdSince.IsZero() && c.createdAt.Before(q.createdSince)) ||
		(!q.updatedSince.IsZero() && c.updatedAt.Before(q.updatedSince)) {
		return false
	}
	if q.subject != "" && !strings.Contains(strings.ToLower(c.subject), strings.ToLower(q.subject)) {
		return false
	}
	if q.folderID != nil {
		f := s.folderByID[*q.folderID]
		if f == nil || !s.visibleFolder(f) || !s.inFolder(f, c) {
			return false
		}
	}
	if q.tag != "" && !slices.ContainsFunc(c.tagIDs, func(id int) bool {
		t := s.tags[id]
		return t != nil && strings.EqualFold(t.name, q.tag)
	}) {
		return false
	}
	if q.customerEmail != "" || q.customerPhone != "" {
		cu := s.customers[c.customerID]
		if cu == nil {
			return false
		}
		if q.customerEmail != "" && !slices.ContainsFunc(cu.emails, func(e contact) bool { return strings.EqualFold(e.value, q.customerEmail) }) {
			return false
		}
		if q.customerPhone != "" && !slices.ContainsFunc(cu.phones, func(p contact) bool { return samePhone(p.value, q.customerPhone) }) {
			return false
		}
	}
	return true
}

// samePhone compares phone numbers by their digits (text when there are none).
func samePhone(a, b string) bool {
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	da, db := digits(a), digits(b)
	if da == "" || db == "" {
		return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
	}
	return da == db
}

// conversationOrder compares conversations by a sortField.
func conversationOrder(field string) func(a, b *conversation) int {
	switch field {
	case "mailboxId":
		return func(a, b *conversation) int { return cmp.Compare(a.mailboxID, b.mailboxID) }
	case "number":
		return func(a, b *conversation) int { return cmp.Compare(a.number, b.number) }
	case "subject":
		return func(a, b *conversation) int {
			return strings.Compare(strings.ToLower(a.subject), strings.ToLower(b.subject))
		}
	case "updatedAt":
		return func(a, b *conversation) int { return a.updatedAt.Compare(b.updatedAt) }
	case "waitingSince":
		return func(a, b *conversation) int {
			ta, _ := lastReply(a)
			tb, _ := lastReply(b)
			return ta.Compare(tb)
		}
	}
	return func(a, b *conversation) int { return a.createdAt.Compare(b.createdAt) }
}

func conversationID(c *conversation) int { return c.id }

// listConversations serves GET /api/conversations.
func (e *Emulator) listConversations(w http.ResponseWriter, r *http.Request, _ int) {
	q, c := parseConversationQuery(r.URL.Query())
	if c.failed() {
		send(w, badRequest(c.errs), nil)
		return
	}
	now := e.now()
	e.read(w, func(s *store) reply {
		var found []*conversation
		for _, conv := range s.conversations {
			if s.matches(&q, conv) {
				found = append(found, conv)
			}
		}
		sortBy(found, q.desc, conversationID, conversationOrder(q.sortField))
		return listPage("conversations", found, q.page, func(conv *conversation) conversationJSON {
			return s.renderConversation(conv, q.embed, true, now)
		})
	})
}

// getConversation serves GET /api/conversations/{id}. embed defaults to threads; an empty
// embed parameter embeds nothing.
func (e *Emulator) getConversation(w http.ResponseWriter, r *http.Request, id int) {
	q := r.URL.Query()
	embed := embedSet{threads: true}
	if q.Has("embed") {
		embed = parseEmbed(q.Get("embed"))
	}
	now := e.now()
	e.read(w, func(s *store) reply {
		c := s.conversations[id]
		if c == nil {
			return notFound()
		}
		return ok(s.renderConversation(c, embed, false, now))
	})
}

// createConversation serves POST /api/conversations.
func (e *Emulator) createConversation(w http.ResponseWriter, r *http.Request, _ int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	now := e.now()
	e.write(w, func(s *store) reply {
		c := newChecker("JSON")
		typ, _ := c.oneOf("type", body["type"], true, typeEmail, typePhone, typeChat)
		mailboxID, hasMailbox := c.integer("mailboxId", body["mailboxId"], true)
		var mb *mailbox
		if hasMailbox {
			if mb = s.mailboxes[mailboxID]; mb == nil {
				c.fail("mailboxId", "mailbox not found", body["mailboxId"])
			}
		}
		subject, _ := c.str("subject", body["subject"], true)
		custIn, _ := c.customerInput(s, "customer", body["customer"], true, typ == typePhone)
		threads := c.conversationThreads(s, body["threads"])
		c.boolean("imported", body["imported"])
		assignee := 0
		if n, ok := c.integer("assignTo", body["assignTo"], false); ok && n > 0 {
			if s.liveUser(n) == nil {
				c.fail("assignTo", "user not found", body["assignTo"])
			}
			assignee = n
		}
		status, hasStatus := c.oneOf("status", body["status"], false, statusActive, statusPending, statusClosed, statusSpam)
		if !hasStatus {
			status = statusActive
		}
		var fields map[int]string
		if mb != nil {
			fields = c.fieldValues("customFields", body["customFields"], false, mb.field, "mailbox "+itoa(mb.id))
		}
		createdAt, hasCreatedAt := c.date("createdAt", body["createdAt"])
		closedAt, hasClosedAt := c.date("closedAt", body["closedAt"])
		if c.failed() {
			return badRequest(c.errs)
		}

		at := now
		if hasCreatedAt {
			at = createdAt
		}
		cust := s.resolveCustomer(custIn, now)
		conv := &conversation{
			id:         next(&s.last.conversation),
			number:     next(&s.last.number),
			typ:        typ,
			status:     status,
			state:      statePublished,
			subject:    subject,
			mailboxID:  mb.id,
			assigneeID: assignee,
			customerID: cust.id,
			createdAt:  at,
			updatedAt:  at,
			sourceType: "api",
			fields:     map[int]string{},
		}
		mergeFields(conv.fields, fields)
		for _, in := range threads { // newest first, as sent
			author := cust
			if in.hasCustomer {
				author = s.resolveCustomer(in.customer, now)
			}
			th := s.newThread(conv, in, author, at)
			if th.typ != threadNote {
				th.status = status
			}
			conv.threads = append(conv.threads, th)
			conv.cc = appendNew(conv.cc, in.cc...)
			conv.bcc = appendNew(conv.bcc, in.bcc...)
		}
		oldest := conv.threads[len(conv.threads)-1]
		if oldest.createdByUserID != 0 {
			conv.createdByUserID, conv.sourceVia, conv.userUpdatedAt = oldest.createdByUserID, "user", at
		} else {
			conv.createdByCustomerID, conv.sourceVia = oldest.createdByCustomerID, "customer"
		}
		if status == statusClosed {
			conv.closedAt, conv.closedByID = at, assignee
			if hasClosedAt {
				conv.closedAt = closedAt
			}
			for _, th := range conv.threads {
				if th.createdByUserID != 0 {
					conv.closedByID = th.createdByUserID
					break
				}
			}
		}
		s.conversations[conv.id] = conv
		return created(conv.id)
	})
}

// appendNew appends the values not yet in list (case-insensitively).
func appendNew(list []string, values ...string) []string {
	for _, v := range values {
		if !slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) }) {
			list = append(list, v)
		}
	}
	return list
}

// setStatus changes the status, recording or clearing who closed the conversation and when.
func (c *conversation) setStatus(status string, by int, at time.Time) {
	if status == c.status {
		return
	}
	c.status = status
	if status == statusClosed {
		c.closedAt, c.closedByID = at, by
	} else {
		c.closedAt, c.closedByID = time.Time{}, 0
	}
}

// updateConversation serves PUT /api/conversations/{id}. byUser is required when the
// status, the assignee or the mailbox changes.
func (e *Emulator) updateConversation(w http.ResponseWriter, r *http.Request, id int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	now := e.now()
	e.write(w, func(s *store) reply {
		conv := s.conversations[id]
		if conv == nil {
			return notFound()
		}
		c := newChecker("JSON")
		byUser := 0
		if body.has("status") || body.has("assignTo") || body.has("mailboxId") || body.has("byUser") {
			required := body.has("status") || body.has("assignTo") || body.has("mailboxId")
			if n, ok := c.integer("byUser", body["byUser"], required); ok {
				if s.liveUser(n) == nil {
					c.fail("byUser", "user not found", body["byUser"])
				}
				byUser = n
			}
		}
		status, hasStatus := c.oneOf("status", body["status"], body.has("status"), statusActive, statusPending, statusClosed, statusSpam)
		assignee, hasAssignee := conv.assigneeID, body.has("assignTo")
		if hasAssignee {
			assignee = 0 // null, 0 or -1 unassign
			if n, ok := c.integer("assignTo", body["assignTo"], false); ok && n > 0 {
				if s.liveUser(n) == nil {
					c.fail("assignTo", "user not found", body["assignTo"])
				}
				assignee = n
			}
		}
		var mb *mailbox
		if body.has("mailboxId") {
			if n, ok := c.integer("mailboxId", body["mailboxId"], true); ok {
				if mb = s.mailboxes[n]; mb == nil {
					c.fail("mailboxId", "mailbox not found", body["mailboxId"])
				}
			}
		}
		customerID := conv.customerID
		if body.has("customerId") {
			if n, ok := c.integer("customerId", body["customerId"], true); ok {
				if s.customers[n] == nil {
					c.fail("customerId", "customer not found", body["customerId"])
				}
				customerID = n
			}
		}
		subject, hasSubject := c.str("subject", body["subject"], body.has("subject"))
		if c.failed() {
			return badRequest(c.errs)
		}

		if hasStatus {
			conv.setStatus(status, byUser, now)
		}
		conv.assigneeID = assignee
		if mb != nil && mb.id != conv.mailboxID {
			conv.mailboxID = mb.id
			for fid := range conv.fields { // values of the old mailbox's fields do not move
				if mb.field(fid) == nil {
					delete(conv.fields, fid)
				}
			}
		}
		conv.customerID = customerID
		if hasSubject {
			conv.subject = subject
		}
		conv.updatedAt = now
		if byUser != 0 {
			conv.userUpdatedAt = now
		}
		return noContent()
	})
}

// deleteConversation serves DELETE /api/conversations/{id}: it deletes forever.
func (e *Emulator) deleteConversation(w http.ResponseWriter, _ *http.Request, id int) {
	e.write(w, func(s *store) reply {
		if s.conversations[id] == nil {
			return notFound()
		}
		delete(s.conversations, id)
		return noContent()
	})
}

// updateConversationFields serves PUT /api/conversations/{id}/custom_fields: the values sent
// are merged into the conversation's, field by field; an empty value clears a field.
func (e *Emulator) updateConversationFields(w http.ResponseWriter, r *http.Request, id int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	now := e.now()
	e.write(w, func(s *store) reply {
		conv := s.conversations[id]
		if conv == nil {
			return notFound()
		}
		mb := s.mailboxes[conv.mailboxID]
		c := newChecker("JSON")
		values := c.fieldValues("customFields", body["customFields"], true, mb.field, "mailbox "+itoa(mb.id))
		if c.failed() {
			return badRequest(c.errs)
		}
		mergeFields(conv.fields, values)
		conv.updatedAt = now
		return noContent()
	})
}

// updateConversationTags serves PUT /api/conversations/{id}/tags: the list replaces the
// conversation's tags; unknown tags are created.
func (e *Emulator) updateConversationTags(w http.ResponseWriter, r *http.Request, id int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	e.write(w, func(s *store) reply {
		conv := s.conversations[id]
		if conv == nil {
			return notFound()
		}
		c := newChecker("JSON")
		items, _ := c.array("tags", body["tags"], true)
		var names []string
		for i, it := range items {
			if name, ok := c.str(index("tags", i), it, true); ok {
				names = append(names, strings.TrimSpace(name))
			}
		}
		if c.failed() {
			return badRequest(c.errs)
		}
		ids := []int{}
		for _, name := range names {
			t := s.tagByName(name)
			if t == nil {
				t = &tag{id: next(&s.last.tag), name: name}
				s.tags[t.id] = t
			}
			if !slices.Contains(ids, t.id) {
				ids = append(ids, t.id)
			}
		}
		conv.tagIDs = ids
		return noContent()
	})
}

// listTimelogs serves GET /api/conversations/{id}/timelogs, newest first.
func (e *Emulator) listTimelogs(w http.ResponseWriter, r *http.Request, id int) {
	p := pageParams(r.URL.Query())
	e.read(w, func(s *store) reply {
		conv := s.conversations[id]
		if conv == nil {
			return notFound()
		}
		return listPage("timelogs", conv.timelogs, p, renderTimelog)
	})
}

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
	statuses            []string // empty: every status
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

// parseConversationQuery reads a list-conversations request as the module version d
// understands it: the filters it does not know yet are ignored, unchecked, as FreeScout
// ignores any unknown parameter (see ModuleGates).
func parseConversationQuery(q url.Values, d *dialect) (conversationQuery, *checker) {
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
	list := strings.Split(statuses, ",")
	for _, st := range list {
		st = strings.TrimSpace(st)
		allowed := []string{statusActive, statusPending, statusClosed, statusSpam}
		if !slices.Contains(allowed, st) {
			c.failText("status", expected(allowed), st)
			continue
		}
		cq.statuses = append(cq.statuses, st)
	}
	if len(list) > 1 && !d.has(featStatusList) {
		cq.statuses = nil // freescout#3947: a list matched every status
	}
	if d.has(featStateFilter) {
		cq.state = queryOneOf(c, q, "state", stateDraft, statePublished, stateDeleted)
	}
	if q.Has("assignedTo") {
		if strings.TrimSpace(q.Get("assignedTo")) == "" {
			if d.has(featUnassignedFilter) {
				cq.assignee = new(int) // present but empty: unassigned
			}
		} else {
			cq.assignee = queryInt(c, q, "assignedTo")
		}
	}
	cq.customerEmail = strings.TrimSpace(q.Get("customerEmail"))
	cq.customerID = queryInt(c, q, "customerId")
	cq.number = queryInt(c, q, "number")
	if d.has(featNewFilters) {
		cq.typ = queryOneOf(c, q, "type", typeEmail, typePhone, typeChat)
		cq.customerPhone = strings.TrimSpace(q.Get("customerPhone"))
		cq.subject = strings.TrimSpace(q.Get("subject"))
		if d.installed(moduleTags) {
			cq.tag = strings.TrimSpace(q.Get("tag"))
		}
		cq.createdSince = queryDate(c, q, "createdSince")
	}
	if d.has(featCreatedByFilters) {
		cq.createdByUserID = queryInt(c, q, "createdByUserId")
		cq.createdByCustomerID = queryInt(c, q, "createdByCustomerId")
	}
	cq.updatedSince = queryDate(c, q, "updatedSince")
	cq.sortField, cq.desc = sortParams(c, q, "createdAt", "mailboxId", "number", "subject", "updatedAt", "waitingSince")
	cq.embed = parseEmbed(q.Get("embed"))
	cq.page = pageParams(q, d.has(featConversationPageSize))
	return cq, c
}

func eqInt(filter *int, v int) bool { return filter == nil || *filter == v }

// matches reports whether c passes every filter of q.
func (s *store) matches(q *conversationQuery, c *conversation) bool {
	if len(q.mailboxIDs) > 0 && !slices.Contains(q.mailboxIDs, c.mailboxID) {
		return false
	}
	if (len(q.statuses) > 0 && !slices.Contains(q.statuses, c.status)) ||
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
		if q.customerPhone != "" && !hasPhone(cu, q.customerPhone) {
			return false
		}
	}
	return true
}

// digits keeps the digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// phoneMatches reports whether a phone-number lookup finds the stored number: as real
// installs do, the lookup's digits must appear in the number's digits. A lookup without
// digits finds nothing.
func phoneMatches(stored, lookup string) bool {
	d := digits(lookup)
	return d != "" && strings.Contains(digits(stored), d)
}

// samePhone reports whether two phone numbers have the same digits (the same text when
// neither has any).
func samePhone(a, b string) bool {
	da, db := digits(a), digits(b)
	if da == "" && db == "" {
		return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
	}
	return da == db
}

// hasPhone reports whether a phone-number lookup finds one of the customer's numbers.
func hasPhone(cu *customer, lookup string) bool {
	return slices.ContainsFunc(cu.phones, func(p contact) bool { return phoneMatches(p.value, lookup) })
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
	q, c := parseConversationQuery(r.URL.Query(), e.dialect)
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
		if mb != nil && s.d.installed(moduleCustomFields) { // else customFields is unknown, and ignored
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
		drafts := 0
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
			if th.state == stateDraft {
				drafts++
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
		if drafts == len(conv.threads) {
			conv.state = stateDraft // saved, not sent: a draft conversation
		}
		s.conversations[conv.id] = conv
		if conv.state == statePublished {
			s.emitConversation(eventConvoCreated, conv, conv.threads[0], now)
		}
		return s.created(conv.id, s.renderConversation(conv, embedSet{threads: true}, false, now))
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

// updateConversation serves PUT /api/conversations/{id}. byUser is required, and checked,
// only when the status, the assignee or the mailbox changes. The changes are made in the
// order of the body's members, as FreeScout makes them; each change of status, assignee,
// mailbox or customer is recorded as a line-item thread, created by byUser, and the status,
// assignee (to a user, not to nobody) and mailbox changes fire convo.status, convo.assigned
// and convo.moved.
func (e *Emulator) updateConversation(w http.ResponseWriter, r *http.Request, id int) {
	body, keys, ok := readOrderedObject(w, r)
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
		changes := conversationChanges{
			status:   hasStatus && status != conv.status,
			assignee: hasAssignee && assignee != conv.assigneeID,
			mailbox:  mb != nil && mb.id != conv.mailboxID,
			customer: customerID != conv.customerID,
		}
		byUser := 0
		if changes.needUser() {
			if n, ok := c.integer("byUser", body["byUser"], true); ok {
				if s.liveUser(n) == nil {
					c.fail("byUser", "user not found", body["byUser"])
				}
				byUser = n
			}
		} else if n, ok := rawInt(body["byUser"]); ok && s.liveUser(n) != nil {
			byUser = n // not checked, but the author of a customer change when it names a user
		}
		if c.failed() {
			return badRequest(c.errs)
		}

		var fired []firedEvent
		for _, key := range keys {
			switch {
			case key == "status" && changes.status:
				conv.setStatus(status, byUser, now)
				li := s.addLineItem(conv, actionStatus, byUser, now)
				fired = append(fired, firedEvent{eventConvoStatus, li})
			case key == "assignTo" && changes.assignee:
				conv.assigneeID = assignee
				li := s.addLineItem(conv, actionAssignee, byUser, now)
				if assignee != 0 { // FreeScout fires nothing when a conversation is unassigned
					fired = append(fired, firedEvent{eventConvoAssigned, li})
				}
			case key == "mailboxId" && changes.mailbox:
				conv.mailboxID = mb.id
				for fid := range conv.fields { // values of the old mailbox's fields do not move
					if mb.field(fid) == nil {
						delete(conv.fields, fid)
					}
				}
				li := s.addLineItem(conv, actionMoved, byUser, now)
				fired = append(fired, firedEvent{eventConvoMoved, li})
			case key == "customerId" && changes.customer:
				conv.customerID = customerID
				s.addLineItem(conv, actionCustomer, byUser, now)
			case key == "subject" && hasSubject:
				conv.subject = subject
			}
		}
		conv.updatedAt = now
		if byUser != 0 {
			conv.userUpdatedAt = now
		}
		for _, f := range fired { // once every change is made: the bodies show the result
			s.emitConversation(f.event, conv, f.thread, now)
		}
		return noContent()
	})
}

// conversationChanges says what an update changes.
type conversationChanges struct {
	status, assignee, mailbox, customer bool
}

// needUser reports whether the update needs byUser.
func (ch conversationChanges) needUser() bool { return ch.status || ch.assignee || ch.mailbox }

// firedEvent is a webhook event an update fires, with the thread that records it.
type firedEvent struct {
	event  string
	thread *thread
}

// Line-item actions, as FreeScout names them.
const (
	actionStatus   = "changed-ticket-status"
	actionAssignee = "changed-ticket-assignee"
	actionMoved    = "moved-from-mailbox"
	actionCustomer = "changed-ticket-customer"
)

// addLineItem records a change of conv as a line-item thread, created by the user byUser
// (none when 0), and returns it. The text is FreeScout's, with the user's name for :person.
func (s *store) addLineItem(conv *conversation, action string, byUser int, at time.Time) *thread {
	person := ""
	if u := s.users[byUser]; u != nil {
		person = fullName(u.firstName, u.lastName, u.email)
	}
	var did string
	switch action {
	case actionStatus:
		did = "marked as " + statusName(conv.status)
	case actionAssignee:
		assignee := "anyone"
		if u := s.users[conv.assigneeID]; u != nil {
			assignee = fullName(u.firstName, u.lastName, u.email)
		}
		did = "assigned to " + assignee
	case actionMoved:
		did = "moved conversation from another mailbox"
	case actionCustomer:
		cu := s.customers[conv.customerID]
		did = "changed the customer to " + fullName(cu.firstName, cu.lastName, cu.primaryEmail())
	}
	text := person + " " + did
	if person == "" {
		text = strings.ToUpper(did[:1]) + did[1:]
	}
	th := &thread{
		id:              next(&s.last.thread),
		typ:             threadLineItem,
		status:          conv.status,
		state:           statePublished,
		actionType:      action,
		actionText:      text,
		sourceType:      "web",
		sourceVia:       "user",
		customerID:      conv.customerID,
		createdByUserID: byUser,
		assignedToID:    conv.assigneeID,
		createdAt:       at,
	}
	conv.threads = append([]*thread{th}, conv.threads...)
	return th
}

// statusName is a status as FreeScout's line items spell it.
func statusName(status string) string {
	if status == "" {
		return ""
	}
	return strings.ToUpper(status[:1]) + status[1:]
}

// fullName is a person's name as FreeScout shows it: first and last name, else the email.
func fullName(first, last, email string) string {
	if name := strings.TrimSpace(first + " " + last); name != "" {
		return name
	}
	return email
}

// deleteConversation serves DELETE /api/conversations/{id}: it deletes forever, so no
// line item is left to record it; convo.deleted_forever carries the conversation as it was.
func (e *Emulator) deleteConversation(w http.ResponseWriter, _ *http.Request, id int) {
	now := e.now()
	e.write(w, func(s *store) reply {
		conv := s.conversations[id]
		if conv == nil {
			return notFound()
		}
		s.emitConversation(eventConvoDeletedForever, conv, nil, now)
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
	p := e.listParams(r.URL.Query())
	e.read(w, func(s *store) reply {
		conv := s.conversations[id]
		if conv == nil {
			return notFound()
		}
		return listPage("timelogs", conv.timelogs, p, s.renderTimelog)
	})
}

package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// customerInput references a customer in a request body: by id, else by email, else it
// describes a new customer.
type customerInput struct {
	id                                int
	email, firstName, lastName, phone string
}

// customerInput reads a customer reference. It must hold an existing id or an email; a phone
// conversation may name the customer by firstName or phone instead (noEmailOK).
func (c *checker) customerInput(s *store, path string, raw json.RawMessage, required, noEmailOK bool) (customerInput, bool) {
	var in customerInput
	o, ok := c.object(path, raw, required)
	if !ok {
		return in, false
	}
	if !absent(o["id"]) {
		id, ok := c.integer(at(path, "id"), o["id"], true)
		if ok && s.customers[id] == nil {
			c.fail(at(path, "id"), "customer not found", o["id"])
			return in, false
		}
		in.id = id
		return in, ok // when the id is given, the rest is ignored
	}
	before := len(c.errs)
	in.email, _ = c.email(at(path, "email"), o["email"], false)
	in.firstName, _ = c.maxLen(at(path, "firstName"), o["firstName"], 40)
	in.lastName, _ = c.maxLen(at(path, "lastName"), o["lastName"], 40)
	in.phone, _ = c.str(at(path, "phone"), o["phone"], false)
	if len(c.errs) > before {
		return in, false
	}
	if in.email == "" && !(noEmailOK && (in.firstName != "" || in.phone != "")) {
		c.fail(at(path, "email"), msgEmpty, nil)
		return in, false
	}
	return in, true
}

// resolveCustomer finds the referenced customer by id or email, or creates it. A customer
// created so fires customer.created, as every customer FreeScout creates does.
func (s *store) resolveCustomer(in customerInput, now time.Time) *customer {
	if in.id != 0 {
		return s.customers[in.id]
	}
	if in.email != "" {
		if cu := s.customerByEmail(in.email); cu != nil {
			return cu
		}
	}
	cu := &customer{
		id:        next(&s.last.customer),
		firstName: in.firstName,
		lastName:  in.lastName,
		photoType: "unknown",
		createdAt: now,
		updatedAt: now,
		fields:    map[int]string{},
	}
	if in.email != "" {
		cu.emails = []contact{{id: next(&s.last.email), value: in.email, typ: "work"}}
	}
	if in.phone != "" {
		cu.phones = []contact{{value: in.phone, typ: "work"}}
	}
	s.customers[cu.id] = cu
	s.emitCustomer(eventCustomerCreated, cu)
	return cu
}

// threadInput is a thread in a request body.
type threadInput struct {
	typ, text   string
	state       string // draft or published
	customer    customerInput
	hasCustomer bool
	userID      int
	to          []string // nil: the customer for replies, the mailbox for customer threads
	cc, bcc     []string
	attachments []attachmentInput
}

type attachmentInput struct {
	fileName, mimeType, fileURL string
	size                        int
}

// threadInput reads the members common to the threads of a new conversation and a new
// thread. A customer thread needs a customer unless the conversation supplies one
// (customerOptional); message and note threads need a user.
func (c *checker) threadInput(s *store, path string, o object, customerOptional bool) threadInput {
	var in threadInput
	in.typ, _ = c.oneOf(at(path, "type"), o["type"], true, threadCustomer, threadMessage, threadNote)
	in.text, _ = c.str(at(path, "text"), o["text"], true)
	if !absent(o["customer"]) || (in.typ == threadCustomer && !customerOptional) {
		in.customer, in.hasCustomer = c.customerInput(s, at(path, "customer"), o["customer"], true, true)
	}
	if in.typ == threadMessage || in.typ == threadNote {
		if n, ok := c.integer(at(path, "user"), o["user"], true); ok {
			if s.liveUser(n) == nil {
				c.fail(at(path, "user"), "user not found", o["user"])
			}
			in.userID = n
		}
	}
	in.state, _ = c.oneOf(at(path, "state"), o["state"], false, stateDraft, statePublished)
	if in.state == "" {
		in.state = statePublished
	}
	if to := c.emails(at(path, "to"), o["to"]); len(to) > 0 {
		in.to = to
	}
	in.cc = c.emails(at(path, "cc"), o["cc"])
	in.bcc = c.emails(at(path, "bcc"), o["bcc"])
	items, _ := c.array(at(path, "attachments"), o["attachments"], false)
	for i, it := range items {
		p := index(at(path, "attachments"), i)
		a, ok := c.object(p, it, true)
		if !ok {
			continue
		}
		var ai attachmentInput
		ai.fileName, _ = c.str(at(p, "fileName"), a["fileName"], true)
		ai.mimeType, _ = c.str(at(p, "mimeType"), a["mimeType"], false)
		if ai.mimeType == "" {
			ai.mimeType = "application/octet-stream"
		}
		switch {
		case !absent(a["data"]):
			if data, ok := c.str(at(p, "data"), a["data"], true); ok {
				decoded, err := base64.StdEncoding.DecodeString(data)
				if err != nil {
					c.fail(at(p, "data"), "must be base64-encoded", a["data"])
				}
				ai.size = len(decoded)
			}
		case !absent(a["fileUrl"]):
			if u, ok := c.str(at(p, "fileUrl"), a["fileUrl"], true); ok {
				if parsed, err := url.Parse(u); err != nil || !parsed.IsAbs() {
					c.fail(at(p, "fileUrl"), "must be an absolute URL", a["fileUrl"])
				}
				ai.fileURL = u
			}
		default:
			c.fail(at(p, "data"), "either data or fileUrl is required", nil)
		}
		in.attachments = append(in.attachments, ai)
	}
	return in
}

// conversationThreads reads the threads of a new conversation (at least one).
func (c *checker) conversationThreads(s *store, raw json.RawMessage) []threadInput {
	items, ok := c.array("threads", raw, true)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		c.fail("threads", "must contain at least one thread", raw)
	}
	var out []threadInput
	for i, it := range items {
		p := index("threads", i)
		if o, ok := c.object(p, it, true); ok {
			out = append(out, c.threadInput(s, p, o, true))
		}
	}
	return out
}

// newThread makes a thread of conv from in, in the state in asks for, written by author for
// customer threads and by in.userID otherwise. Ordinary threads have no action type.
func (s *store) newThread(conv *conversation, in threadInput, author *customer, at time.Time) *thread {
	th := &thread{
		id:           next(&s.last.thread),
		typ:          in.typ,
		state:        in.state,
		body:         in.text,
		sourceType:   "api",
		customerID:   conv.customerID,
		assignedToID: conv.assigneeID,
		cc:           in.cc,
		bcc:          in.bcc,
		createdAt:    at,
	}
	switch in.typ {
	case threadCustomer:
		th.status, th.sourceVia, th.createdByCustomerID = statusActive, "customer", author.id
		th.to = []string{s.mailboxes[conv.mailboxID].email}
	case threadMessage:
		th.status, th.sourceVia, th.createdByUserID = statusPending, "user", in.userID
		if cu := s.customers[conv.customerID]; cu != nil && cu.primaryEmail() != "" {
			th.to = []string{cu.primaryEmail()}
		}
	default:
		th.status, th.sourceVia, th.createdByUserID = "nochange", "user", in.userID
	}
	if in.to != nil {
		th.to = in.to
	}
	for _, a := range in.attachments {
		id := next(&s.last.attachment)
		fileURL := a.fileURL
		if fileURL == "" {
			fileURL = fmt.Sprintf("https://support.example.com/storage/attachment/%d/%d/%s?id=%d&token=%032x",
				id%10, id/10%10, url.PathEscape(a.fileName), id, uint64(id)*0x9E3779B97F4A7C15)
		}
		th.attachments = append(th.attachments, attachment{id: id, fileName: a.fileName, fileURL: fileURL, mimeType: a.mimeType, size: a.size})
	}
	return th
}

// createThread serves POST /api/conversations/{id}/threads. Unless a status is given, a
// published customer reply makes the conversation active and a user reply makes it pending.
// A published thread fires convo.customer.reply.created, convo.agent.reply.created or
// convo.note.created; a status it sets fires nothing more (FreeScout records it on the
// thread, with no line item); a draft fires nothing.
func (e *Emulator) createThread(w http.ResponseWriter, r *http.Request, id int) {
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
		in := c.threadInput(s, "", body, false)
		imported := c.boolean("imported", body["imported"])
		status, hasStatus := c.oneOf("status", body["status"], false, statusActive, statusPending, statusClosed, statusSpam)
		createdAt, hasCreatedAt := c.date("createdAt", body["createdAt"])
		if c.failed() {
			return badRequest(c.errs)
		}

		at := now
		if imported && hasCreatedAt { // createdAt is honoured for imports only
			at = createdAt
		}
		author := s.customers[conv.customerID]
		if in.hasCustomer {
			author = s.resolveCustomer(in.customer, now)
		}
		th := s.newThread(conv, in, author, at)
		if !hasStatus && th.state == statePublished {
			switch th.typ {
			case threadCustomer:
				status, hasStatus = statusActive, true
			case threadMessage:
				status, hasStatus = statusPending, true
			}
		}
		if hasStatus {
			conv.setStatus(status, in.userID, at)
			th.status = status
		}
		conv.threads = append([]*thread{th}, conv.threads...)
		conv.updatedAt = now
		if in.userID != 0 {
			conv.userUpdatedAt = now
		}
		if th.state == statePublished {
			s.emitConversation(threadEvent(th.typ), conv, th, now)
		}
		return s.created(th.id, s.renderThread(th))
	})
}

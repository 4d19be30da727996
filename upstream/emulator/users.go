package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// listUsers serves GET /api/users, sorted by id. email looks a user up by address.
func (e *Emulator) listUsers(w http.ResponseWriter, r *http.Request, _ int) {
	q := r.URL.Query()
	email := strings.TrimSpace(q.Get("email"))
	p := e.listParams(q)
	e.read(w, func(s *store) reply {
		var found []*user
		for _, u := range byID(s.users) {
			if !u.deleted && (email == "" || strings.EqualFold(u.email, email)) {
				found = append(found, u)
			}
		}
		return listPage("users", found, p, s.renderUser)
	})
}

// getUser serves GET /api/users/{id}.
func (e *Emulator) getUser(w http.ResponseWriter, _ *http.Request, id int) {
	e.read(w, func(s *store) reply {
		u := s.liveUser(id)
		if u == nil {
			return notFound()
		}
		return ok(s.renderUser(u))
	})
}

// createUser serves POST /api/users. It creates regular users only, without access to any
// mailbox; an email address in use is a conflict (409).
func (e *Emulator) createUser(w http.ResponseWriter, r *http.Request, _ int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	now := e.now()
	e.write(w, func(s *store) reply {
		c := newChecker("JSON")
		first, _ := c.str("firstName", body["firstName"], true)
		last, _ := c.str("lastName", body["lastName"], true)
		email, _ := c.email("email", body["email"], true)
		c.str("password", body["password"], false)
		alternate, _ := c.maxLen("alternateEmails", body["alternateEmails"], 255)
		for _, a := range strings.Split(alternate, ",") {
			if a = strings.TrimSpace(a); a != "" && !validEmail(a) {
				c.failText("alternateEmails", "must be a comma-separated list of email addresses", alternate)
				break
			}
		}
		jobTitle, _ := c.maxLen("jobTitle", body["jobTitle"], 100)
		phone, _ := c.maxLen("phone", body["phone"], 60)
		timezone, _ := c.str("timezone", body["timezone"], false)
		photoURL, _ := c.maxLen("photoUrl", body["photoUrl"], 200)
		if c.failed() {
			return badRequest(c.errs)
		}
		if s.userByEmail(email) != nil {
			return conflict("A user with this email address already exists")
		}
		if timezone == "" {
			timezone = "UTC"
		}
		u := &user{
			id:              next(&s.last.user),
			firstName:       strings.TrimSpace(first),
			lastName:        strings.TrimSpace(last),
			email:           email,
			role:            "user",
			alternateEmails: alternate,
			jobTitle:        jobTitle,
			phone:           phone,
			timezone:        timezone,
			photoURL:        photoURL,
			language:        "en",
			createdAt:       now,
			updatedAt:       now,
		}
		s.users[u.id] = u
		return s.created(u.id, s.renderUser(u))
	})
}

// deleteUser serves DELETE /api/users/{id}?byUserId=..&assignTo[MAILBOX_ID]=USER_ID. The
// user's conversations go to the assignee named for their mailbox, or become unassigned.
// assignTo is also read in the reference's encoded form, assignTo=assignTo%5B2%5D%3D7.
func (e *Emulator) deleteUser(w http.ResponseWriter, r *http.Request, id int) {
	q := r.URL.Query()
	c := newChecker("QUERY")
	byUser := queryInt(c, q, "byUserId")
	if byUser == nil && !c.failed() {
		c.fail("byUserId", msgEmpty, nil)
	}
	reassign := parseAssignTo(c, q)
	if c.failed() {
		send(w, badRequest(c.errs), nil)
		return
	}
	e.write(w, func(s *store) reply {
		u := s.liveUser(id)
		if u == nil {
			return notFound()
		}
		if s.liveUser(*byUser) == nil {
			c.failText("byUserId", "user not found", itoa(*byUser))
		}
		for mailboxID, to := range reassign {
			if s.mailboxes[mailboxID] == nil {
				c.failText("assignTo["+itoa(mailboxID)+"]", "mailbox not found", itoa(to))
			} else if to == id || s.liveUser(to) == nil {
				c.failText("assignTo["+itoa(mailboxID)+"]", "user not found", itoa(to))
			}
		}
		if c.failed() {
			return badRequest(c.errs)
		}
		for _, conv := range s.conversations {
			if conv.assigneeID == id {
				conv.assigneeID = reassign[conv.mailboxID] // 0 (unassigned) when not named
			}
		}
		for _, mb := range s.mailboxes {
			mb.access = deleteValue(mb.access, id)
		}
		u.deleted = true
		return noContent()
	})
}

// deleteValue returns list without v, as a new slice.
func deleteValue(list []int, v int) []int {
	out := make([]int, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// parseAssignTo reads assignTo[MAILBOX_ID]=USER_ID parameters, also when they arrive
// URL-encoded inside a plain assignTo parameter.
func parseAssignTo(c *checker, q url.Values) map[int]int {
	out := map[int]int{}
	var walk func(q url.Values, depth int)
	walk = func(q url.Values, depth int) {
		for key, values := range q {
			if key == "assignTo" && depth == 0 {
				for _, v := range values {
					inner, err := url.ParseQuery(v)
					if err != nil {
						c.failText("assignTo", "must be assignTo[MAILBOX_ID]=USER_ID", v)
						continue
					}
					walk(inner, depth+1)
				}
				continue
			}
			mailbox, found := strings.CutPrefix(key, "assignTo[")
			mailbox, closed := strings.CutSuffix(mailbox, "]")
			if !found || !closed {
				continue
			}
			m, err1 := strconv.Atoi(mailbox)
			u, err2 := strconv.Atoi(strings.TrimSpace(values[0]))
			if err1 != nil || err2 != nil {
				c.failText(key, "must be assignTo[MAILBOX_ID]=USER_ID", values[0])
				continue
			}
			out[m] = u
		}
	}
	walk(q, 0)
	return out
}

package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Customer vocabularies.
func emailTypes() []string { return []string{"work", "home", "other"} }
func phoneTypes() []string { return []string{"work", "home", "mobile", "fax", "pager", "other"} }
func photoTypes() []string {
	return []string{"unknown", "gravatar", "twitter", "facebook", "googleprofile", "googleplus", "linkedin"}
}

// listCustomers serves GET /api/customers.
func (e *Emulator) listCustomers(w http.ResponseWriter, r *http.Request, _ int) {
	q := r.URL.Query()
	c := newChecker("QUERY")
	firstName := strings.TrimSpace(q.Get("firstName"))
	lastName := strings.TrimSpace(q.Get("lastName"))
	phone := strings.TrimSpace(q.Get("phone"))
	email := strings.TrimSpace(q.Get("email"))
	since := queryDate(c, q, "updatedSince")
	field, desc := sortParams(c, q, "createdAt", "firstName", "lastName", "updatedAt")
	p := e.listParams(q)
	if c.failed() {
		send(w, badRequest(c.errs), nil)
		return
	}
	e.read(w, func(s *store) reply {
		var found []*customer
		for _, cu := range s.customers {
			switch {
			case firstName != "" && !strings.EqualFold(cu.firstName, firstName),
				lastName != "" && !strings.EqualFold(cu.lastName, lastName),
				phone != "" && !hasPhone(cu, phone),
				email != "" && !slices.ContainsFunc(cu.emails, func(e contact) bool { return strings.EqualFold(e.value, email) }),
				!since.IsZero() && cu.updatedAt.Before(since):
				continue
			}
			found = append(found, cu)
		}
		sortBy(found, desc, func(cu *customer) int { return cu.id }, customerOrder(field))
		return listPage("customers", found, p, func(cu *customer) customerJSON { return s.renderCustomer(cu, false) })
	})
}

func customerOrder(field string) func(a, b *customer) int {
	switch field {
	case "firstName":
		return func(a, b *customer) int {
			return strings.Compare(strings.ToLower(a.firstName), strings.ToLower(b.firstName))
		}
	case "lastName":
		return func(a, b *customer) int {
			return strings.Compare(strings.ToLower(a.lastName), strings.ToLower(b.lastName))
		}
	case "updatedAt":
		return func(a, b *customer) int { return a.updatedAt.Compare(b.updatedAt) }
	}
	return func(a, b *customer) int { return a.createdAt.Compare(b.createdAt) }
}

// getCustomer serves GET /api/customers/{id}.
func (e *Emulator) getCustomer(w http.ResponseWriter, _ *http.Request, id int) {
	e.read(w, func(s *store) reply {
		cu := s.customers[id]
		if cu == nil {
			return notFound()
		}
		return ok(s.renderCustomer(cu, true))
	})
}

// customerChanges are the members of a create or update customer body; nil or false means
// not sent.
type customerChanges struct {
	firstName, lastName, phone, photoURL, jobTitle, photoType, notes, company *string
	address                                                                   *address
	hasAddress                                                                bool
	emails                                                                    []contact
	hasEmails                                                                 bool
	emailsAdd                                                                 []string
	phones, socialProfiles, websites                                          []contact
	hasPhones, hasSocialProfiles, hasWebsites                                 bool
}

// readCustomerChanges reads a customer body. On create, emails are entries {value, type},
// and email is one more address; on update they are plain addresses, and emails_add adds
// more.
func (c *checker) readCustomerChanges(body object, update bool) customerChanges {
	var ch customerChanges
	text := func(key string, limit int) *string {
		if !body.has(key) {
			return nil
		}
		s, ok := c.maxLen(key, body[key], limit)
		if !ok && !absent(body[key]) {
			return nil
		}
		s = strings.TrimSpace(s)
		return &s
	}
	ch.firstName = text("firstName", 40)
	ch.lastName = text("lastName", 40)
	ch.phone = text("phone", 60)
	ch.photoURL = text("photoUrl", 200)
	ch.jobTitle = text("jobTitle", 60)
	ch.notes = text("notes", 65535)
	ch.company = text("company", 60)
	if body.has("photoType") {
		if v, ok := c.oneOf("photoType", body["photoType"], false, photoTypes()...); ok {
			ch.photoType = &v
		}
	}
	if body.has("address") {
		ch.hasAddress = true
		if o, ok := c.object("address", body["address"], false); ok {
			a := &address{}
			a.city, _ = c.maxLen("address.city", o["city"], 255)
			a.state, _ = c.maxLen("address.state", o["state"], 255)
			a.zip, _ = c.maxLen("address.zip", o["zip"], 12)
			a.street, _ = c.maxLen("address.address", o["address"], 255)
			if country, ok := c.str("address.country", o["country"], false); ok && country != "" {
				if len(country) != 2 || strings.IndexFunc(country, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
					c.fail("address.country", "must be a two-letter country code", o["country"])
				}
				a.country = strings.ToUpper(country)
			}
			ch.address = a
		}
	}
	if update {
		if body.has("emails") {
			ch.hasEmails = true
			for _, e := range c.emails("emails", body["emails"]) {
				ch.emails = append(ch.emails, contact{value: e, typ: "work"})
			}
		}
		ch.emailsAdd = c.emails("emails_add", body["emails_add"])
	} else {
		if body.has("emails") {
			ch.hasEmails = true
			ch.emails = c.contacts("emails", body["emails"], emailTypes(), "work", true)
		}
		// Real installs also take a single address in email, ahead of emails.
		if email, ok := c.email("email", body["email"], false); ok &&
			!slices.ContainsFunc(ch.emails, func(e contact) bool { return strings.EqualFold(e.value, email) }) {
			ch.hasEmails = true
			ch.emails = append([]contact{{value: email, typ: "work"}}, ch.emails...)
		}
	}
	if body.has("phones") {
		ch.hasPhones = true
		ch.phones = c.contacts("phones", body["phones"], phoneTypes(), "work", false)
	}
	if body.has("socialProfiles") {
		ch.hasSocialProfiles = true
		ch.socialProfiles = c.contacts("socialProfiles", body["socialProfiles"], nil, "other", false)
	}
	if body.has("websites") {
		ch.hasWebsites = true
		for i, w := range c.contacts("websites", body["websites"], nil, "", false) {
			if u, err := url.Parse(w.value); err != nil || u.Host == "" {
				c.failText(index("websites", i)+".value", "must be a URL", w.value)
			}
			ch.websites = append(ch.websites, contact{value: w.value})
		}
	}
	return ch
}

// contacts reads entries {value, type}. types limits the type when not nil.
func (c *checker) contacts(path string, raw json.RawMessage, types []string, defaultType string, isEmail bool) []contact {
	items, _ := c.array(path, raw, false)
	out := []contact{}
	for i, it := range items {
		p := index(path, i)
		o, ok := c.object(p, it, true)
		if !ok {
			continue
		}
		var value string
		if isEmail {
			value, ok = c.email(at(p, "value"), o["value"], true)
		} else {
			value, ok = c.str(at(p, "value"), o["value"], true)
		}
		typ := defaultType
		if t, given := c.str(at(p, "type"), o["type"], false); given && t != "" {
			if types != nil && !slices.Contains(types, t) {
				c.fail(at(p, "type"), expected(types), o["type"])
			}
			typ = t
		}
		if ok {
			out = append(out, contact{value: strings.TrimSpace(value), typ: typ})
		}
	}
	return out
}

// emailOwner returns the customer, other than except, holding one of the emails.
func (s *store) emailOwner(emails []string, except int) *customer {
	for _, e := range emails {
		if cu := s.customerByEmail(e); cu != nil && cu.id != except {
			return cu
		}
	}
	return nil
}

// apply writes the changes to cu. Emails keep their ids; new addresses get new ones.
func (s *store) apply(cu *customer, ch customerChanges, now time.Time) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&cu.firstName, ch.firstName)
	set(&cu.lastName, ch.lastName)
	set(&cu.photoURL, ch.photoURL)
	set(&cu.jobTitle, ch.jobTitle)
	set(&cu.photoType, ch.photoType)
	set(&cu.notes, ch.notes)
	set(&cu.company, ch.company)
	if ch.hasAddress {
		cu.address = ch.address
	}
	if ch.hasEmails || len(ch.emailsAdd) > 0 {
		list := ch.emails
		if !ch.hasEmails { // emails_add has no effect when emails is set
			list = slices.Clone(cu.emails)
			for _, e := range ch.emailsAdd {
				list = append(list, contact{value: e, typ: "work"})
			}
		}
		var emails []contact
		for _, e := range list {
			if slices.ContainsFunc(emails, func(x contact) bool { return strings.EqualFold(x.value, e.value) }) {
				continue
			}
			if i := slices.IndexFunc(cu.emails, func(x contact) bool { return strings.EqualFold(x.value, e.value) }); i >= 0 {
				e = cu.emails[i]
			} else {
				e.id = next(&s.last.email)
			}
			emails = append(emails, e)
		}
		cu.emails = emails
	}
	if ch.hasPhones {
		cu.phones = ch.phones
	}
	if ch.phone != nil && *ch.phone != "" && !slices.ContainsFunc(cu.phones, func(p contact) bool { return samePhone(p.value, *ch.phone) }) {
		cu.phones = append([]contact{{value: *ch.phone, typ: "work"}}, cu.phones...)
	}
	if ch.hasSocialProfiles {
		cu.socialProfiles = ch.socialProfiles
	}
	if ch.hasWebsites {
		cu.websites = ch.websites
	}
	cu.updatedAt = now
}

func (ch customerChanges) allEmails() []string {
	var out []string
	for _, e := range ch.emails {
		out = append(out, e.value)
	}
	return append(out, ch.emailsAdd...)
}

// createCustomer serves POST /api/customers. As the reference says, when the request has
// emails and customers with all of them exist already, nothing is created (409); addresses
// that belong to someone else are otherwise left off the new customer, since an address
// belongs to one customer only.
func (e *Emulator) createCustomer(w http.ResponseWriter, r *http.Request, _ int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	now := e.now()
	e.write(w, func(s *store) reply {
		c := newChecker("JSON")
		ch := c.readCustomerChanges(body, false)
		if c.failed() {
			return badRequest(c.errs)
		}
		if len(ch.emails) > 0 {
			var free []contact
			for _, em := range ch.emails {
				if s.emailOwner([]string{em.value}, 0) == nil {
					free = append(free, em)
				}
			}
			if len(free) == 0 {
				return conflict("A customer with these email addresses already exists")
			}
			ch.emails = free
		}
		cu := &customer{id: next(&s.last.customer), photoType: "unknown", createdAt: now, fields: map[int]string{}}
		s.apply(cu, ch, now)
		s.customers[cu.id] = cu
		s.emitCustomer(eventCustomerCreated, cu)
		return s.created(cu.id, s.renderCustomer(cu, true))
	})
}

// updateCustomer serves PUT /api/customers/{id}. emails replaces the addresses; emails_add
// adds to them. An address that belongs to another customer is a conflict (409).
func (e *Emulator) updateCustomer(w http.ResponseWriter, r *http.Request, id int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	now := e.now()
	e.write(w, func(s *store) reply {
		cu := s.customers[id]
		if cu == nil {
			return notFound()
		}
		c := newChecker("JSON")
		ch := c.readCustomerChanges(body, true)
		if c.failed() {
			return badRequest(c.errs)
		}
		if s.emailOwner(ch.allEmails(), cu.id) != nil {
			return conflict("A customer with this email address already exists")
		}
		s.apply(cu, ch, now)
		s.emitCustomer(eventCustomerUpdated, cu)
		return noContent()
	})
}

// customerField returns the customer field definition with id.
func (s *store) customerField(id int) *customField {
	for _, f := range s.customerFields {
		if f.id == id {
			return f
		}
	}
	return nil
}

// updateCustomerFields serves PUT /api/customers/{id}/customer_fields, merging field by field.
func (e *Emulator) updateCustomerFields(w http.ResponseWriter, r *http.Request, id int) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	now := e.now()
	e.write(w, func(s *store) reply {
		cu := s.customers[id]
		if cu == nil {
			return notFound()
		}
		c := newChecker("JSON")
		values := c.fieldValues("customerFields", body["customerFields"], true, s.customerField, "customers")
		if c.failed() {
			return badRequest(c.errs)
		}
		mergeFields(cu.fields, values)
		cu.updatedAt = now
		s.emitCustomer(eventCustomerUpdated, cu)
		return noContent()
	})
}

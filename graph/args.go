package graph

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Reading arguments and inputs: ids, strings and references, checked before
// anything is sent to FreeScout. Problems with a query's arguments are
// BAD_USER_INPUT errors; problems with a mutation's input are collected as
// userErrors (see inputErrors). Messages repeat at most a few dozen
// characters of what the client sent (errcode.Echo).

// maxIDLen is the longest FreeScout id the gateway reads: ids are positive
// 32-bit numbers in FreeScout's database.
const maxIDLen = 10

// parseID reads a FreeScout id: a positive number that fits FreeScout's
// ids.
func parseID(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxIDLen {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n <= 0 {
		return 0, false
	}
	return int(n), true
}

// argID parses an ID argument of a query.
func argID(name, s string) (int, error) {
	n, ok := parseID(s)
	if !ok {
		return 0, badInput(fmt.Sprintf("%s %q is not a valid id", name, errcode.Echo(s)))
	}
	return n, nil
}

// optID parses an optional ID argument of a query; nil and "" give 0.
func optID(name string, s *string) (int, error) {
	if s == nil || *s == "" {
		return 0, nil
	}
	return argID(name, *s)
}

// maxFilterLen bounds a text a filter sends to FreeScout in a URL.
const maxFilterLen = 500

// argText checks a text argument that goes into a FreeScout URL.
func argText(name string, s *string) (string, error) {
	v := deref(s)
	if len(v) > maxFilterLen {
		return "", badInput(fmt.Sprintf("%s is %d bytes; at most %d are allowed", name, len(v), maxFilterLen))
	}
	return v, nil
}

// inputErrors collects the problems with a mutation's input as userErrors.
type inputErrors struct{ errs []*model.UserError }

// id parses an id of the input at path.
func (p *inputErrors) id(s string, path ...string) int {
	n, ok := parseID(s)
	if !ok {
		p.add(path, errcode.InvalidID, fmt.Sprintf("%q is not a valid id", errcode.Echo(s)))
	}
	return n
}

// opt parses an optional id; nil and "" give 0.
func (p *inputErrors) opt(s *string, path ...string) int {
	if s == nil || *s == "" {
		return 0
	}
	return p.id(*s, path...)
}

// optPtr parses an optional id that FreeScout gets only when given.
func (p *inputErrors) optPtr(s *string, path ...string) *int {
	if s == nil {
		return nil
	}
	n := p.id(*s, path...)
	return &n
}

// add records a problem.
func (p *inputErrors) add(path []string, code errcode.UserCode, msg string) {
	p.errs = append(p.errs, &model.UserError{Field: path, Message: msg, Code: string(code)})
}

// failed reports whether any problem was recorded.
func (p *inputErrors) failed() bool { return len(p.errs) > 0 }

func customerRef(in *model.CustomerRefInput, ids *inputErrors, path ...string) *upstream.CustomerRef {
	if in == nil {
		return nil
	}
	ref := &upstream.CustomerRef{ID: ids.opt(in.ID, append(path, "id")...)}
	ref.Email, ref.FirstName, ref.LastName, ref.Phone = deref(in.Email), deref(in.FirstName), deref(in.LastName), deref(in.Phone)
	if ref.ID == 0 && ref.Email == "" && ref.FirstName == "" && ref.Phone == "" {
		ids.add(path, errcode.Required, "a customer needs an id, an email, or (for phone conversations) a first name or phone")
	}
	return ref
}

func attachments(in []*model.AttachmentInput) []upstream.AttachmentUpload {
	out := make([]upstream.AttachmentUpload, 0, len(in))
	for _, a := range in {
		out = append(out, upstream.AttachmentUpload{FileName: a.FileName, MimeType: deref(a.MimeType), Data: deref(a.Data), FileURL: deref(a.FileURL)})
	}
	return out
}

func addressInput(a *model.AddressInput) *upstream.AddressInput {
	if a == nil {
		return nil
	}
	return &upstream.AddressInput{City: deref(a.City), State: deref(a.State), Zip: deref(a.Zip), Country: deref(a.Country), Address: deref(a.Address)}
}

func entryInputs(in []*model.ContactEntryInput) []upstream.EntryInput {
	if in == nil {
		return nil
	}
	out := make([]upstream.EntryInput, 0, len(in))
	for _, e := range in {
		out = append(out, upstream.EntryInput{Value: e.Value, Type: deref(e.Type)})
	}
	return out
}

// checkThreadAuthor requires a customer for CUSTOMER threads and a user for
// MESSAGE and NOTE threads, the only types that can be created.
func checkThreadAuthor(ids *inputErrors, path []string, t model.ThreadType, hasCustomer, hasUser bool) {
	at := func(f string) []string { return append(append([]string(nil), path...), f) }
	switch t {
	case model.ThreadTypeCustomer:
		if !hasCustomer {
			ids.add(at("customer"), errcode.Required, "a CUSTOMER thread needs a customer")
		}
	case model.ThreadTypeMessage, model.ThreadTypeNote:
		if !hasUser {
			ids.add(at("userId"), errcode.Required, "a "+string(t)+" thread needs a userId")
		}
	default:
		ids.add(at("type"), errcode.Invalid, "type must be CUSTOMER, MESSAGE or NOTE")
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

package graph

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/scoutgraph/scoutgraph/customfields"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// mutation describes how one mutation's FreeScout answers map onto its
// input: idPath is where the id of the object it writes sits in the input
// (for a not-found answer), renames map the first segment of FreeScout's
// error paths onto the input's names where they differ (customFields →
// fields).
type mutation struct {
	idPath  []string
	renames map[string]string
}

// mutate is every mutation's shape: the input's problems, collected while
// reading it into ids, are returned as userErrors without anything being
// sent; otherwise write (which writes through the session and reads the
// result back) runs, and FreeScout's answers about the input (400, 404,
// 409) become userErrors. userErrors is never nil.
func mutate[T any](ids *inputErrors, m mutation, write func() (T, error)) (T, []*model.UserError, error) {
	var zero T
	if ids.failed() {
		return zero, ids.errs, nil
	}
	v, err := write()
	if errors.Is(err, errcode.Landed) {
		return v, []*model.UserError{}, err // written; reading it back failed
	}
	if err != nil {
		uerrs, err := m.userErrors(err)
		return zero, uerrs, err
	}
	return v, []*model.UserError{}, nil
}

// created is what a create answered: the new object's id whenever the write
// landed, and the object read back, or why it could not be read back.
type created[T any] struct {
	ID      *string
	Obj     T
	ReadErr error
}

// create is mutate for creates: once the write has landed (write returned
// an id), an error reading the object back goes to ReadErr, for the
// object's field, and the payload still carries the id.
func create[T any](ids *inputErrors, m mutation, write func() (int, T, error)) (created[T], []*model.UserError, error) {
	var c created[T]
	if ids.failed() {
		return c, ids.errs, nil
	}
	id, obj, err := write()
	if id != 0 {
		c.ID = idPtr(id)
		c.Obj, c.ReadErr = obj, err
		return c, []*model.UserError{}, nil
	}
	if err != nil {
		uerrs, err := m.userErrors(err)
		return c, uerrs, err
	}
	return c, []*model.UserError{}, nil
}

// userErrorRenames map FreeScout's body parameter names onto the GraphQL
// input's names.
var userErrorRenames = map[string]string{
	"assignTo":   "assigneeId",
	"user":       "userId",
	"byUser":     "byUserId",
	"emails_add": "emailsAdd",
}

var pathPart = regexp.MustCompile(`[^.\[\]]+`)

// inputPath turns FreeScout's error path ("threads[0].user") into the
// input's path (["threads", "0", "userId"]).
func (m mutation) inputPath(p string) []string {
	parts := pathPart.FindAllString(p, -1)
	for i, s := range parts {
		if to, ok := m.renames[s]; ok && i == 0 {
			parts[i] = to
		} else if to, ok := userErrorRenames[s]; ok {
			parts[i] = to
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return parts
}

// userErrors turns an answer to a write into userErrors when it is about
// the input (400, 404, 409, and the session's own not-found answers about
// input fields); any other error is returned.
func (m mutation) userErrors(err error) ([]*model.UserError, error) {
	if errors.Is(err, upstream.ErrModuleMissing) || errcode.Of(err) == errcode.ModuleUnavailable {
		return nil, err // not about the input: MODULE_UNAVAILABLE, at the edge
	}
	var ie *errcode.InputError
	if errors.As(err, &ie) {
		return []*model.UserError{{Field: ie.Field, Message: ie.Message, Code: string(ie.Code)}}, nil
	}
	if e := errcode.As(err); e != nil && e.Code == errcode.NotFound {
		path := e.Field
		if path == nil {
			path = m.idPath
		}
		return []*model.UserError{{Field: path, Message: e.Message, Code: string(errcode.UserNotFound)}}, nil
	}
	var ue *upstream.Error
	if !errors.As(err, &ue) {
		return nil, err
	}
	switch {
	case errors.Is(err, upstream.ErrBadRequest):
		if len(ue.Fields) == 0 {
			return []*model.UserError{{Message: "freescout rejected the request: " + strings.ToLower(ue.Message), Code: string(errcode.Invalid)}}, nil
		}
		out := make([]*model.UserError, 0, len(ue.Fields))
		for _, f := range ue.Fields {
			msg := f.Message
			if f.RejectedValue != nil {
				msg = fmt.Sprintf("%s (got %s)", msg, errcode.Echo(fmt.Sprint(f.RejectedValue)))
			}
			out = append(out, &model.UserError{Field: m.inputPath(f.Path), Message: msg, Code: string(errcode.Invalid)})
		}
		return out, nil
	case errors.Is(err, upstream.ErrNotFound):
		return []*model.UserError{{Field: m.idPath, Message: "not found", Code: string(errcode.UserNotFound)}}, nil
	case errors.Is(err, upstream.ErrConflict):
		msg := ue.Message
		if msg == "" || strings.EqualFold(msg, "conflict") {
			msg = "a conflicting object already exists"
		}
		return []*model.UserError{{Message: strings.ToLower(msg), Code: string(errcode.Conflict)}}, nil
	}
	return nil, err
}

// payload is the selection on the object under field of a mutation
// payload of type payloadType: what to read back, and how.
func payload(ctx context.Context, payloadType, field, objType string) []graphql.CollectedField {
	return children(ctx, selected(ctx, payloadType), field, objType)
}

// fieldInputs converts GraphQL custom-field inputs for translation.
func fieldInputs(in []*model.CustomFieldInput) []customfields.Input {
	out := make([]customfields.Input, 0, len(in))
	for _, f := range in {
		out = append(out, customfields.Input{ID: deref(f.ID), Name: deref(f.Name), Value: f.Value})
	}
	return out
}

// problemErrors turns translation problems into userErrors; top is the name
// of the input's list of fields.
func problemErrors(problems []customfields.Problem, top string) []*model.UserError {
	out := make([]*model.UserError, 0, len(problems))
	for _, p := range problems {
		path := slices.Clone(p.Field)
		if len(path) > 0 {
			path[0] = top
		}
		out = append(out, &model.UserError{Field: path, Message: p.Message, Code: string(p.Code)})
	}
	return out
}

// reassignPaths points userErrors about FreeScout's assignTo[MAILBOX_ID]
// (mapped to ["reassign", MAILBOX_ID]) at the reassign entry of that mailbox
// in the input: ["reassign", INDEX].
func reassignPaths(uerrs []*model.UserError, in []*model.ReassignInput) []*model.UserError {
	for _, e := range uerrs {
		if len(e.Field) < 2 || e.Field[0] != "reassign" {
			continue
		}
		for i, ra := range in {
			if strings.TrimSpace(ra.MailboxID) == e.Field[1] {
				e.Field = append([]string{"reassign", strconv.Itoa(i)}, e.Field[2:]...)
				break
			}
		}
	}
	return uerrs
}

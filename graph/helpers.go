package graph

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/loader"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// loaders returns the request's loaders; a context without them (a direct
// executor call) gets fresh, unshared ones.
func (r *Resolver) loaders(ctx context.Context) *loader.Loaders {
	if l := loader.For(ctx); l != nil {
		return l
	}
	return r.Loaders.New()
}

// argID parses an ID argument of a query.
func argID(name, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, badInput(fmt.Sprintf("%s %q is not a valid id", name, s))
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

// inputIDs parses ids of a mutation input, collecting userErrors.
type inputIDs struct{ errs []*model.UserError }

func (p *inputIDs) id(s string, path ...string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		p.errs = append(p.errs, &model.UserError{Field: path, Message: fmt.Sprintf("%q is not a valid id", s), Code: "INVALID_ID"})
		return 0
	}
	return n
}

func (p *inputIDs) opt(s *string, path ...string) int {
	if s == nil || *s == "" {
		return 0
	}
	return p.id(*s, path...)
}

func (p *inputIDs) optPtr(s *string, path ...string) *int {
	if s == nil {
		return nil
	}
	n := p.id(*s, path...)
	return &n
}

func (p *inputIDs) add(path []string, code, msg string) {
	p.errs = append(p.errs, &model.UserError{Field: path, Message: msg, Code: code})
}

// pageInfo describes the window [offset, offset+n) of a list of total items.
func pageInfo(offset, n, total int) *model.PageInfo {
	pi := &model.PageInfo{HasPreviousPage: offset > 0, HasNextPage: offset+n < total}
	if n > 0 {
		start, end := paging.Cursor(offset), paging.Cursor(offset+n-1)
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}

// nodesAndEdges turns the window of a list that starts at offset into a
// connection's nodes and its edges, which carry the same nodes with their
// cursors.
func nodesAndEdges[T, N, E any](items []T, offset int, node func(*T) N, edge func(cursor string, n N) E) ([]N, []E) {
	nodes, edges := make([]N, 0, len(items)), make([]E, 0, len(items))
	for i := range items {
		n := node(&items[i])
		nodes = append(nodes, n)
		edges = append(edges, edge(paging.Cursor(offset+i), n))
	}
	return nodes, edges
}

func conversationConnection(items []upstream.Conversation, offset, total int, hasNext bool) *model.ConversationConnection {
	nodes, edges := nodesAndEdges(items, offset, toConversation, func(c string, n *model.Conversation) *model.ConversationEdge {
		return &model.ConversationEdge{Cursor: c, Node: n}
	})
	pi := pageInfo(offset, len(items), total)
	pi.HasNextPage = hasNext
	return &model.ConversationConnection{Edges: edges, Nodes: nodes, TotalCount: total, PageInfo: pi}
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
// input's path (["threads", "0", "userId"]); top renames the first segment
// where the input calls it differently (e.g. customFields → fields).
func inputPath(p string, top map[string]string) []string {
	parts := pathPart.FindAllString(p, -1)
	for i, s := range parts {
		if to, ok := top[s]; ok && i == 0 {
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

// writeErrors turns FreeScout's answer to a write into userErrors when the
// answer is about the input (400, 404, 409); any other error is returned.
// subject names the object written, for not-found messages, and idPath
// where its id sits in the input.
func writeErrors(err error, top map[string]string, idPath []string) ([]*model.UserError, error) {
	var ue *upstream.Error
	if !errors.As(err, &ue) {
		return nil, err
	}
	switch {
	case errors.Is(err, upstream.ErrBadRequest):
		if len(ue.Fields) == 0 {
			return []*model.UserError{{Message: "freescout rejected the request: " + strings.ToLower(ue.Message), Code: "INVALID"}}, nil
		}
		out := make([]*model.UserError, 0, len(ue.Fields))
		for _, f := range ue.Fields {
			msg := f.Message
			if f.RejectedValue != nil {
				msg = fmt.Sprintf("%s (got %v)", msg, f.RejectedValue)
			}
			out = append(out, &model.UserError{Field: inputPath(f.Path, top), Message: msg, Code: "INVALID"})
		}
		return out, nil
	case errors.Is(err, upstream.ErrNotFound):
		return []*model.UserError{{Field: idPath, Message: "not found", Code: CodeNotFound}}, nil
	case errors.Is(err, upstream.ErrConflict):
		msg := ue.Message
		if msg == "" || strings.EqualFold(msg, "conflict") {
			msg = "a conflicting object already exists"
		}
		return []*model.UserError{{Message: strings.ToLower(msg), Code: "CONFLICT"}}, nil
	}
	return nil, err
}

// payloadEmbeds chooses embed= for the object under field of a mutation
// payload of type payloadType.
func payloadEmbeds(ctx context.Context, payloadType, field, objType string) []string {
	return conversationEmbeds(payloadSelection(ctx, payloadType, field, objType))
}

// payloadSelection returns the fields selected on the object under field of
// a mutation payload of type payloadType.
func payloadSelection(ctx context.Context, payloadType, field, objType string) []graphql.CollectedField {
	return children(ctx, selected(ctx, payloadType), field, objType)
}

func customerRef(in *model.CustomerRefInput, ids *inputIDs, path ...string) *upstream.CustomerRef {
	if in == nil {
		return nil
	}
	ref := &upstream.CustomerRef{ID: ids.opt(in.ID, append(path, "id")...)}
	ref.Email, ref.FirstName, ref.LastName, ref.Phone = deref(in.Email), deref(in.FirstName), deref(in.LastName), deref(in.Phone)
	if ref.ID == 0 && ref.Email == "" && ref.FirstName == "" && ref.Phone == "" {
		ids.add(path, "REQUIRED", "a customer needs an id, an email, or (for phone conversations) a first name or phone")
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

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

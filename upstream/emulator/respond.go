package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// reply is what an endpoint answers: a status, an optional JSON body and, for 201, the id
// of the created resource.
type reply struct {
	status     int
	body       any
	resourceID int
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }
func noContent() reply  { return reply{status: http.StatusNoContent} }

// created is the 201 answer for a new resource: its Resource-ID header and, since module
// v1.0.21, the resource as JSON (body, rendered as the matching read renders it).
func (s *store) created(id int, body any) reply {
	rep := reply{status: http.StatusCreated, resourceID: id}
	if s.d.has(featCreatedBodies) {
		rep.body = body
	}
	return rep
}

// moduleMissing is the answer of an endpoint whose FreeScout module is not installed.
func moduleMissing(module string) reply {
	return reply{status: http.StatusBadRequest, body: errorBody{
		Message:   "The " + moduleTitles()[module] + " module is not installed or not active",
		ErrorCode: "BAD REQUEST",
	}}
}
func notFound() reply {
	return reply{status: http.StatusNotFound, body: errorBody{Message: "Not found"}}
}
func conflict(msg string) reply {
	return reply{status: http.StatusConflict, body: errorBody{Message: msg, ErrorCode: "CONFLICT"}}
}

// badRequest is FreeScout's validation error: message, errorCode and the failing fields.
func badRequest(errs []fieldError) reply {
	return reply{status: http.StatusBadRequest, body: errorBody{
		Message:   "Bad request",
		ErrorCode: "BAD REQUEST",
		Embedded:  &errorsEmbedded{Errors: errs},
	}}
}

// statusReply is the error answer for statuses without details. Like FreeScout, whose error
// bodies vary, 404 carries only a message; the others also carry an errorCode.
func statusReply(status int) reply {
	switch status {
	case http.StatusNotFound:
		return notFound()
	case http.StatusUnauthorized:
		return reply{status: status, body: errorBody{
			Message:   "Unauthorized. API Key is either not provided or not valid.",
			ErrorCode: "UNAUTHORIZED",
		}}
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	return reply{status: status, body: errorBody{Message: text, ErrorCode: strings.ToUpper(text)}}
}

// errorBody is the body of FreeScout's error answers.
type errorBody struct {
	Message   string          `json:"message"`
	ErrorCode string          `json:"errorCode,omitempty"`
	Embedded  *errorsEmbedded `json:"_embedded,omitempty"`
}

type errorsEmbedded struct {
	Errors []fieldError `json:"errors"`
}

// fieldError is one entry of a validation error's _embedded.errors.
type fieldError struct {
	Path          string          `json:"path"`
	Message       string          `json:"message"`
	RejectedValue json.RawMessage `json:"rejectedValue,omitempty"`
	Source        string          `json:"source"`
}

// encode marshals the reply's body. Callers encode while they still hold the data lock,
// because a body may share slices with the data.
func (rep reply) encode() []byte {
	if rep.body == nil {
		return nil
	}
	return encodeJSON(rep.body)
}

// encodeJSON marshals a rendered value as FreeScout does: without escaping HTML (bodies
// hold HTML; like PHP, it leaves < > & as they are) and without a final newline.
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // only plain data is encoded; this cannot happen
		return []byte(`{"message":"Internal Server Error","errorCode":"INTERNAL SERVER ERROR"}`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// send writes rep with its encoded body (encoded here when b is nil).
func send(w http.ResponseWriter, rep reply, b []byte) {
	if b == nil {
		b = rep.encode()
	}
	h := w.Header()
	if rep.resourceID != 0 {
		h.Set("Resource-ID", strconv.Itoa(rep.resourceID))
	}
	if b != nil {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(b)))
	}
	w.WriteHeader(rep.status)
	if b != nil {
		_, _ = w.Write(b)
	}
}

// read answers with fn's reply, computed and encoded under the read lock.
func (e *Emulator) read(w http.ResponseWriter, fn func(db *store) reply) {
	e.mu.RLock()
	rep := fn(e.db)
	b := rep.encode()
	e.mu.RUnlock()
	send(w, rep, b)
}

// write answers with fn's reply, computed under the write lock. The webhook deliveries fn
// emitted (see store.emit) are handed to the dispatcher once the lock is released.
func (e *Emulator) write(w http.ResponseWriter, fn func(db *store) reply) {
	e.mu.Lock()
	rep := fn(e.db)
	b := rep.encode()
	out := e.db.outbox
	e.db.outbox = nil
	e.mu.Unlock()
	e.hooks.enqueue(out)
	send(w, rep, b)
}

// pageJSON is the page block of list answers.
type pageJSON struct {
	Size          int `json:"size"`
	TotalElements int `json:"totalElements"`
	TotalPages    int `json:"totalPages"`
	Number        int `json:"number"`
}

// pageRequest is a list request's page (1-based) and page size.
type pageRequest struct {
	number, size int
}

// Paging limits. FreeScout documents no maximum page size; the emulator caps it.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// pageParams reads page and pageSize the way Laravel does: a missing or invalid page is 1,
// a missing or invalid pageSize is the default, and pageSize is capped at maxPageSize. A
// module version without the sizing feature (see ModuleGates) ignores pageSize.
func pageParams(q url.Values, sizing bool) pageRequest {
	p := pageRequest{number: 1, size: defaultPageSize}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		p.number = n
	}
	if n, err := strconv.Atoi(q.Get("pageSize")); err == nil && n > 0 && sizing {
		p.size = min(n, maxPageSize)
	}
	return p
}

// listParams reads the page of a list other than conversations.
func (e *Emulator) listParams(q url.Values) pageRequest {
	return pageParams(q, e.dialect.has(featListPageSize))
}

// pageOf cuts one page out of items. totalPages follows Laravel's lastPage: ceil(total/size),
// but at least 1, so an empty result has one (empty) page.
func pageOf[T any](items []T, p pageRequest) ([]T, pageJSON) {
	total := len(items)
	info := pageJSON{
		Size:          p.size,
		TotalElements: total,
		TotalPages:    max((total+p.size-1)/p.size, 1),
		Number:        p.number,
	}
	start := total
	if p.number-1 <= total/p.size { // also keeps huge page numbers from overflowing
		start = min((p.number-1)*p.size, total)
	}
	end := min(start+p.size, total)
	return items[start:end], info
}

// listJSON is the body of list answers: the items under _embedded.<name>, and the page.
type listJSON struct {
	Embedded map[string]any `json:"_embedded"`
	Page     pageJSON       `json:"page"`
}

// listPage renders one page of items as a list answer.
func listPage[T, J any](name string, items []T, p pageRequest, render func(T) J) reply {
	cut, info := pageOf(items, p)
	out := make([]J, 0, len(cut))
	for _, it := range cut {
		out = append(out, render(it))
	}
	return ok(listJSON{Embedded: map[string]any{name: out}, Page: info})
}

// restyle turns a held validation error (400 with _embedded.errors) into Laravel's form
// when the emulator answers so (Options.LaravelErrors): 422, the message "The given data
// was invalid." and an errors object that lists each field's messages under its path in
// Laravel's dot notation (threads[0].user is threads.0.user). Other answers pass as they
// are.
func (e *Emulator) restyle(a *heldAnswer) *heldAnswer {
	if !e.laravel || a.status != http.StatusBadRequest {
		return a
	}
	var eb errorBody
	if json.Unmarshal(a.body, &eb) != nil || eb.Embedded == nil || len(eb.Embedded.Errors) == 0 {
		return a
	}
	out := struct {
		Message string              `json:"message"`
		Errors  map[string][]string `json:"errors"`
	}{Message: "The given data was invalid.", Errors: map[string][]string{}}
	for _, f := range eb.Embedded.Errors {
		path := laravelPath(f.Path)
		if path == "" {
			out.Message = f.Message // about the body as a whole
			continue
		}
		out.Errors[path] = append(out.Errors[path], f.Message)
	}
	a.status = http.StatusUnprocessableEntity
	a.body = encodeJSON(out)
	a.header.Set("Content-Length", strconv.Itoa(len(a.body)))
	return a
}

// laravelPath writes a field path in Laravel's dot notation: customFields[0].value is
// customFields.0.value.
func laravelPath(p string) string {
	p = strings.ReplaceAll(p, "[", ".")
	p = strings.ReplaceAll(p, "]", "")
	return strings.Trim(p, ".")
}

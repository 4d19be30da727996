package upstream

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
)

// Sentinel errors. Every error the client returns for a FreeScout answer or a
// transport failure matches one of these through errors.Is.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	// ErrRateLimited is FreeScout's 429: it asks the client to wait
	// (Error.RetryAfter). It also matches ErrUnavailable.
	ErrRateLimited = errors.New("freescout rate limited")
	// ErrUnavailable covers FreeScout being down, unreachable, timing out,
	// answering 5xx, or answering something that is not the documented JSON.
	ErrUnavailable = errors.New("freescout unavailable")
	// ErrModuleMissing is FreeScout answering an endpoint of an optional
	// module that the install lacks (Error.Module names it). It also
	// matches ErrBadRequest.
	ErrModuleMissing = errors.New("freescout module missing")
	// ErrCreatedWithoutID is a create FreeScout answered with success but
	// without saying which id the new object has (no usable Resource-ID,
	// Location or id in the body): the write landed, and only a search can
	// tell what it made. It matches no other sentinel.
	ErrCreatedWithoutID = errors.New("freescout created the object without saying its id")
)

// FieldError is one entry of FreeScout's validation errors
// (_embedded.errors[], or one message of a Laravel-style "errors" object).
// Path names the request body field, e.g. "subject" or
// "customFields[0].value" (Laravel writes "customFields.0.value").
type FieldError struct {
	Path          string `json:"path"`
	Message       string `json:"message"`
	RejectedValue any    `json:"rejectedValue,omitempty"`
	Source        string `json:"source,omitempty"`
}

// Error is a non-2xx answer from FreeScout. It never holds the API key: the
// key travels only in a header, and Path carries no query string.
type Error struct {
	StatusCode int           // HTTP status
	Method     string        // request method
	Path       string        // request path without the query string
	Message    string        // FreeScout's "message"
	Code       string        // FreeScout's "errorCode"; may be empty
	Fields     []FieldError  // FreeScout's _embedded.errors, or Laravel's errors
	RetryAfter time.Duration // how long a 429 asked to wait
	// Module is the optional module the answer says the install lacks
	// (see ErrModuleMissing); "" for other errors.
	Module Module
}

// Error describes the failure in one lowercase line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "freescout %s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.Message != "" {
		fmt.Fprintf(&b, " %s", strings.ToLower(e.Message))
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Path, f.Message)
	}
	return b.String()
}

// Is matches e against the package's sentinels by HTTP status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrModuleMissing:
		return e.Module != ""
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// scrub takes the API key out of everything FreeScout wrote into the error
// (an install that echoes the request in its error page, say), so that it
// can be logged.
func (e *Error) scrub(key string) {
	if key == "" {
		return
	}
	clean := func(s string) string { return strings.ReplaceAll(s, key, "[api key]") }
	e.Message, e.Code = clean(e.Message), clean(e.Code)
	for i := range e.Fields {
		f := &e.Fields[i]
		f.Path, f.Message = clean(f.Path), clean(f.Message)
		if s, ok := f.RejectedValue.(string); ok {
			f.RejectedValue = clean(s)
		}
	}
}

// errorBody is FreeScout's error document: the documented one, with
// _embedded.errors, or Laravel's, whose errors object holds a list of
// messages per field ({"message": "The given data was invalid.", "errors":
// {"customer.email": ["The customer.email must be a valid email address."]}}).
type errorBody struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
	Embedded  struct {
		Errors []FieldError `json:"errors"`
	} `json:"_embedded"`
	Errors json.RawMessage `json:"errors"`
}

// laravelErrors reads Laravel's errors object into field errors, one per
// message, in the order of the fields' paths. A field's messages may also
// be a single string. Anything else gives none.
func laravelErrors(raw json.RawMessage) []FieldError {
	var byField map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &byField) != nil {
		return nil
	}
	paths := make([]string, 0, len(byField))
	for p := range byField {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var out []FieldError
	for _, p := range paths {
		var msgs []string
		if err := json.Unmarshal(byField[p], &msgs); err != nil {
			var one string
			if json.Unmarshal(byField[p], &one) != nil {
				continue
			}
			msgs = []string{one}
		}
		for _, m := range msgs {
			out = append(out, FieldError{Path: p, Message: m})
		}
	}
	return out
}

// ParseError builds an *Error from a status and an error body, in
// FreeScout's documented form or Laravel's. A body that is not JSON still
// gives an *Error, with the HTTP status text as its message.
func ParseError(method, path string, status int, body []byte) *Error {
	e := &Error{StatusCode: status, Method: method, Path: path}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err == nil {
		e.Message = eb.Message
		e.Code = eb.ErrorCode
		e.Fields = eb.Embedded.Errors
		if len(e.Fields) == 0 {
			e.Fields = laravelErrors(eb.Errors)
		}
	}
	if strings.TrimSpace(e.Message) == "" {
		e.Message = http.StatusText(status)
	}
	if e.Message == "" {
		e.Message = "http status " + strconv.Itoa(status)
	}
	return e
}

// transportError is a failure to get any answer from FreeScout, or an answer
// that could not be read. It matches ErrUnavailable.
type transportError struct {
	method, path string
	err          error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("freescout %s %s: %v", e.method, e.path, e.err)
}

func (e *transportError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// Package errcode holds every error code scoutgraph shows its clients, in one
// place, and the typed error that carries one.
//
// A GraphQL error always carries one of the Code values in extensions.code; a
// mutation's userErrors carry one of the UserCode values in their code field.
// Packages deep in the gateway return an *Error (or an error wrapping one)
// when they know what the client did wrong; the GraphQL layer maps everything
// else once, at the edge (graph.ErrorPresenter).
package errcode

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Code is the value of a GraphQL error's extensions.code.
type Code string

// The codes of GraphQL errors (extensions.code).
const (
	// NotFound: the object does not exist, or the caller may not see it; the
	// field is null.
	NotFound Code = "NOT_FOUND"
	// Unauthenticated: the caller's own credentials were missing or rejected
	// (by the gateway, or by FreeScout for a caller's own key).
	Unauthenticated Code = "UNAUTHENTICATED"
	// Forbidden: the caller is known but lacks the scope the field needs, or
	// FreeScout denied the access.
	Forbidden Code = "FORBIDDEN"
	// BadUserInput: a malformed request or query, a validation error, a bad
	// argument.
	BadUserInput Code = "BAD_USER_INPUT"
	// UpstreamUnavailable: FreeScout is down, answers 5xx, times out, answers
	// something that is not its JSON, or rejects the gateway's own key.
	UpstreamUnavailable Code = "UPSTREAM_UNAVAILABLE"
	// Internal: anything else; the client gets a generic message and the log
	// the detail.
	Internal Code = "INTERNAL"
	// QueryTooComplex: the operation is estimated to cost more FreeScout
	// calls than MAX_COST, is deeper than MAX_DEPTH, or exceeds one of the
	// gateway's structural bounds; nothing was sent upstream.
	QueryTooComplex Code = "QUERY_TOO_COMPLEX"
	// RateLimited: the caller's cost budget is spent; retry after
	// extensions.retryAfter seconds.
	RateLimited Code = "RATE_LIMITED"
	// PersistedQueryNotFound: an APQ hash the gateway does not know yet; send
	// the query with it once.
	PersistedQueryNotFound Code = "PERSISTED_QUERY_NOT_FOUND"
	// PersistedQueryRequired: only trusted documents are allowed, and this
	// operation is not one of them.
	PersistedQueryRequired Code = "PERSISTED_QUERY_REQUIRED"
	// ModuleUnavailable: FreeScout lacks the module the field needs;
	// extensions.module names it.
	ModuleUnavailable Code = "MODULE_UNAVAILABLE"
	// SubscriptionEnded: the gateway ended a subscription (its subscriber
	// did not keep up with the events); subscribe again.
	SubscriptionEnded Code = "SUBSCRIPTION_ENDED"
)

// codes are every Code.
var codes = []Code{NotFound, Unauthenticated, Forbidden, BadUserInput, UpstreamUnavailable, Internal,
	QueryTooComplex, RateLimited, PersistedQueryNotFound, PersistedQueryRequired, ModuleUnavailable, SubscriptionEnded}

// Known reports whether s is one of the codes above.
func Known(s string) bool {
	for _, c := range codes {
		if string(c) == s {
			return true
		}
	}
	return false
}

// UserCode is the code of a mutation's UserError.
type UserCode string

// The codes of userErrors. Besides these, a userError may carry NotFound
// (the object the input names does not exist) as a UserCode.
const (
	// InvalidID: an id in the input is not a FreeScout id.
	InvalidID UserCode = "INVALID_ID"
	// Required: the input lacks something the write needs.
	Required UserCode = "REQUIRED"
	// Invalid: a value the gateway or FreeScout rejects.
	Invalid UserCode = "INVALID"
	// Conflict: a conflicting object already exists.
	Conflict UserCode = "CONFLICT"
	// InProgress: a create with the same idempotencyKey is still being
	// written; retry in a moment.
	InProgress UserCode = "IN_PROGRESS"
	// UserNotFound is NotFound as a userError code.
	UserNotFound UserCode = UserCode(NotFound)
	// UnknownField: no custom field has the given id or name.
	UnknownField UserCode = "UNKNOWN_FIELD"
	// UnknownOption: a dropdown value matches no option's label or id.
	UnknownOption UserCode = "UNKNOWN_OPTION"
	// InvalidDate: a date is not a YYYY-MM-DD calendar date.
	InvalidDate UserCode = "INVALID_DATE"
	// InvalidNumber: a number field's value is not a finite number.
	InvalidNumber UserCode = "INVALID_NUMBER"
	// InvalidInput: a custom-field input is malformed or ambiguous.
	InvalidInput UserCode = "INVALID_INPUT"
	// DuplicateField: the same field is set twice in one call.
	DuplicateField UserCode = "DUPLICATE_FIELD"
)

// Error is an error whose client-facing code and message are known where it
// is raised. Extensions are added to the GraphQL error's extensions.
type Error struct {
	Code       Code
	Message    string         // shown to the client: lowercase, no internal detail
	Extensions map[string]any // e.g. {"module": "Tags"}; may be nil
	// Field is the path of the input field the error is about, when a
	// mutation reports it as a userError (e.g. ["mailboxId"]); may be nil.
	Field []string
	Err   error // the cause, for the log; may be nil
}

// New returns an *Error with code and message.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Wrap returns an *Error with code and message caused by err.
func Wrap(code Code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// Error returns the message, and the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// With returns a copy of e with the extension key set to v.
func (e *Error) With(key string, v any) *Error {
	c := *e
	c.Extensions = make(map[string]any, len(e.Extensions)+1)
	for k, x := range e.Extensions {
		c.Extensions[k] = x
	}
	c.Extensions[key] = v
	return &c
}

// At returns a copy of e about the input field at path (see Error.Field).
func (e *Error) At(path ...string) *Error {
	c := *e
	c.Field = path
	return &c
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Of returns the code of the *Error in err's chain, or "" when there is none.
func Of(err error) Code {
	if e := As(err); e != nil {
		return e.Code
	}
	return ""
}

// maxEcho is how many characters of a client's own input an error message
// repeats at most.
const maxEcho = 40

// Echo shortens s, a piece of the client's input, for an error message: at
// most a few dozen characters, with an ellipsis and the full length when cut.
func Echo(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	n, cut := 0, 0
	for i := range s {
		if n == maxEcho {
			cut = i
			break
		}
		n++
	}
	return s[:cut] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// Landed matches (through errors.Is) an error that came after a write had
// landed in FreeScout, such as a failure to read the object back: it is not
// about the input, and the write must not be repeated as if it had not
// happened.
var Landed = errors.New("the write landed")

// AfterWrite marks err as having come after a write landed (see Landed); nil
// stays nil.
func AfterWrite(err error) error {
	if err == nil {
		return nil
	}
	return &landedError{err}
}

type landedError struct{ err error }

func (e *landedError) Error() string   { return "after the write landed: " + e.err.Error() }
func (e *landedError) Unwrap() []error { return []error{Landed, e.err} }

// InputError is a problem with a mutation's input that a package below the
// GraphQL layer finds (a reused idempotency key, say): the mutation reports
// it as a userError with this code, at Field.
type InputError struct {
	Code    UserCode
	Message string
	Field   []string
}

// Error returns the message.
func (e *InputError) Error() string { return e.Message }

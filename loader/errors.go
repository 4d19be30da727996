package loader

import (
	"errors"
	"fmt"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// NotFoundError names the object FreeScout does not have. It matches
// upstream.ErrNotFound through errors.Is.
type NotFoundError struct {
	Kind string // e.g. "conversation"
	ID   int
	Err  error // FreeScout's answer, when there was one
}

// Error says what was not found.
func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %d not found", e.Kind, e.ID) }

// Is matches upstream.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == upstream.ErrNotFound }

// Unwrap returns FreeScout's answer.
func (e *NotFoundError) Unwrap() error { return e.Err }

func notFound(kind string, id int) error { return &NotFoundError{Kind: kind, ID: id} }

// wrapNotFound names the missing object when err is FreeScout's 404, and
// returns every other error (and nil) unchanged.
func wrapNotFound(err error, kind string, id int) error {
	if err != nil && errors.Is(err, upstream.ErrNotFound) {
		return &NotFoundError{Kind: kind, ID: id, Err: err}
	}
	return err
}

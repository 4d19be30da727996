package session

import (
	"errors"
	"fmt"

	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// notFound is the error for an object FreeScout does not have, or that the
// caller may not see: a NOT_FOUND error naming it. It matches
// upstream.ErrNotFound through errors.Is.
func notFound(kind string, id int) error {
	return errcode.Wrap(errcode.NotFound, fmt.Sprintf("%s %d not found", kind, id), upstream.ErrNotFound)
}

// wrapNotFound names the missing object when err is FreeScout's 404, and
// returns every other error (and nil) unchanged.
func wrapNotFound(err error, kind string, id int) error {
	if err != nil && errors.Is(err, upstream.ErrNotFound) && errcode.Of(err) == "" {
		return errcode.Wrap(errcode.NotFound, fmt.Sprintf("%s %d not found", kind, id), err)
	}
	return err
}

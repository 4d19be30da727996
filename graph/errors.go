package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/scoutgraph/scoutgraph/loader"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Error codes carried in extensions.code of every GraphQL error.
const (
	CodeNotFound            = "NOT_FOUND"
	CodeUnauthenticated     = "UNAUTHENTICATED"
	CodeForbidden           = "FORBIDDEN"
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	CodeInternal            = "INTERNAL"
)

// inputError is a problem with a query's arguments.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(msg string) error { return &inputError{msg} }

// ErrorPresenter maps every error a resolver returns to a GraphQL error with
// extensions.code, once, at the edge. Internal details are logged, not shown.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var already *gqlerror.Error
		if errors.As(err, &already) && already.Err == nil {
			// gqlgen's own parse, validation and argument errors.
			setCode(gerr, CodeBadUserInput)
			return gerr
		}
		cause := err
		if already != nil {
			cause = already.Err // the resolver's own error, without gqlgen's position prefix
		}
		code, msg := classify(cause)
		if code == CodeInternal {
			logger.ErrorContext(ctx, "resolver failed", "path", gerr.Path.String(), "err", err)
		} else if code == CodeUpstreamUnavailable {
			logger.WarnContext(ctx, "freescout unavailable", "path", gerr.Path.String(), "err", err)
		}
		gerr.Message = msg
		setCode(gerr, code)
		return gerr
	}
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// classify picks the code and the client-facing message for err.
func classify(err error) (code, msg string) {
	var ie *inputError
	var nf *loader.NotFoundError
	var ue *upstream.Error
	switch {
	case errors.As(err, &ie):
		return CodeBadUserInput, ie.msg
	case errors.Is(err, paging.ErrBadArgs):
		return CodeBadUserInput, err.Error()
	case errors.As(err, &nf):
		return CodeNotFound, nf.Error()
	case errors.Is(err, upstream.ErrNotFound):
		return CodeNotFound, "not found"
	case errors.Is(err, upstream.ErrUnauthorized):
		return CodeUnauthenticated, "freescout rejected the gateway's credentials"
	case errors.Is(err, upstream.ErrForbidden):
		return CodeForbidden, "freescout denied access"
	case errors.Is(err, upstream.ErrBadRequest) && errors.As(err, &ue):
		return CodeBadUserInput, "freescout rejected the request: " + strings.ToLower(ue.Message)
	case errors.Is(err, upstream.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return CodeUpstreamUnavailable, "freescout is unavailable; try again later"
	}
	return CodeInternal, "internal error"
}

// Recover turns a resolver panic into an INTERNAL error, logging the detail.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "resolver panicked", "panic", p)
		return errors.New("internal panic")
	}
}

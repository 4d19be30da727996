package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/paging"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// badInput is a problem with a query's arguments: BAD_USER_INPUT.
func badInput(msg string) error { return errcode.New(errcode.BadUserInput, msg) }

// ErrorPresenter maps every error a resolver returns to a GraphQL error with
// extensions.code, once, at the edge. Internal details are logged, not shown.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var already *gqlerror.Error
		if errors.As(err, &already) && already.Err == nil {
			// gqlgen's own parse, validation and argument errors (which carry
			// gqlgen's codes), and the request pipeline's, which carry one of
			// the contract's codes already.
			if code, _ := gerr.Extensions["code"].(string); !errcode.Known(code) {
				setCode(gerr, errcode.BadUserInput)
			}
			return gerr
		}
		cause := err
		if already != nil {
			cause = already.Err // the resolver's own error, without gqlgen's position prefix
		}
		e := classify(cause)
		if errors.Is(cause, upstream.ErrUnauthorized) && ownKey(ctx) {
			e = errcode.New(errcode.Unauthenticated, "freescout rejected your api key")
		}
		switch e.Code {
		case errcode.Internal:
			logger.ErrorContext(ctx, "resolver failed", "path", gerr.Path.String(), "err", err)
		case errcode.UpstreamUnavailable:
			if errors.Is(cause, context.Canceled) && ctx.Err() != nil {
				// The client went away and took its FreeScout calls with it:
				// nothing is wrong with FreeScout.
				logger.DebugContext(ctx, "operation abandoned by its client", "path", gerr.Path.String(), "err", err)
				break
			}
			logger.WarnContext(ctx, "freescout unavailable", "path", gerr.Path.String(), "err", err)
		}
		gerr.Message = e.Message
		for k, v := range e.Extensions {
			if gerr.Extensions == nil {
				gerr.Extensions = map[string]any{}
			}
			gerr.Extensions[k] = v
		}
		setCode(gerr, e.Code)
		return gerr
	}
}

// ownKey reports whether the operation acts with the caller's own FreeScout
// key, so that FreeScout rejecting it is the caller's problem, not the
// gateway's.
func ownKey(ctx context.Context) bool {
	c := auth.CallerFrom(ctx)
	return c != nil && c.APIKey != ""
}

func setCode(e *gqlerror.Error, code errcode.Code) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(code)
}

// classify picks the code and the client-facing message for err.
func classify(err error) *errcode.Error {
	var ue *upstream.Error
	switch e := errcode.As(err); {
	case e != nil:
		return e
	case errors.Is(err, paging.ErrBadArgs):
		return errcode.New(errcode.BadUserInput, err.Error())
	case errors.Is(err, upstream.ErrNotFound):
		return errcode.New(errcode.NotFound, "not found")
	case errors.Is(err, upstream.ErrUnauthorized):
		return errcode.New(errcode.UpstreamUnavailable, "freescout rejected the gateway's api key")
	case errors.Is(err, upstream.ErrForbidden):
		return errcode.New(errcode.Forbidden, "freescout denied access")
	case errors.Is(err, upstream.ErrRateLimited) && errors.As(err, &ue):
		secs := max(int(ue.RetryAfter.Seconds()), 1)
		return errcode.New(errcode.UpstreamUnavailable, fmt.Sprintf("freescout asks the gateway to slow down; try again in %d s", secs)).With("retryAfter", secs)
	case errors.Is(err, upstream.ErrModuleMissing) && errors.As(err, &ue):
		return moduleUnavailable(ue.Module, "")
	case errors.Is(err, upstream.ErrBadRequest) && errors.As(err, &ue):
		return errcode.New(errcode.BadUserInput, "freescout rejected the request: "+strings.ToLower(ue.Message))
	case errors.Is(err, upstream.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return errcode.New(errcode.UpstreamUnavailable, "freescout is unavailable; try again later")
	}
	return errcode.New(errcode.Internal, "internal error")
}

// moduleUnavailable is MODULE_UNAVAILABLE for module m, with extensions.module
// naming it as FreeScout does ("Custom Fields"); detail, when not "", says
// what needs it.
func moduleUnavailable(m upstream.Module, detail string) *errcode.Error {
	msg := "this freescout has no " + m.Title() + " module (it is not installed or not active)"
	if detail != "" {
		msg += ": " + detail
	}
	return errcode.New(errcode.ModuleUnavailable, msg).With("module", m.Title())
}

// Recover turns a resolver panic into an INTERNAL error, logging the detail.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "resolver panicked", "panic", p)
		return errors.New("internal panic")
	}
}

package gqlhttp

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

const (
	// DefaultSSEKeepAlive is how long an event stream may stay idle before it gets a
	// keep-alive comment, unless SSEOptions.KeepAlive says otherwise.
	DefaultSSEKeepAlive = 15 * time.Second
	// DefaultSSEWriteTimeout bounds each write to an event stream unless
	// SSEOptions.WriteTimeout says otherwise.
	DefaultSSEWriteTimeout = 30 * time.Second
)

// SSEOptions configures the Server-Sent Events transport enabled by WithSSE.
type SSEOptions struct {
	// KeepAlive is how long a stream may stay idle (nothing written) before it gets a
	// comment line, which keeps proxies from closing it. Zero or less means
	// DefaultSSEKeepAlive.
	KeepAlive time.Duration
	// WriteTimeout bounds every single write (event or comment, flush included); a write
	// that does not finish in time ends the stream and cancels the operation. Zero or
	// less means DefaultSSEWriteTimeout.
	WriteTimeout time.Duration
}

// The lines of the event stream (the graphql-sse protocol's distinct connections mode).
var (
	sseComment  = []byte(":\n\n")
	sseNext     = []byte("event: next\ndata: ")
	sseEnd      = []byte("\n\n")
	sseComplete = []byte("event: complete\ndata:\n\n")
)

// sseTransport is a gqlgen graphql.Transport for the graphql-sse protocol's distinct
// connections mode: every GET or POST asking for text/event-stream runs one operation
// whose results stream back as next events, then a complete event.
type sseTransport struct {
	plain        transport // reads the parameters
	keepAlive    time.Duration
	writeTimeout time.Duration
}

var _ graphql.Transport = sseTransport{}

// Supports claims GET and POST requests whose Accept header lists text/event-stream.
func (sseTransport) Supports(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodPost) &&
		acceptsEventStream(r.Header.Values("Accept"))
}

// Do serves one request. Until the operation is ready to run, every answer is a GraphQL
// JSON response (the plain transport's, but 400 for operations refused before execution);
// from then on the answer is the event stream.
func (t sseTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Add("Vary", "Accept")
	mediaType, acceptable := negotiate(r.Header.Values("Accept"))
	if !acceptable {
		mediaType = mediaJSON
	}
	setMediaType(w, mediaType)

	params := t.plain.readParams(w, r, exec)
	if params == nil {
		return
	}
	opCtx := prepare(ctx, w, exec, params, http.StatusBadRequest)
	if opCtx == nil {
		return
	}
	execCtx := graphql.WithOperationContext(ctx, opCtx)
	if !allowedOverGET(execCtx, w, r, exec, opCtx, "queries and subscriptions", ast.Query, ast.Subscription) {
		return
	}
	if opCtx.Operation.Operation != ast.Subscription && acceptable {
		// A client that takes JSON as well gets a query or mutation, which has one
		// response, as JSON: urql, for one, lists text/event-stream beside the JSON types
		// in every request's Accept.
		answer(ctx, w, exec, opCtx)
		return
	}

	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(t.writeTimeout)); err != nil {
		// Without write deadlines a client that stops reading would hold the stream,
		// the operation and its resolvers forever: refuse before anything runs.
		internalError(execCtx, w, exec, "this server cannot bound writes to an event stream")
		return
	}
	t.stream(ctx, w, rc, exec, opCtx)
}

// stream runs the operation and writes its event stream. It returns once the stream has
// ended, after every goroutine it started has.
func (t sseTransport) stream(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController,
	exec graphql.GraphExecutor, opCtx *graphql.OperationContext) {
	ctx, cancel := context.WithCancel(ctx)
	s := &eventStream{w: w, rc: rc, writeTimeout: t.writeTimeout, cancel: cancel}
	var keepAlive sync.WaitGroup
	defer func() {
		cancel()
		keepAlive.Wait()
	}()
	execCtx := graphql.WithOperationContext(ctx, opCtx)
	defer func() {
		if rec := recover(); rec != nil {
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			s.panicked(execCtx, exec, opCtx, rec)
		}
	}()

	h := w.Header()
	h.Set("Content-Type", mediaEventStream+"; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The opening comment flushes the headers, and gives user agents that wait for body
	// bytes before reporting the connection open something to read.
	if s.write(sseComment) != nil {
		return
	}
	keepAlive.Go(func() { s.keepAlive(ctx, t.keepAlive) })

	responses, dispatchCtx := exec.DispatchOperation(ctx, opCtx)
	sent := false
	for {
		resp := responses(dispatchCtx)
		if resp == nil {
			break
		}
		if s.next(resp, true) != nil {
			return
		}
		sent = true
	}
	if ctx.Err() != nil {
		return // the client went away or a write failed: nobody reads a complete
	}
	if !sent && opCtx.Operation.Operation != ast.Subscription {
		err := &gqlerror.Error{Message: "the operation produced no response"}
		setDefaultCode(err, codeInternal)
		if s.next(orErrors(exec.DispatchError(execCtx, gqlerror.List{err}), gqlerror.List{err}), false) != nil {
			return
		}
	}
	_ = s.write(sseComplete)
}

// eventStream writes the events of one response. Its writes are serialized, each bounded
// by writeTimeout; the first failure cancels the operation and fails every later write.
type eventStream struct {
	w            http.ResponseWriter
	rc           *http.ResponseController
	writeTimeout time.Duration
	cancel       context.CancelFunc

	mu        sync.Mutex
	err       error     // the first failed write's
	lastWrite time.Time // when the last write finished
}

// write writes p and flushes it to the client.
func (s *eventStream) write(p ...[]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	// The deadline of the previous write is still set, so a failure here leaves the
	// write bounded all the same; and it cannot fail on a writer that took the first.
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	var err error
	for _, b := range p {
		if _, err = s.w.Write(b); err != nil {
			break
		}
	}
	if err == nil {
		err = s.rc.Flush()
	}
	if err != nil {
		s.err = err
		s.cancel()
		return err
	}
	s.lastWrite = time.Now()
	return nil
}

// next writes resp as a next event; withData as for writeResponse.
func (s *eventStream) next(resp *graphql.Response, withData bool) error {
	body, err := encodeResponse(resp, withData)
	if err != nil {
		body = []byte(unencodable)
	}
	return s.write(sseNext, oneLine(body), sseEnd)
}

// keepAlive writes a comment whenever the stream has been idle for every, until ctx ends
// or a write fails.
func (s *eventStream) keepAlive(ctx context.Context, every time.Duration) {
	timer := time.NewTimer(every)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		s.mu.Lock()
		idle := time.Since(s.lastWrite)
		s.mu.Unlock()
		if idle < every {
			timer.Reset(every - idle)
			continue
		}
		if s.write(sseComment) != nil {
			return
		}
		timer.Reset(every)
	}
}

// panicked ends a stream whose operation panicked outside the resolvers (the generated
// code recovers theirs per field): an error next event through the recover function and
// the error presenter, with extensions.code INTERNAL unless the presenter set a code,
// then complete.
func (s *eventStream) panicked(ctx context.Context, exec graphql.GraphExecutor, opCtx *graphql.OperationContext, rec any) {
	var gqlErr *gqlerror.Error
	if err := opCtx.Recover(ctx, rec); !errors.As(err, &gqlErr) || gqlErr == nil {
		gqlErr = &gqlerror.Error{Message: "internal server error"}
	}
	setDefaultCode(gqlErr, codeInternal)
	resp := orErrors(exec.DispatchError(ctx, gqlerror.List{gqlErr}), gqlerror.List{gqlErr})
	for _, err := range resp.Errors {
		setDefaultCode(err, codeInternal)
	}
	if s.next(resp, false) == nil {
		_ = s.write(sseComplete)
	}
}

// oneLine keeps an encoded response on one line, as an SSE data field must be: any line
// break in valid JSON is whitespace between tokens (inside strings they are escaped), so
// it becomes a space.
func oneLine(body []byte) []byte {
	if bytes.IndexAny(body, "\r\n") < 0 {
		return body
	}
	line := bytes.Clone(body)
	for i, b := range line {
		if b == '\r' || b == '\n' {
			line[i] = ' '
		}
	}
	return line
}

// internalError answers 500 with an error the handler raises itself, code INTERNAL.
func internalError(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, msg string) {
	err := &gqlerror.Error{Message: msg}
	setDefaultCode(err, codeInternal)
	resp := exec.DispatchError(ctx, gqlerror.List{err})
	writeResponse(w, http.StatusInternalServerError, orErrors(resp, gqlerror.List{err}), false)
}

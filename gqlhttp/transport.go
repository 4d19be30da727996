package gqlhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/scoutgraph/scoutgraph/errcode"
)

// allowedMethods is the Allow header for 405 and OPTIONS answers.
const allowedMethods = "GET, POST, OPTIONS"

// msgSubscriptionOverHTTP answers subscriptions sent to the plain transport.
const msgSubscriptionOverHTTP = "subscriptions are not served over plain HTTP; " +
	"subscribe over a WebSocket (graphql-transport-ws) or with Server-Sent Events (Accept: text/event-stream)"

// transport is a gqlgen graphql.Transport for GraphQL over HTTP (GET and POST). Its
// reading of parameters and preparation of operations are shared with sseTransport.
type transport struct {
	maxBodyBytes int64
}

var _ graphql.Transport = transport{}

// Supports claims every request, so that wrong methods and media types are answered by
// Do with the right status code instead of gqlgen's generic 400.
func (transport) Supports(*http.Request) bool {
	return true
}

// Do serves one request.
func (t transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Add("Vary", "Accept")

	if r.Method == http.MethodOptions {
		w.Header().Set("Allow", allowedMethods)
		w.WriteHeader(http.StatusNoContent)
		return
	}

	mediaType, acceptable := negotiate(r.Header.Values("Accept"))
	if !acceptable {
		mediaType = mediaJSON
	}
	setMediaType(w, mediaType)
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", allowedMethods)
		fail(ctx, w, exec, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed; use GET or POST")
		return
	}
	if !acceptable {
		fail(ctx, w, exec, http.StatusNotAcceptable,
			"the Accept header allows neither application/graphql-response+json nor application/json")
		return
	}

	params := t.readParams(w, r, exec)
	if params == nil {
		return
	}
	// Under application/json a request that never reached execution is still answered
	// 200, as the GraphQL-over-HTTP spec asks (legacy clients expect it).
	refused := http.StatusOK
	if mediaType == mediaGraphQLResponse {
		refused = http.StatusBadRequest
	}
	opCtx := prepare(ctx, w, exec, params, refused)
	if opCtx == nil {
		return
	}
	execCtx := graphql.WithOperationContext(ctx, opCtx)
	if opCtx.Operation.Operation == ast.Subscription {
		fail(execCtx, w, exec, http.StatusBadRequest, msgSubscriptionOverHTTP)
		return
	}
	if !allowedOverGET(execCtx, w, r, exec, opCtx, "queries", ast.Query) {
		return
	}

	answer(ctx, w, exec, opCtx)
}

// answer executes a prepared query or mutation and writes its one response as JSON. The
// response Content-Type must already be set.
func answer(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, opCtx *graphql.OperationContext) {
	responses, dispatchCtx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(dispatchCtx)
	if resp == nil {
		if dispatchCtx.Err() != nil {
			return // the client went away; nobody reads an answer
		}
		err := &gqlerror.Error{Message: "the operation produced no response"}
		setDefaultCode(err, codeInternal)
		resp = exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlerror.List{err})
		writeResponse(w, http.StatusInternalServerError, orErrors(resp, gqlerror.List{err}), false)
		return
	}
	writeResponse(w, http.StatusOK, resp, true)
}

// readParams reads the parameters of a GET or POST request, timing the read for gqlgen's
// stats. When they cannot be read it answers the request itself and returns nil. The
// response Content-Type must already be set.
func (t transport) readParams(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) *graphql.RawParams {
	var (
		params *graphql.RawParams
		status int
		msg    string
	)
	start := graphql.Now()
	switch r.Method {
	case http.MethodGet:
		params, status, msg = readGET(r)
	default:
		params, status, msg = t.readPOST(w, r)
	}
	if params == nil {
		fail(r.Context(), w, exec, status, msg)
		return nil
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	return params
}

// prepare parses and validates the operation of a well-formed request, coerces its
// variables and runs the extensions' mutators. When that fails the request never reaches
// execution: prepare answers it without a data entry, with status refused (429 and a
// Retry-After header when the caller's budget is spent), and returns nil.
func prepare(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, params *graphql.RawParams, refused int) *graphql.OperationContext {
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil {
		return opCtx
	}
	for _, err := range errs {
		setDefaultCode(err, codeBadUserInput)
	}
	status := refused
	if retry, limited := rateLimited(errs); limited {
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
	writeResponse(w, status, orErrors(resp, errs), false)
	return nil
}

// allowedOverGET reports whether the operation may run for the request's method: POST
// runs anything, GET only the operation types listed (what names them for the error
// message). Otherwise it answers 405 with Allow: POST and reports false.
func allowedOverGET(ctx context.Context, w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor,
	opCtx *graphql.OperationContext, what string, allowed ...ast.Operation) bool {
	op := opCtx.Operation.Operation
	if r.Method != http.MethodGet || slices.Contains(allowed, op) {
		return true
	}
	w.Header().Set("Allow", http.MethodPost)
	fail(ctx, w, exec, http.StatusMethodNotAllowed,
		"GET requests may only run "+what+"; send the "+string(op)+" with POST")
	return false
}

// rateLimited reports whether errs refuse the operation for the caller's spent budget, and
// in how many seconds to retry.
func rateLimited(errs gqlerror.List) (retryAfter int, limited bool) {
	for _, e := range errs {
		if e.Extensions["code"] == string(errcode.RateLimited) {
			n, _ := e.Extensions["retryAfter"].(int)
			return max(n, 1), true
		}
	}
	return 0, false
}

// readGET reads the parameters of a GET request from its query string. On failure params
// is nil and status and msg describe the problem.
func readGET(r *http.Request) (params *graphql.RawParams, status int, msg string) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, http.StatusBadRequest, "the query string could not be parsed: " + err.Error()
	}
	params = &graphql.RawParams{
		Query:         values.Get("query"),
		OperationName: values.Get("operationName"),
	}
	if params.Variables, msg = decodeObject("variables", values.Get("variables")); msg != "" {
		return nil, http.StatusBadRequest, msg
	}
	if params.Extensions, msg = decodeObject("extensions", values.Get("extensions")); msg != "" {
		return nil, http.StatusBadRequest, msg
	}
	if params.Query == "" && !persistedOnly(params) {
		return nil, http.StatusBadRequest, "missing query parameter"
	}
	return params, 0, ""
}

// readPOST reads the parameters of a POST request from its JSON body.
func (t transport) readPOST(w http.ResponseWriter, r *http.Request) (params *graphql.RawParams, status int, msg string) {
	contentType := r.Header.Get("Content-Type")
	mt, mtParams, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil || mt != mediaJSON {
		return nil, http.StatusUnsupportedMediaType, "the request body must be application/json"
	}
	if cs, ok := mtParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, http.StatusUnsupportedMediaType, "the request body must be encoded in utf-8"
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, http.StatusRequestEntityTooLarge, "the request body is larger than the limit"
		}
		return nil, http.StatusBadRequest, "the request body could not be read"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, http.StatusBadRequest, "the request body is empty"
	}

	if !json.Valid(body) {
		return nil, http.StatusBadRequest, "the request body is not valid JSON"
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, http.StatusBadRequest, "the request body must be a JSON object"
	}

	params = &graphql.RawParams{}
	query, _, ok := stringField(fields, "query")
	if !ok {
		return nil, http.StatusBadRequest, "query must be a string"
	}
	params.Query = query
	if params.OperationName, _, ok = stringField(fields, "operationName"); !ok {
		return nil, http.StatusBadRequest, "operationName must be a string"
	}
	if params.Variables, msg = decodeObject("variables", string(fields["variables"])); msg != "" {
		return nil, http.StatusBadRequest, msg
	}
	if params.Extensions, msg = decodeObject("extensions", string(fields["extensions"])); msg != "" {
		return nil, http.StatusBadRequest, msg
	}
	if params.Query == "" && !persistedOnly(params) {
		return nil, http.StatusBadRequest, "missing query parameter"
	}
	return params, 0, ""
}

// persistedOnly reports whether a request without a query names a persisted one
// (extensions.persistedQuery, Apollo's protocol), which the executor's extensions resolve.
func persistedOnly(params *graphql.RawParams) bool {
	_, ok := params.Extensions["persistedQuery"]
	return ok
}

// stringField reads an optional string member of a JSON object: present is false when the
// member is absent or null, ok is false when it is something other than a string.
func stringField(fields map[string]json.RawMessage, name string) (value string, present, ok bool) {
	raw := bytes.TrimSpace(fields[name])
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, true
	}
	if raw[0] != '"' || json.Unmarshal(raw, &value) != nil {
		return "", true, false
	}
	return value, true, true
}

// decodeObject decodes an optional JSON object (variables or extensions); an empty text or
// null gives nil. Numbers stay json.Number so large integers survive. On failure msg says why.
func decodeObject(name, text string) (obj map[string]any, msg string) {
	text = strings.TrimSpace(text)
	if text == "" || text == "null" {
		return nil, ""
	}
	if text[0] != '{' {
		return nil, name + " must be a JSON object"
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, name + " is not valid JSON"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, name + " is not valid JSON"
	}
	return obj, ""
}

// fail answers a request the handler rejects itself: the error carries
// extensions.code BAD_USER_INPUT, passes through the error presenter and response
// middleware, and the answer has no data entry.
func fail(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, status int, msg string) {
	err := &gqlerror.Error{Message: msg}
	setDefaultCode(err, codeBadUserInput)
	resp := exec.DispatchError(ctx, gqlerror.List{err})
	writeResponse(w, status, orErrors(resp, gqlerror.List{err}), false)
}

// orErrors guards against response middleware that swallows an error response.
func orErrors(resp *graphql.Response, errs gqlerror.List) *graphql.Response {
	if resp == nil {
		return &graphql.Response{Errors: errs}
	}
	return resp
}

// setMediaType sets the response Content-Type for a negotiated media type.
func setMediaType(w http.ResponseWriter, mediaType string) {
	w.Header().Set("Content-Type", mediaType+"; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// writeResponse writes resp as a GraphQL response body with the given status. withData
// says whether the request reached execution: only then is the data entry written (as
// null when the executor produced none). The Content-Type must already be set.
func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response, withData bool) {
	body, err := encodeResponse(resp, withData)
	if err != nil {
		writeUnencodable(w)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// encodeResponse encodes resp as a GraphQL response: errors, data (only when withData,
// as null when the executor produced none) and extensions, each only when present.
func encodeResponse(resp *graphql.Response, withData bool) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(resp.Data) + 64) // the data is most of the body: one allocation, no regrowth
	buf.WriteByte('{')
	member := func(name string, value []byte) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"` + name + `":`)
		buf.Write(value)
	}

	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		member("errors", b)
	}
	if withData {
		data := []byte(resp.Data)
		if len(bytes.TrimSpace(data)) == 0 {
			data = []byte("null")
		}
		member("data", data)
	}
	if len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, err
		}
		member("extensions", b)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// unencodable is the body answering a response whose errors or extensions cannot be
// encoded as JSON.
const unencodable = `{"errors":[{"message":"the response could not be encoded","extensions":{"code":"` + codeInternal + `"}}]}`

// writeUnencodable answers 500 when errors or extensions cannot be encoded as JSON.
func writeUnencodable(w http.ResponseWriter) {
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, unencodable)
}

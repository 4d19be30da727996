package emulator

import (
	"cmp"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Fault is a failure the Emulator gives the requests matching an injected pattern.
// Hang wins over Malformed, which wins over Status.
type Fault struct {
	// Status is the HTTP status to answer with, with a FreeScout-style error body.
	// Zero (with neither Hang nor Malformed) means 500.
	Status int
	// Hang blocks the request until its context is done; it gets no answer.
	Hang bool
	// Malformed answers 200 with a body that is not valid JSON.
	Malformed bool
	// Times limits the fault to the next Times matching requests; zero or less applies it
	// until ClearFaults.
	Times int
	// Body, when set, is the body of the answer (with Status, default 200) instead of a
	// FreeScout error body: an answer FreeScout should never give, such as {} for a
	// conversation.
	Body string
	// RetryAfter is the Retry-After header of the answer (for a 429).
	RetryAfter string
	// Land serves the request as usual first (a write takes effect, webhooks fire) and
	// then gives the fault instead of the answer: an answer lost on its way back, as when
	// FreeScout's proxy times out after FreeScout wrote.
	Land bool
	// Relay, with Land, passes the real answer on instead of a failure, changed as an
	// install or a proxy in front of it may change it: with Status instead of its own
	// status when Status is set, with Body instead of its body when Body is set, and
	// without the headers DropHeaders names (a create answered 200 without Resource-ID,
	// say). Without Land it does nothing.
	Relay bool
	// DropHeaders are the headers a relayed answer goes without, e.g. "Resource-ID".
	DropHeaders []string
}

// InjectFault gives f to every request whose method and URL path match pattern.
//
// pattern is a net/http ServeMux-style route pattern, "[METHOD ]/path", such as
// "GET /api/conversations/{id}": a {name} segment matches any one non-empty segment, a
// trailing "/" or a final {name...} matches the rest of the path and {$} ends it. A GET
// pattern also matches HEAD. As a shorthand, a pattern without a method and without
// wildcards, such as "/api/customers", is a path prefix matched segment by segment: it
// matches /api/customers and /api/customers/7/customer_fields, not /api/customersX.
// When several injected faults match a request, the one injected last applies.
func (e *Emulator) InjectFault(pattern string, f Fault) {
	e.faults.add(parseFaultPattern(pattern), f)
}

// ClearFaults removes every injected fault.
func (e *Emulator) ClearFaults() {
	e.faults.clear()
}

// faultRule is a parsed InjectFault pattern with its fault.
type faultRule struct {
	method string // empty matches every method
	segs   []string
	prefix bool // segs need only match the start of the path
	fault  Fault
	left   int // applications left; 0 means unlimited
}

func parseFaultPattern(pattern string) faultRule {
	pattern = strings.TrimSpace(pattern)
	var rule faultRule
	if method, path, ok := strings.Cut(pattern, " "); ok {
		rule.method, pattern = method, strings.TrimSpace(path)
	}
	if !strings.HasPrefix(pattern, "/") { // a host, as ServeMux allows: ignored
		if i := strings.Index(pattern, "/"); i >= 0 {
			pattern = pattern[i:]
		} else {
			pattern = "/"
		}
	}
	segs := splitPath(pattern)
	prefix := strings.HasSuffix(pattern, "/")
	if n := len(segs); n > 0 {
		last := segs[n-1]
		switch {
		case last == "{$}":
			segs, prefix = segs[:n-1], false
		case strings.HasPrefix(last, "{") && strings.HasSuffix(last, "...}"):
			segs, prefix = segs[:n-1], true
		}
	}
	wild := slices.ContainsFunc(segs, isWildcard)
	if rule.method == "" && !wild {
		prefix = true
	}
	rule.segs, rule.prefix = segs, prefix
	return rule
}

func isWildcard(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

func (r *faultRule) matches(method string, segs []string) bool {
	if r.method != "" && r.method != method && (r.method != http.MethodGet || method != http.MethodHead) {
		return false
	}
	if len(segs) < len(r.segs) || (!r.prefix && len(segs) != len(r.segs)) {
		return false
	}
	for i, s := range r.segs {
		if isWildcard(s) {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if s != segs[i] {
			return false
		}
	}
	return true
}

// faultSet holds the injected faults.
type faultSet struct {
	mu    sync.Mutex
	rules []*faultRule
}

func (s *faultSet) add(rule faultRule, f Fault) {
	rule.fault = f
	rule.left = max(f.Times, 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &rule)
}

func (s *faultSet) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = nil
}

// take returns the fault for a request, using up one of its applications.
func (s *faultSet) take(method, path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rules) == 0 {
		return Fault{}, false
	}
	segs := splitPath(path)
	for i := len(s.rules) - 1; i >= 0; i-- {
		r := s.rules[i]
		if !r.matches(method, segs) {
			continue
		}
		if r.left > 0 {
			r.left--
			if r.left == 0 {
				s.rules = slices.Delete(s.rules, i, i+1)
			}
		}
		return r.fault, true
	}
	return Fault{}, false
}

// relay passes the real answer a on to w, changed as f says (see Fault.Relay).
func relay(w http.ResponseWriter, a *heldAnswer, f Fault) {
	h := w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	for _, k := range f.DropHeaders {
		h.Del(k)
	}
	if f.Status != 0 {
		a.status = f.Status
	}
	if f.Body != "" {
		a.body = []byte(f.Body)
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	a.sendTo(w)
}

// applyFault answers r with f.
func applyFault(w http.ResponseWriter, r *http.Request, f Fault) {
	switch {
	case f.Hang:
		// Read the body first: until it is read, net/http does not watch
		// the connection, and the context of a request with a body would
		// never end when the client gives up.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"_embedded":{"conversations":[{"id":1,"subject":"Refund`))
	case f.Body != "":
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(cmp.Or(f.Status, http.StatusOK))
		_, _ = io.WriteString(w, f.Body)
	default:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		send(w, statusReply(status), nil)
	}
}

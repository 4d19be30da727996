package emulator

import (
	"net/http"
	"strconv"
	"strings"
)

// handlerFunc serves one endpoint; id is the {id} path segment (0 for paths without one).
type handlerFunc func(w http.ResponseWriter, r *http.Request, id int)

// methodRoute binds an HTTP method to its handler.
type methodRoute struct {
	method string
	handle handlerFunc
}

// pathRoute is one API path pattern and the methods it answers.
type pathRoute struct {
	pattern string
	segs    []string
	hasID   bool
	methods []methodRoute
}

func newPathRoute(pattern string, methods ...methodRoute) pathRoute {
	segs := splitPath(pattern)
	hasID := false
	for _, s := range segs {
		if s == "{id}" {
			hasID = true
		}
	}
	return pathRoute{pattern: pattern, segs: segs, hasID: hasID, methods: methods}
}

// handler returns the handler for method, or nil when the path does not answer it. HEAD is
// answered like GET (the server drops the body).
func (p *pathRoute) handler(method string) handlerFunc {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	for _, m := range p.methods {
		if m.method == method {
			return m.handle
		}
	}
	return nil
}

// allow lists the methods of the path for the Allow header, OPTIONS included.
func (p *pathRoute) allow() string {
	names := make([]string, 0, len(p.methods)+1)
	for _, m := range p.methods {
		names = append(names, m.method)
	}
	return strings.Join(append(names, http.MethodOptions), ", ")
}

func get(h handlerFunc) methodRoute    { return methodRoute{http.MethodGet, h} }
func post(h handlerFunc) methodRoute   { return methodRoute{http.MethodPost, h} }
func put(h handlerFunc) methodRoute    { return methodRoute{http.MethodPut, h} }
func remove(h handlerFunc) methodRoute { return methodRoute{http.MethodDelete, h} }

// routeTable lists the 24 endpoints of the FreeScout API reference and GET /api/webhooks,
// which real installs have besides. An endpoint of an optional module answers 400 when the
// module is missing.
func (e *Emulator) routeTable() []pathRoute {
	return []pathRoute{
		newPathRoute("/api/conversations", get(e.listConversations), post(e.createConversation)),
		newPathRoute("/api/conversations/{id}", get(e.getConversation), put(e.updateConversation), remove(e.deleteConversation)),
		newPathRoute("/api/conversations/{id}/custom_fields", put(e.needs(moduleCustomFields, e.updateConversationFields))),
		newPathRoute("/api/conversations/{id}/tags", put(e.needs(moduleTags, e.updateConversationTags))),
		newPathRoute("/api/conversations/{id}/threads", post(e.createThread)),
		newPathRoute("/api/conversations/{id}/timelogs", get(e.needs(moduleTimeTracking, e.listTimelogs))),
		newPathRoute("/api/customers", get(e.listCustomers), post(e.createCustomer)),
		newPathRoute("/api/customers/{id}", get(e.getCustomer), put(e.updateCustomer)),
		newPathRoute("/api/customers/{id}/customer_fields", put(e.needs(moduleCRM, e.updateCustomerFields))),
		newPathRoute("/api/mailboxes", get(e.listMailboxes)),
		newPathRoute("/api/mailboxes/{id}/custom_fields", get(e.needs(moduleCustomFields, e.listMailboxFields))),
		newPathRoute("/api/mailboxes/{id}/folders", get(e.listFolders)),
		newPathRoute("/api/tags", get(e.needs(moduleTags, e.listTags))),
		newPathRoute("/api/users", get(e.listUsers), post(e.createUser)),
		newPathRoute("/api/users/{id}", get(e.getUser), remove(e.deleteUser)),
		newPathRoute("/api/webhooks", get(e.listWebhooks), post(e.createWebhook)),
		newPathRoute("/api/webhooks/{id}", remove(e.deleteWebhook)),
	}
}

// needs guards the handler of an optional module's endpoint: without the module, the
// endpoint answers 400 with FreeScout's message, before anything else is looked at.
func (e *Emulator) needs(module string, h handlerFunc) handlerFunc {
	if e.dialect.installed(module) {
		return h
	}
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		send(w, moduleMissing(module), nil)
	}
}

// matchPath finds the route whose pattern matches path. id is the {id} segment as a number,
// or -1 when that segment is not a number.
func matchPath(routes []pathRoute, path string) (*pathRoute, int) {
	segs := splitPath(path)
	for i := range routes {
		rt := &routes[i]
		if len(rt.segs) != len(segs) {
			continue
		}
		id, ok := 0, true
		for j, s := range rt.segs {
			if s == "{id}" {
				n, err := strconv.Atoi(segs[j])
				if err != nil {
					n = -1
				}
				id = n
				continue
			}
			if s != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return rt, id
		}
	}
	return nil, 0
}

// splitPath splits a URL path into its segments, ignoring leading and trailing slashes.
func splitPath(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

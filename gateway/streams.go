package gateway

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/graph"
)

// Subscriptions are served over WebSocket (graphql-transport-ws, and the
// legacy graphql-ws subprotocol for old Apollo clients) by gqlgen's
// transport, and over Server-Sent Events (graphql-sse) by gqlhttp's. Both
// go through the same executor and so the same pipeline as queries.
const (
	// maxSubscriptionsPerConnection bounds the live subscriptions of one
	// WebSocket connection (an SSE stream is one subscription).
	maxSubscriptionsPerConnection = 50
	// maxSubscriptionsPerCaller bounds a caller's live subscriptions on one
	// replica, whatever the connections.
	maxSubscriptionsPerCaller = 200
	// wsInitTimeout is how long a connection may take to send its
	// connection_init.
	wsInitTimeout = 10 * time.Second
	// wsPingInterval is how often the server pings (graphql-transport-ws)
	// or sends keep-alives (graphql-ws); a connection that does not answer
	// two pings is closed.
	wsPingInterval = 20 * time.Second
	// sseKeepAlive is how often an idle SSE stream gets a comment line, so
	// that proxies do not close it.
	sseKeepAlive = 15 * time.Second
)

// websocketTransport is gqlgen's WebSocket transport as the gateway runs
// it: browsers from the CORS origins may connect, and each connection
// authenticates in its connection_init (see wsInit).
func websocketTransport(a *auth.Authenticator, origins []string, logger *slog.Logger) transport.Websocket {
	accept := websocket.AcceptOptions{OriginPatterns: origins}
	if slices.Contains(origins, "*") {
		accept = websocket.AcceptOptions{InsecureSkipVerify: true}
	}
	return transport.Websocket{
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: accept},
		InitFunc:              wsInit(a),
		InitTimeout:           wsInitTimeout,
		KeepAlivePingInterval: wsPingInterval,
		PingPongInterval:      wsPingInterval,
		ErrorFunc: func(ctx context.Context, err error) {
			logger.DebugContext(ctx, "websocket", "err", err)
		},
	}
}

// The close code graphql-transport-ws asks for when the server refuses a
// connection's credentials.
const wsCloseForbidden = 4403

// wsInit is step 1 of the pipeline for WebSocket: the caller is who the
// connection_init payload proves (in the shapes auth.FromInitPayload
// reads), or, when the payload holds no credentials, who the upgrade
// request's headers prove (non-browser clients can send them). A refused
// connection is closed with 4403 and the reason.
func wsInit(a *auth.Authenticator) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		up, _ := ctx.Value(upgradeKey{}).(*upgrade)
		if up == nil {
			up = &upgrade{}
		}
		cred := auth.FromInitPayload(payload)
		if cred == (auth.Credentials{}) {
			cred = auth.FromHeader(up.header)
		}
		c, err := a.Authenticate(ctx, cred)
		if err != nil {
			reason := "forbidden"
			if errors.Is(err, auth.ErrUnauthenticated) {
				reason = truncate("unauthenticated: "+err.Error(), 120) // a close reason has at most 123 bytes
			}
			ctx = transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, reason), wsCloseForbidden)
			return ctx, nil, errors.New(reason)
		}
		ctx = auth.WithCaller(ctx, anonymousAt(c, up.remoteAddr))
		return graph.WithSubscriptionLimit(ctx, maxSubscriptionsPerConnection), nil, nil
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// upgrade is what wsInit needs of the upgrade request, which it does not
// get from gqlgen.
type upgrade struct {
	header     http.Header
	remoteAddr string
}

type upgradeKey struct{}

// acceptUpgrade prepares a WebSocket upgrade request for the transport:
// wsInit finds the request's headers and address in its context, and the
// connection loses the deadlines the server set for reading the request
// (net/http leaves them on a hijacked connection, where they would cut
// every WebSocket off after READ_TIMEOUT).
func acceptUpgrade(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	ctx := context.WithValue(r.Context(), upgradeKey{}, &upgrade{header: r.Header.Clone(), remoteAddr: r.RemoteAddr})
	return clearingHijacker{w}, r.WithContext(ctx)
}

// clearingHijacker clears the deadlines of the connection it hijacks.
type clearingHijacker struct{ http.ResponseWriter }

// Hijack hijacks the connection and clears its deadlines.
func (h clearingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil {
		err = conn.SetDeadline(time.Time{})
	}
	return conn, rw, err
}

// Unwrap gives http.ResponseController the writer underneath.
func (h clearingHijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }

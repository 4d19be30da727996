// Package gateway assembles scoutgraph: the upstream client, the cache, the
// loaders and the GraphQL schema, served over HTTP by NewServer.
package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/gqlhttp"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/graphiql"
	"github.com/scoutgraph/scoutgraph/session"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Config is what a Gateway needs to run.
type Config struct {
	FreeScoutURL string        // base URL; the gateway calls {url}/api/...
	APIKey       string        // FreeScout API key, sent only in X-FreeScout-API-Key
	RedisURL     string        // shared cache; in-memory when empty
	Concurrency  int           // bound on requests in flight to FreeScout (default 64)
	CacheTTL     time.Duration // custom-field definitions (default 10m)
	Timeout      time.Duration // per upstream request attempt (default 15s)
	// CachePrefix is put before every Redis key (default "scoutgraph:v1:");
	// gateways sharing a Redis share their cache only under the same prefix.
	CachePrefix string
	// CacheOpTimeout bounds each Redis operation (default 150ms), so that a
	// slow Redis costs a request little before it falls back to FreeScout.
	CacheOpTimeout time.Duration
}

// Gateway is a configured gateway: its dependencies and its HTTP handler.
type Gateway struct {
	logger  *slog.Logger
	client  *upstream.Client
	cache   cache.Cache
	store   *cache.Store
	metrics *metrics
	handler http.Handler
}

// New builds a Gateway from cfg.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Gateway, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 10 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	m := newMetrics()
	client, err := upstream.New(cfg.FreeScoutURL, cfg.APIKey,
		upstream.WithMaxInFlight(cfg.Concurrency),
		upstream.WithTimeout(cfg.Timeout),
		upstream.WithObserver(m.observeUpstream),
	)
	if err != nil {
		return nil, err
	}
	var c cache.Cache = cache.NewMemory()
	if cfg.RedisURL != "" {
		if c, err = cache.NewRedis(cfg.RedisURL, cache.RedisOptions{Prefix: cfg.CachePrefix, OpTimeout: cfg.CacheOpTimeout}); err != nil {
			return nil, err // wraps cache.ErrInvalidURL
		}
	}
	store := cache.NewStore(c, cache.StoreOptions{TTL: cfg.CacheTTL, Logger: logger, OnFallback: m.cacheFallback})
	if err := store.Check(ctx); err != nil {
		// Not fatal: requests fall back to FreeScout and /readyz reports it.
		logger.Warn("cache unreachable at start", "err", err)
	}
	sessions := session.NewFactory(session.Options{Client: client, Store: store, DefinitionsTTL: cfg.CacheTTL, Logger: logger})
	resolver := &graph.Resolver{
		Sessions: graph.SessionFactoryFunc(func(ctx context.Context) graph.Session { return sessions.New(ctx) }),
		Logger:   logger,
	}
	a := &Gateway{logger: logger, client: client, cache: c, store: store, metrics: m}
	a.handler = NewServer(logger, m, resolver, a.ready)
	return a, nil
}

// Handler returns the gateway's HTTP handler.
func (a *Gateway) Handler() http.Handler { return a.handler }

// Close releases the cache connection.
func (a *Gateway) Close() error { return a.cache.Close() }

// ready checks that FreeScout and the cache answer, for /readyz.
func (a *Gateway) ready(ctx context.Context) map[string]error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, _, upErr := a.client.Mailboxes.List(ctx, &upstream.MailboxListOptions{ListOptions: upstream.ListOptions{PageSize: 1}})
	return map[string]error{"freescout": upErr, "cache": a.store.Check(ctx)}
}

// NewServer returns the gateway's HTTP handler: every route, wrapped in
// access logging and metrics.
func NewServer(logger *slog.Logger, m *metrics, resolver *graph.Resolver, ready func(context.Context) map[string]error) http.Handler {
	mux := http.NewServeMux()
	routes(mux, logger, m, resolver, ready)
	return accessLog(logger, m, mux)
}

// routes is the gateway's whole HTTP surface.
func routes(mux *http.ServeMux, logger *slog.Logger, m *metrics, resolver *graph.Resolver, ready func(context.Context) map[string]error) {
	gql := authenticate(gqlhttp.New(graph.NewSchema(resolver),
		gqlhttp.WithErrorPresenter(graph.ErrorPresenter(logger)),
		gqlhttp.WithRecover(graph.Recover(logger)),
		gqlhttp.WithMaxBodyBytes(1<<20),
		gqlhttp.WithAroundOperations(resolver.AroundOperations),
		gqlhttp.WithAroundRootFields(graph.ForgetBeforeMutations),
	))
	mux.Handle("/graphql", gql)
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(ready))
	mux.Handle("GET /metrics", m.handler())
	mux.Handle("/", graphiql.Handler("/graphql"))
}

// authenticate puts the request's caller in its context: for now every
// request is the anonymous caller with the gateway's own key.
func authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(auth.WithCaller(r.Context(), auth.Anonymous())))
	})
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
}

// handleReadyz answers 200 when every dependency answers, else 503; the body
// names each dependency's state without internal detail.
func handleReadyz(ready func(context.Context) map[string]error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body := http.StatusOK, map[string]string{}
		for name, err := range ready(r.Context()) {
			body[name] = "ok"
			if err != nil {
				body[name], status = "unavailable", http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs every request (path only: queries and bodies may carry
// customer data) and records its metrics.
func accessLog(logger *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := routeLabel(r.URL.Path)
		m.observeHTTP(route, r.Method, sw.status, d)
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes), slog.Duration("duration", d), slog.String("remote", r.RemoteAddr))
	})
}

// routeLabel bounds the metrics' route label to the known routes.
func routeLabel(path string) string {
	switch path {
	case "/graphql", "/healthz", "/readyz", "/metrics", "/":
		return path
	}
	return "other"
}

// metrics are the gateway's Prometheus collectors, in a registry of its own.
type metrics struct {
	reg            *prometheus.Registry
	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	upstreamCalls  *prometheus.CounterVec
	upstreamDur    *prometheus.HistogramVec
	cacheFallbacks *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_http_requests_total", Help: "HTTP requests served, by route, method and status.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scoutgraph_http_request_duration_seconds", Help: "HTTP request latency, by route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		upstreamCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_upstream_requests_total", Help: "Requests to FreeScout, by endpoint and status (0: no answer).",
		}, []string{"endpoint", "status"}),
		upstreamDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scoutgraph_upstream_request_duration_seconds", Help: "Latency of requests to FreeScout, by endpoint.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"endpoint"}),
		cacheFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_cache_fallbacks_total", Help: "Cache operations that failed and were tolerated, by operation.",
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.upstreamCalls, m.upstreamDur, m.cacheFallbacks,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeHTTP(route, method string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, method, fmt.Sprint(status)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) observeUpstream(_ context.Context, c upstream.Call) {
	m.upstreamCalls.WithLabelValues(c.Route, fmt.Sprint(c.Status)).Inc()
	m.upstreamDur.WithLabelValues(c.Route).Observe(c.Duration.Seconds())
}

func (m *metrics) cacheFallback(op string) { m.cacheFallbacks.WithLabelValues(op).Inc() }

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Package gateway assembles scoutgraph: the upstream client, the cache, the
// data sessions, the request pipeline and the GraphQL schema, served over
// HTTP by NewServer.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"github.com/rs/cors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/events"
	"github.com/scoutgraph/scoutgraph/gqlhttp"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/graphiql"
	"github.com/scoutgraph/scoutgraph/persisted"
	"github.com/scoutgraph/scoutgraph/ratelimit"
	"github.com/scoutgraph/scoutgraph/session"
	"github.com/scoutgraph/scoutgraph/telemetry"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Defaults of Config.
const (
	DefaultMaxDepth       = 12
	DefaultMaxCost        = 250
	DefaultRequestTimeout = 30 * time.Second
)

// DefaultRateLimit is RATE_LIMIT's default: 3000 FreeScout calls a minute
// per caller.
var DefaultRateLimit = ratelimit.Rate{Units: 3000, Period: time.Minute}

// Config is what a Gateway needs to run. The zero value of every field but
// FreeScoutURL and APIKey is a sensible default.
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

	// Auth is how callers authenticate (AUTH and its settings); no modes
	// means none: every caller is anonymous.
	Auth auth.Config
	// CORSOrigins are the browser origins allowed to call the gateway
	// (CORS_ORIGINS); none means no cross-origin access.
	CORSOrigins []string
	// MaxDepth and MaxCost bound every operation (MAX_DEPTH, MAX_COST).
	MaxDepth, MaxCost int
	// RateLimit is each caller's budget of FreeScout calls (RATE_LIMIT).
	RateLimit ratelimit.Rate
	// Persisted is PERSISTED_QUERIES (default apq); PersistedFile its
	// manifest for only.
	Persisted     persisted.Mode
	PersistedFile string
	// DisableIntrospection turns introspection off (INTROSPECTION=false).
	DisableIntrospection bool
	// RequestTimeout bounds each request but streams (default 30s).
	RequestTimeout time.Duration

	// WebhookSecret is FreeScout's webhook "Secret Key" (WEBHOOK_SECRET);
	// empty turns the receiver off (404).
	WebhookSecret string
	// ConversationCacheTTL turns the conversation cache on
	// (CONVERSATION_CACHE_TTL; 0, the default, is off).
	ConversationCacheTTL time.Duration

	// Telemetry is the gateway's tracing (nil: off, see package
	// telemetry); Version is the build's, for scoutgraph_build_info.
	Telemetry *telemetry.Telemetry
	Version   string
}

func (cfg *Config) defaults() {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 10 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if len(cfg.Auth.Modes) == 0 {
		cfg.Auth.Modes = []auth.Mode{auth.ModeNone}
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxCost <= 0 {
		cfg.MaxCost = DefaultMaxCost
	}
	if cfg.RateLimit.Units <= 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.Persisted == "" {
		cfg.Persisted = persisted.APQ
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Telemetry == nil {
		cfg.Telemetry = telemetry.Off()
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
}

// Gateway is a configured gateway: its dependencies and its HTTP handler.
type Gateway struct {
	logger  *slog.Logger
	client  *upstream.Client
	cache   cache.Cache
	store   *cache.Store
	auth    *auth.Authenticator
	live    *live
	metrics *metrics
	handler http.Handler

	started error // what asking FreeScout at start failed with

	readyMu sync.Mutex
	unready map[string]string // dependency → the error last logged
}

// New builds a Gateway from cfg.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Gateway, error) {
	cfg.defaults()
	if cfg.MaxCost > cfg.RateLimit.Units {
		return nil, fmt.Errorf("MAX_COST %d is more than RATE_LIMIT %s allows a caller at once", cfg.MaxCost, cfg.RateLimit)
	}
	m := newMetrics(cfg.Version)
	tel := cfg.Telemetry
	client, err := upstream.New(cfg.FreeScoutURL, cfg.APIKey,
		upstream.WithMaxInFlight(cfg.Concurrency),
		upstream.WithTransport(tel.Propagating(upstream.DefaultTransport(cfg.Concurrency))),
		upstream.WithTimeout(cfg.Timeout),
		upstream.WithHook(tel.UpstreamHook()),
		upstream.WithObserver(m.observeUpstream),
	)
	if err != nil {
		return nil, err
	}
	a := &Gateway{logger: logger, client: client, metrics: m, unready: map[string]string{}}
	a.started = learnInstall(ctx, client, logger)
	var (
		rate ratelimit.Limiter
		bus  events.Bus
	)
	if cfg.RedisURL != "" {
		r, err := cache.NewRedis(cfg.RedisURL, cache.RedisOptions{Prefix: cfg.CachePrefix, OpTimeout: cfg.CacheOpTimeout})
		if err != nil {
			return nil, err // wraps cache.ErrInvalidURL
		}
		a.cache = r
		if err := redisotel.InstrumentTracing(r.Client(), redisotel.WithTracerProvider(tel.Provider),
			redisotel.WithDBStatement(false), redisotel.WithDialFilter(true),
			redisotel.WithCommandFilter(busRead)); err != nil {
			return nil, errors.Join(err, a.cache.Close())
		}
		if rate, err = ratelimit.NewRedis(r.Client(), cfg.RateLimit, ratelimit.RedisOptions{Prefix: prefixed(cfg.CachePrefix, "ratelimit:"), OpTimeout: cfg.CacheOpTimeout}); err != nil {
			return nil, errors.Join(err, a.cache.Close())
		}
		if bus, err = events.NewRedis(r.Client(), events.RedisOptions{Prefix: prefixed(cfg.CachePrefix, "events:"), Logger: logger}); err != nil {
			return nil, errors.Join(err, a.cache.Close())
		}
	} else {
		a.cache = cache.NewMemory()
		if rate, err = ratelimit.NewMemory(cfg.RateLimit, ratelimit.MemoryOptions{}); err != nil {
			return nil, err
		}
		bus = events.NewMemory(events.MemoryOptions{})
	}
	a.store = cache.NewStore(a.cache, cache.StoreOptions{TTL: cfg.CacheTTL, Logger: logger, OnFallback: m.cacheFallback})
	if err := a.store.Check(ctx); err != nil {
		// Not fatal: requests fall back to FreeScout and /readyz reports it.
		logger.Warn("cache unreachable at start", "err", err)
	}
	persist, err := persistedExtension(cfg, a.cache, logger)
	if err != nil {
		return nil, errors.Join(err, a.cache.Close())
	}
	if cfg.Auth.Logger == nil {
		cfg.Auth.Logger = logger
	}
	if a.auth, err = auth.New(ctx, cfg.Auth); err != nil {
		return nil, errors.Join(err, a.cache.Close())
	}
	sessions := session.NewFactory(session.Options{
		Client: client, Store: a.store, DefinitionsTTL: cfg.CacheTTL, Logger: logger,
		MaxCalls: cfg.MaxCost, ConversationTTL: cfg.ConversationCacheTTL,
		Batches: tel.BatchSpans(), ObserveCache: func(ctx context.Context, c session.CacheCall) {
			m.observeCache(ctx, c)
			cacheEvent(ctx, c)
		},
	})
	a.live = newLive(bus, cfg.WebhookSecret, sessions, m, logger)
	resolver := &graph.Resolver{
		Sessions: graph.SessionFactoryFunc(func(ctx context.Context) graph.Session { return sessions.New(ctx) }),
		Events:   a.live.hub,
		Logger:   logger,
	}
	pipe := newPipeline(Limits{MaxDepth: cfg.MaxDepth, MaxCost: cfg.MaxCost, Introspection: !cfg.DisableIntrospection}, rate,
		func(c *auth.Caller) graph.Facts {
			return graph.Facts{Mailboxes: sessions.KnownMailboxes(c), UserPages: sessions.KnownUserPages(c)}
		}, logger)
	a.handler = NewServer(logger, m, server{
		resolver: resolver, pipeline: pipe, persisted: persist, auth: a.auth,
		cors: cfg.CORSOrigins, requestTimeout: cfg.RequestTimeout, ready: a.ready,
		webhooks: a.live.receiver, telemetry: tel,
	})
	return a, nil
}

// prefixed is the Redis prefix of one kind of shared state under the
// gateway's cache prefix.
func prefixed(cachePrefix, kind string) string {
	if cachePrefix == "" {
		cachePrefix = "scoutgraph:v1:"
	}
	return cachePrefix + kind
}

// persistedExtension builds the persisted-operations step of the pipeline.
func persistedExtension(cfg Config, c cache.Cache, logger *slog.Logger) (*persisted.Extension, error) {
	pc := persisted.Config{Mode: cfg.Persisted, Logger: logger}
	switch cfg.Persisted {
	case persisted.APQ:
		pc.Store = persisted.NewStore(c, persisted.StoreOptions{})
	case persisted.Only:
		if cfg.PersistedFile == "" {
			return nil, errors.New("PERSISTED_QUERIES_FILE: required when PERSISTED_QUERIES is only")
		}
		m, err := persisted.LoadManifest(cfg.PersistedFile)
		if err != nil {
			return nil, fmt.Errorf("PERSISTED_QUERIES_FILE: %w", err)
		}
		pc.Manifest = m
	}
	if cfg.Persisted != persisted.Only && cfg.PersistedFile != "" {
		return nil, errors.New("PERSISTED_QUERIES_FILE: set, but PERSISTED_QUERIES is not only")
	}
	return persisted.New(pc)
}

// Handler returns the gateway's HTTP handler.
func (a *Gateway) Handler() http.Handler { return a.handler }

// EndStreams ends every subscription: each stream completes. The server
// calls it when it starts shutting down (http.Server.RegisterOnShutdown),
// since it waits for no WebSocket.
func (a *Gateway) EndStreams() { a.live.hub.Close() }

// Close ends the subscriptions, stops reading the event bus, and releases
// the authenticator's background work and the cache connection.
func (a *Gateway) Close() error {
	err := a.live.close()
	a.auth.Close()
	return errors.Join(err, a.cache.Close())
}

// ReloadAuth reads the tokens file again (on SIGHUP).
func (a *Gateway) ReloadAuth(ctx context.Context) error { return a.auth.Reload(ctx) }

// ready checks that FreeScout and the cache answer, for /readyz.
// A readiness failure is logged when the state changes (not on every
// probe), with the reason the probe's answer leaves out.
func (a *Gateway) ready(ctx context.Context) map[string]error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	states := map[string]error{"freescout": a.CheckFreeScout(ctx), "cache": a.store.Check(ctx)}
	a.readyMu.Lock()
	defer a.readyMu.Unlock()
	for name, err := range states {
		was, seen := a.unready[name]
		switch {
		case err != nil && (!seen || was != err.Error()):
			a.logger.WarnContext(ctx, "not ready: "+name+" unavailable", "dependency", name, "err", err)
			a.unready[name] = err.Error()
		case err == nil && seen:
			a.logger.InfoContext(ctx, "ready again: "+name+" answers", "dependency", name)
			delete(a.unready, name)
		}
	}
	return states
}

// StartErr is what asking FreeScout about itself at start (New) failed
// with, nil when it answered: an error wrapping upstream.ErrUnauthorized
// when it rejected the gateway's key.
func (a *Gateway) StartErr() error { return a.started }

// CheckFreeScout asks FreeScout for one mailbox with the gateway's key:
// nil when it answers, an error wrapping upstream.ErrUnauthorized when it
// rejects the key.
func (a *Gateway) CheckFreeScout(ctx context.Context) error {
	_, _, err := a.client.Mailboxes.List(ctx, &upstream.MailboxListOptions{ListOptions: upstream.ListOptions{PageSize: 1}})
	return err
}

// server is what NewServer serves.
type server struct {
	resolver       *graph.Resolver
	pipeline       *pipeline
	persisted      *persisted.Extension
	auth           *auth.Authenticator
	cors           []string
	requestTimeout time.Duration
	ready          func(context.Context) map[string]error
	webhooks       http.Handler // POST /webhooks/freescout
	telemetry      *telemetry.Telemetry
}

// NewServer returns the gateway's HTTP handler: every route, wrapped in
// the request's span (the caller's traceparent continued), its id, access
// log line and metrics.
func NewServer(logger *slog.Logger, m *metrics, s server) http.Handler {
	mux := http.NewServeMux()
	routes(mux, logger, m, s)
	return otelhttp.NewHandler(observeRequests(logger, m, mux), "scoutgraph",
		otelhttp.WithTracerProvider(s.telemetry.Provider),
		otelhttp.WithPropagators(s.telemetry.Propagator),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + routeLabel(r.URL.Path) }),
		otelhttp.WithFilter(func(r *http.Request) bool {
			route := routeLabel(r.URL.Path)
			return route != "/healthz" && route != "/readyz" && route != "/metrics"
		}),
	)
}

// busRead reports the event bus's blocking reads, which have no operation
// to belong to: they get no span.
func busRead(cmd redis.Cmder) bool { return cmd.Name() == "xread" }

// routes is the gateway's whole HTTP surface.
func routes(mux *http.ServeMux, logger *slog.Logger, m *metrics, s server) {
	gql := gqlhttp.New(graph.NewSchema(s.resolver),
		gqlhttp.WithErrorPresenter(graph.ErrorPresenter(logger)),
		gqlhttp.WithRecover(graph.Recover(logger)),
		gqlhttp.WithMaxBodyBytes(1<<20),
		gqlhttp.WithParserTokenLimit(maxTokens),
		gqlhttp.WithValidationErrorLimit(maxValidationErrors),
		gqlhttp.WithExtension(operations{tracer: s.telemetry.Provider.Tracer("github.com/scoutgraph/scoutgraph/gateway"), metrics: m}),
		gqlhttp.WithTransport(websocketTransport(s.auth, s.cors, logger)),
		gqlhttp.WithSSE(gqlhttp.SSEOptions{KeepAlive: sseKeepAlive}),
		// Outermost: each event of a subscription gets its data session
		// before the pipeline counts what the event cost.
		gqlhttp.WithAroundResponses(s.resolver.AroundResponses),
		gqlhttp.WithExtension(s.persisted),
		gqlhttp.WithExtension(s.pipeline),
		gqlhttp.WithAroundOperations(s.resolver.AroundOperations),
		gqlhttp.WithAroundRootFields(graph.ForgetBeforeMutations),
		// Plain subtrees written in one buffer (see graph.InlineFields).
		gqlhttp.WithAroundFields(graph.InlineFields),
	)
	mux.Handle("/graphql", corsFor(s.cors, withDeadline(s.requestTimeout, compressAnswers(authenticate(s.auth, gql)))))
	mux.Handle("/webhooks/freescout", s.webhooks)
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(s.ready))
	mux.Handle("GET /metrics", m.handler())
	mux.Handle("/", graphiql.Handler("/graphql"))
}

// corsFor allows the browser origins listed to call next, credentials
// included (rs/cors answers preflights); without origins it adds nothing,
// so browsers refuse cross-origin calls.
func corsFor(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Accept", "Authorization", auth.FreeScoutKeyHeader, "traceparent", "tracestate", "apollographql-client-name", "apollographql-client-version"},
		ExposedHeaders:   []string{"Retry-After", "X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           600,
	}).Handler(next)
}

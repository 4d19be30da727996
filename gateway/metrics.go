package gateway

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scoutgraph/scoutgraph/session"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// metrics are the gateway's Prometheus collectors, in a registry of its own.
type metrics struct {
	reg            *prometheus.Registry
	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	upstreamCalls  *prometheus.CounterVec
	upstreamDur    *prometheus.HistogramVec
	cacheFallbacks *prometheus.CounterVec
	webhooks       *prometheus.CounterVec
	events         *prometheus.CounterVec
	opDuration     *prometheus.HistogramVec
	opCalls        *prometheus.HistogramVec
	gqlErrors      *prometheus.CounterVec
	cacheLookups   *prometheus.CounterVec
	cacheWrites    *prometheus.CounterVec

	namesMu sync.Mutex
	names   map[string]bool // operation names with series of their own
}

// maxOperationNames bounds the operation names that get series of their
// own: names are the clients' to choose, and every further one is counted
// as "other".
const maxOperationNames = 200

func newMetrics(version string) *metrics {
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
			Name: "scoutgraph_upstream_requests_total", Help: "Requests to FreeScout, by method, endpoint template and status (0: no answer).",
		}, []string{"method", "endpoint", "status"}),
		upstreamDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scoutgraph_upstream_request_duration_seconds", Help: "Latency of requests to FreeScout, by method and endpoint template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "endpoint"}),
		cacheFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_cache_fallbacks_total", Help: "Cache operations that failed and were tolerated, by operation.",
		}, []string{"op"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_webhook_deliveries_total", Help: "FreeScout webhook deliveries received, by result (published, duplicate, bad_signature, ...).",
		}, []string{"result"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_events_total", Help: "Events this replica read from the event bus, by FreeScout event name (lost: events the bus lost).",
		}, []string{"event"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scoutgraph_operation_duration_seconds", Help: "GraphQL operations (and subscription events), by operation name and type.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation_name", "operation_type"}),
		opCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scoutgraph_operation_upstream_calls", Help: "FreeScout calls made by each GraphQL operation (or subscription event), by operation name and type.",
			Buckets: []float64{0, 1, 2, 5, 10, 25, 50, 100, 250},
		}, []string{"operation_name", "operation_type"}),
		gqlErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_graphql_errors_total", Help: "GraphQL errors in answers, by extensions.code.",
		}, []string{"code"}),
		cacheLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_cache_lookups_total", Help: "Lookups in the shared cache, by kind of entry and result (hit, miss).",
		}, []string{"kind", "result"}),
		cacheWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_cache_writes_total", Help: "Entries the data sessions wrote to or dropped from the shared cache, by kind of entry and op (set, add, invalidate).",
		}, []string{"kind", "op"}),
		names: map[string]bool{},
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scoutgraph_build_info", Help: "Always 1; the labels say which build runs.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(version, runtime.Version()).Set(1)
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.upstreamCalls, m.upstreamDur, m.cacheFallbacks, m.webhooks, m.events,
		m.opDuration, m.opCalls, m.gqlErrors, m.cacheLookups, m.cacheWrites, buildInfo,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeHTTP(route, method string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, method, fmt.Sprint(status)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) observeUpstream(_ context.Context, c upstream.Call) {
	method, endpoint, _ := strings.Cut(c.Route, " ")
	m.upstreamCalls.WithLabelValues(method, endpoint, strconv.Itoa(c.Status)).Inc()
	m.upstreamDur.WithLabelValues(method, endpoint).Observe(c.Duration.Seconds())
}

// operationLabel is the operation_name label of name: itself while fewer
// than maxOperationNames names have series, "other" beyond.
func (m *metrics) operationLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	m.namesMu.Lock()
	defer m.namesMu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "other"
	}
	m.names[name] = true
	return name
}

func (m *metrics) observeOperation(name, typ string, d time.Duration, calls int) {
	label := m.operationLabel(name)
	m.opDuration.WithLabelValues(label, typ).Observe(d.Seconds())
	m.opCalls.WithLabelValues(label, typ).Observe(float64(calls))
}

func (m *metrics) graphqlError(code string) { m.gqlErrors.WithLabelValues(code).Inc() }

// observeCache counts a data session's call to the shared cache: lookups
// by result, writes and invalidations by the entries they concern.
func (m *metrics) observeCache(_ context.Context, c session.CacheCall) {
	if c.Op != session.CacheLookup {
		if c.Err == nil && !(c.Op == session.CacheAdd && c.Hit) { // else nothing was written
			m.cacheWrites.WithLabelValues(c.Kind, string(c.Op)).Add(float64(c.Keys))
		}
		return
	}
	result := "miss"
	if c.Hit {
		result = "hit"
	}
	m.cacheLookups.WithLabelValues(c.Kind, result).Inc()
}

func (m *metrics) cacheFallback(op string) { m.cacheFallbacks.WithLabelValues(op).Inc() }

func (m *metrics) observeWebhook(result string) { m.webhooks.WithLabelValues(result).Inc() }

// countSubscriptions exports how many subscriptions this replica serves.
func (m *metrics) countSubscriptions(n func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "scoutgraph_subscriptions", Help: "Live GraphQL subscriptions on this replica.",
	}, func() float64 { return float64(n()) }))
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

package gateway

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_webhook_deliveries_total", Help: "FreeScout webhook deliveries received, by result (published, duplicate, unsigned, ...).",
		}, []string{"result"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scoutgraph_events_total", Help: "Events this replica read from the event bus, by FreeScout event name (lost: events the bus lost).",
		}, []string{"event"}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.upstreamCalls, m.upstreamDur, m.cacheFallbacks, m.webhooks, m.events,
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

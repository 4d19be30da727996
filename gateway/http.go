package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

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
	case "/graphql", "/healthz", "/readyz", "/metrics", "/webhooks/freescout", "/":
		return path
	}
	return "other"
}

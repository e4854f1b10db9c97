package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/solsec/platform/services/internal/service/metrics"
)

// Metrics are the API's Prometheus metrics, on the service runtime's
// registry (Go runtime and process collectors included):
//
//	solsec_http_request_duration_seconds{route,method,status}  histogram
//	solsec_uploads_total{outcome}     created, cached, replayed, rejected
//	solsec_rate_limited_total         requests answered 429
//	solsec_redis_errors_total{use}    ratelimit, cache, events: fail-open events
type Metrics struct {
	reg         *metrics.Registry
	uploads     *prometheus.CounterVec
	limited     prometheus.Counter
	redisErrors *prometheus.CounterVec
}

// NewMetrics returns the API's metrics on a registry of their own.
func NewMetrics() *Metrics {
	reg := metrics.New()
	m := &Metrics{
		reg: reg,
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "solsec_uploads_total", Help: "Uploads to POST /v1/analyses, by outcome.",
		}, []string{"outcome"}),
		limited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "solsec_rate_limited_total", Help: "Requests refused with 429 by the per-caller rate limits.",
		}),
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "solsec_redis_errors_total", Help: "Redis failures the API continued without, by use.",
		}, []string{"use"}),
	}
	reg.Registerer().MustRegister(m.uploads, m.limited, m.redisErrors)
	return m
}

// ObserveRequest implements service.RequestObserver.
func (m *Metrics) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	m.reg.ObserveRequest(route, method, status, elapsed)
}

func (m *Metrics) upload(outcome string) { m.uploads.WithLabelValues(outcome).Inc() }
func (m *Metrics) rateLimited()          { m.limited.Inc() }
func (m *Metrics) redisError(use string) { m.redisErrors.WithLabelValues(use).Inc() }

// Counter returns a counter's value by its series name, e.g.
// `solsec_uploads_total{outcome="created"}`; 0 when no such series has been
// counted yet.
func (m *Metrics) Counter(series string) float64 {
	name, labels := parseSeries(series)
	var c prometheus.Counter
	switch name {
	case "solsec_uploads_total":
		c = m.uploads.WithLabelValues(labels["outcome"])
	case "solsec_rate_limited_total":
		c = m.limited
	case "solsec_redis_errors_total":
		c = m.redisErrors.WithLabelValues(labels["use"])
	default:
		return 0
	}
	var out dto.Metric
	if err := c.Write(&out); err != nil {
		return 0
	}
	return out.GetCounter().GetValue()
}

// parseSeries splits `name{k="v",...}` into the name and its labels.
func parseSeries(series string) (string, map[string]string) {
	name, rest, ok := strings.Cut(series, "{")
	labels := map[string]string{}
	if !ok {
		return name, labels
	}
	for _, pair := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
		if k, v, ok := strings.Cut(pair, "="); ok {
			labels[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return name, labels
}

// ServeHTTP writes every metric in the Prometheus exposition format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.reg.Handler().ServeHTTP(w, r)
}

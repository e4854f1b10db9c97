// Package metrics is the Prometheus side of the service runtime: one
// registry per service, the HTTP request latency histogram behind
// service.Instrument, and constructors for the pipeline's shared metrics
// (queue depth, job duration, tool outcomes). Every name starts with
// "solsec_".
package metrics

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds one service's metrics. It implements
// service.RequestObserver.
type Registry struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
}

// New returns a registry with the Go runtime and process collectors and
// the request latency histogram
// solsec_http_request_duration_seconds{route,method,status}.
func New() *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	r := &Registry{reg: reg}
	r.requests = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "solsec_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by route pattern, method and status code.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "status"}))
	return r
}

// Registerer is where a service registers metrics of its own.
func (r *Registry) Registerer() prometheus.Registerer { return r.reg }

// Handler serves the registry in the Prometheus exposition format, for
// service.Health.Handler.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// ObserveRequest records one finished request. route must be a pattern,
// never a raw path (service.Instrument guarantees it).
func (r *Registry) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	r.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(elapsed.Seconds())
}

// QueueDepth returns solsec_queue_depth{queue}: jobs waiting per queue, set
// by whoever polls the queue.
func (r *Registry) QueueDepth() *prometheus.GaugeVec {
	return register(r.reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "solsec_queue_depth",
		Help: "Jobs waiting to be worked, by queue.",
	}, []string{"queue"}))
}

// JobDuration returns solsec_job_duration_seconds{kind,outcome}, outcome
// being "completed", "failed", "retried" or "cancelled". Buckets run from
// 0.1s to about 7 minutes, the span from a cached parse to a slow
// symbolic-execution tool.
func (r *Registry) JobDuration() *prometheus.HistogramVec {
	return register(r.reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "solsec_job_duration_seconds",
		Help:    "Time to run a pipeline job, by job kind and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.1, 2, 13),
	}, []string{"kind", "outcome"}))
}

// ToolOutcomes returns solsec_tool_runs_total{tool,outcome}, outcome being
// "succeeded", "failed", "timeout" or "unavailable".
func (r *Registry) ToolOutcomes() *prometheus.CounterVec {
	return register(r.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "solsec_tool_runs_total",
		Help: "Analysis tool runs, by tool and outcome.",
	}, []string{"tool", "outcome"}))
}

// register registers c, or returns the collector already registered under
// the same description, so two components of one service asking for the
// same metric share it instead of panicking.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if errors.As(err, &dup) {
			if existing, ok := dup.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

package api

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Metrics are the API's Prometheus metrics, written in the text exposition
// format. They are kept here rather than in service/metrics because that
// package needs client_golang modules go.sum does not list yet (see its
// build constraint); the names and labels are the same, so dashboards do
// not change when the API moves to it.
//
//	solsec_http_request_duration_seconds{route,method,status}  histogram
//	solsec_uploads_total{outcome}     created, cached, replayed, rejected
//	solsec_rate_limited_total         requests answered 429
//	solsec_redis_errors_total{use}    ratelimit, cache, events: fail-open events
type Metrics struct {
	mu       sync.Mutex
	requests map[requestKey]*histogram
	counters map[string]float64 // full series name with labels → value
}

type requestKey struct{ route, method, status string }

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// buckets are Prometheus' default latency buckets, in seconds.
var buckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[requestKey]*histogram{}, counters: map[string]float64{}}
}

// ObserveRequest implements service.RequestObserver.
func (m *Metrics) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	k := requestKey{route, method, strconv.Itoa(status)}
	secs := elapsed.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.requests[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.requests[k] = h
	}
	for i, b := range buckets {
		if secs <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += secs
	h.count++
}

func (m *Metrics) add(series string) {
	m.mu.Lock()
	m.counters[series]++
	m.mu.Unlock()
}

func (m *Metrics) upload(outcome string) {
	m.add(`solsec_uploads_total{outcome="` + outcome + `"}`)
}
func (m *Metrics) rateLimited()          { m.add("solsec_rate_limited_total") }
func (m *Metrics) redisError(use string) { m.add(`solsec_redis_errors_total{use="` + use + `"}`) }

// Counter returns a counter's value by its full series name, e.g.
// `solsec_uploads_total{outcome="created"}`.
func (m *Metrics) Counter(series string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counters[series]
}

var help = map[string]string{
	"solsec_uploads_total":      "Uploads to POST /v1/analyses, by outcome.",
	"solsec_rate_limited_total": "Requests refused with 429 by the per-caller rate limits.",
	"solsec_redis_errors_total": "Redis failures the API continued without, by use.",
}

// ServeHTTP writes every metric in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	var b strings.Builder
	b.WriteString("# HELP solsec_http_request_duration_seconds Time to serve an HTTP request, by route pattern, method and status code.\n")
	b.WriteString("# TYPE solsec_http_request_duration_seconds histogram\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].route+keys[i].method+keys[i].status < keys[j].route+keys[j].method+keys[j].status
	})
	for _, k := range keys {
		h := m.requests[k]
		labels := fmt.Sprintf(`method=%q,route=%q,status=%q`, k.method, k.route, k.status)
		var cum uint64
		for i, le := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "solsec_http_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", labels, le, cum)
		}
		fmt.Fprintf(&b, "solsec_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, h.count)
		fmt.Fprintf(&b, "solsec_http_request_duration_seconds_sum{%s} %g\n", labels, h.sum)
		fmt.Fprintf(&b, "solsec_http_request_duration_seconds_count{%s} %d\n", labels, h.count)
	}
	series := make([]string, 0, len(m.counters))
	for s := range m.counters {
		series = append(series, s)
	}
	sort.Strings(series)
	seen := map[string]bool{}
	for _, s := range series {
		name, _, _ := strings.Cut(s, "{")
		if !seen[name] {
			seen[name] = true
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n", name, help[name], name)
		}
		fmt.Fprintf(&b, "%s %g\n", s, m.counters[s])
	}
	m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/service"
)

func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	service.NewHealth(time.Second).Handler(r.Handler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

func TestRequestLatencyIsRecordedByRouteAndStatus(t *testing.T) {
	r := New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/analyses/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	h := service.Instrument(mux, service.Instrumentation{Metrics: r, Route: service.MuxRoute(mux), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, id := range []string{"1", "2", "3"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/analyses/"+id, nil))
	}
	out := scrape(t, r)
	assert.Contains(t, out, `solsec_http_request_duration_seconds_count{method="GET",route="GET /v1/analyses/{id}",status="404"} 3`,
		"three requests with different ids are one series")
	assert.Contains(t, out, "go_goroutines", "runtime metrics are included")
}

func TestPipelineMetrics(t *testing.T) {
	r := New()
	r.QueueDepth().WithLabelValues("analysis").Set(7)
	r.JobDuration().WithLabelValues("parse", "completed").Observe(0.25)
	r.ToolOutcomes().WithLabelValues("slither", "unavailable").Inc()
	r.ToolOutcomes().WithLabelValues("slither", "unavailable").Inc()

	out := scrape(t, r)
	assert.Contains(t, out, `solsec_queue_depth{queue="analysis"} 7`)
	assert.Contains(t, out, `solsec_job_duration_seconds_count{kind="parse",outcome="completed"} 1`)
	assert.Contains(t, out, `solsec_tool_runs_total{outcome="unavailable",tool="slither"} 2`,
		"asking twice for a metric returns the same collector instead of panicking")
}

func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(), New()
	a.ToolOutcomes().WithLabelValues("builtin", "succeeded").Inc()
	assert.NotContains(t, scrape(t, b), "solsec_tool_runs_total{")
}

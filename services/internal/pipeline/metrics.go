package pipeline

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/solsec/platform/services/internal/service/metrics"
)

// Metrics are the pipeline's Prometheus metrics, on a service's registry
// (service/metrics): solsec_queue_depth{queue},
// solsec_job_duration_seconds{kind,outcome} and
// solsec_tool_runs_total{tool,outcome}, beside the Go runtime and process
// collectors. A nil *Metrics records nothing.
type Metrics struct {
	reg      *metrics.Registry
	depth    *prometheus.GaugeVec
	jobs     *prometheus.HistogramVec
	outcomes *prometheus.CounterVec
}

// NewMetrics returns the metrics on a new registry.
func NewMetrics() *Metrics {
	reg := metrics.New()
	return &Metrics{reg: reg, depth: reg.QueueDepth(), jobs: reg.JobDuration(), outcomes: reg.ToolOutcomes()}
}

// ObserveJob records one worked job: outcome is completed, failed (River
// will retry), discarded (the last attempt failed), snoozed or cancelled.
func (m *Metrics) ObserveJob(kind, outcome string, d time.Duration) {
	if m != nil {
		m.jobs.WithLabelValues(kind, outcome).Observe(d.Seconds())
	}
}

// ToolOutcome counts one ended tool run: succeeded, failed, timeout,
// unavailable or cancelled.
func (m *Metrics) ToolOutcome(tool, outcome string) {
	if m != nil {
		m.outcomes.WithLabelValues(tool, outcome).Inc()
	}
}

// SetQueueDepth records how many jobs wait on queue.
func (m *Metrics) SetQueueDepth(queue string, n int) {
	if m != nil {
		m.depth.WithLabelValues(queue).Set(float64(n))
	}
}

// Handler serves the registry in the Prometheus exposition format, for
// service.Health.Handler.
func (m *Metrics) Handler() http.Handler { return m.reg.Handler() }

// PollQueueDepth sets the queue depth of every pipeline queue from River's
// job table every interval until ctx ends: the jobs that are available,
// scheduled or waiting for a retry. Errors (the database restarting) are
// logged and the next tick tries again.
func PollQueueDepth(ctx context.Context, pool *pgxpool.Pool, m *Metrics, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		counts := map[string]int{QueueParse: 0, QueueOrchestrate: 0, QueueTools: 0, QueueScore: 0, QueueMaintenance: 0}
		rows, err := pool.Query(ctx, `SELECT queue, count(*) FROM river_job
			WHERE state IN ('available', 'scheduled', 'retryable') GROUP BY queue`)
		if err == nil {
			for rows.Next() {
				var q string
				var n int
				if err = rows.Scan(&q, &n); err != nil {
					break
				}
				counts[q] = n
			}
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
		}
		if err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "queue depth poll failed", "error", err.Error())
		} else if err == nil {
			for q, n := range counts {
				m.SetQueueDepth(q, n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

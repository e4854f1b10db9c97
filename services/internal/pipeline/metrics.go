package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Metrics are the pipeline's Prometheus metrics, with the names and labels
// of service/metrics (solsec_queue_depth{queue},
// solsec_job_duration_seconds{kind,outcome},
// solsec_tool_runs_total{tool,outcome}), written here in the text
// exposition format. service/metrics builds on client_golang, whose
// dependencies go.sum does not carry yet (that package sits behind the
// "prometheus" build tag); this keeps the workers' /metrics working in
// every build with nothing but the standard library. A nil *Metrics
// records nothing.
type Metrics struct {
	mu      sync.Mutex
	depth   map[string]float64
	jobs    map[[2]string]*histogram
	outcome map[[2]string]float64
}

// jobBuckets match service/metrics' JobDuration: 0.1s to about 7 minutes.
var jobBuckets = func() []float64 {
	b := make([]float64, 13)
	for i := range b {
		b[i] = 0.1 * math.Pow(2, float64(i))
	}
	return b
}()

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{depth: map[string]float64{}, jobs: map[[2]string]*histogram{}, outcome: map[[2]string]float64{}}
}

// ObserveJob records one worked job: outcome is completed, failed (River
// will retry), discarded (the last attempt failed) or cancelled.
func (m *Metrics) ObserveJob(kind, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.jobs[[2]string{kind, outcome}]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(jobBuckets))}
		m.jobs[[2]string{kind, outcome}] = h
	}
	s := d.Seconds()
	for i, ub := range jobBuckets {
		if s <= ub {
			h.counts[i]++
			break
		}
	}
	h.sum += s
	h.count++
}

// ToolOutcome counts one ended tool run: succeeded, failed, timeout,
// unavailable or cancelled.
func (m *Metrics) ToolOutcome(tool, outcome string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcome[[2]string{tool, outcome}]++
}

// SetQueueDepth records how many jobs wait on queue.
func (m *Metrics) SetQueueDepth(queue string, n int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.depth[queue] = float64(n)
}

// Handler serves the metrics in the Prometheus text format, for
// service.Health.Handler.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = m.Write(w)
	})
}

// Write writes every metric in the text exposition format, series sorted
// so that the output is stable.
func (m *Metrics) Write(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP solsec_queue_depth Jobs waiting to be worked, by queue.\n# TYPE solsec_queue_depth gauge\n")
	for _, q := range sortedKeys(m.depth) {
		fmt.Fprintf(&b, "solsec_queue_depth{queue=%s} %s\n", quote(q), num(m.depth[q]))
	}
	b.WriteString("# HELP solsec_job_duration_seconds Time to run a pipeline job, by job kind and outcome.\n# TYPE solsec_job_duration_seconds histogram\n")
	for _, k := range sortedKeys(m.jobs) {
		h := m.jobs[k]
		labels := fmt.Sprintf("kind=%s,outcome=%s", quote(k[0]), quote(k[1]))
		var cum uint64
		for i, ub := range jobBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "solsec_job_duration_seconds_bucket{%s,le=%q} %d\n", labels, num(ub), cum)
		}
		fmt.Fprintf(&b, "solsec_job_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, h.count)
		fmt.Fprintf(&b, "solsec_job_duration_seconds_sum{%s} %s\n", labels, num(h.sum))
		fmt.Fprintf(&b, "solsec_job_duration_seconds_count{%s} %d\n", labels, h.count)
	}
	b.WriteString("# HELP solsec_tool_runs_total Analysis tool runs, by tool and outcome.\n# TYPE solsec_tool_runs_total counter\n")
	for _, k := range sortedKeys(m.outcome) {
		fmt.Fprintf(&b, "solsec_tool_runs_total{outcome=%s,tool=%s} %s\n", quote(k[1]), quote(k[0]), num(m.outcome[k]))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedKeys[K interface{ string | [2]string }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return keys
}

// quote escapes a label value as the exposition format wants.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

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

package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/cache"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
)

// Client is the River client every service uses, on pgx.
type Client = river.Client[pgx.Tx]

// Progress percentages at each step. Tool runs move the analysis from
// ProgressAnalysing to ProgressToolsDone in proportion to how many ended.
const (
	ProgressQueued    = 0
	ProgressParsing   = 5
	ProgressAnalysing = 20
	ProgressToolsDone = 80
	ProgressScoring   = 85
	ProgressCompleted = 100
)

// Deps are what the workers share. Store, Blobs and Logger are required;
// a nil Events publishes nothing, a nil Cache caches nothing and a nil
// Metrics records nothing.
type Deps struct {
	Store   *postgres.Store
	Blobs   blob.Store
	Events  events.Publisher
	Cache   *cache.Results
	Logger  *slog.Logger
	Metrics *Metrics

	// eventsDownUntil (unix nanoseconds) holds publishing off after a
	// failure, so that an outage costs one publish timeout per
	// EventsBackoff instead of one per event.
	eventsDownUntil atomic.Int64
}

// EventsBackoff is how long events are dropped after a publish fails.
// Events are a live view: a client that missed some while Redis was down
// reloads the analysis from the API when it reconnects.
const EventsBackoff = 5 * time.Second

func (d *Deps) validate() error {
	switch {
	case d == nil:
		return errors.New("pipeline: nil dependencies")
	case d.Store == nil:
		return errors.New("pipeline: no store")
	case d.Blobs == nil:
		return errors.New("pipeline: no blob storage")
	case d.Logger == nil:
		return errors.New("pipeline: no logger")
	}
	return nil
}

// ClientConfig configures NewClient.
type ClientConfig struct {
	// Queues maps each queue this process works to its number of
	// concurrent jobs. Empty makes an insert-only client (the API).
	Queues map[string]int
	// Workers are the workers for those queues' job kinds.
	Workers *river.Workers
	// PeriodicJobs are scheduled by whichever client is River's leader.
	PeriodicJobs []*river.PeriodicJob
	Logger       *slog.Logger
	// JobTimeout is the default job timeout; workers with their own
	// Timeout override it. Default one minute.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running (its worker
	// gone without a trace: a killed process, a lost connection) before
	// River makes it available again. It must exceed every job's timeout.
	// Default: River's (an hour beyond JobTimeout).
	RescueStuckJobsAfter time.Duration
	// FetchPollInterval is how often an idle queue is polled when
	// LISTEN/NOTIFY has not woken it; zero keeps River's default.
	FetchPollInterval time.Duration
	// ID names this client in River's tables; empty lets River choose.
	ID string
}

// NewClient returns a River client on pool. Every client may insert every
// pipeline job kind, whichever workers it has: each service inserts the
// next service's job.
func NewClient(pool *pgxpool.Pool, cfg ClientConfig) (*Client, error) {
	rc := &river.Config{
		ID:                   cfg.ID,
		Logger:               cfg.Logger,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		FetchPollInterval:    cfg.FetchPollInterval,
		PeriodicJobs:         cfg.PeriodicJobs,
		SkipUnknownJobCheck:  true,
	}
	if len(cfg.Queues) > 0 {
		rc.Queues = map[string]river.QueueConfig{}
		for q, n := range cfg.Queues {
			rc.Queues[q] = river.QueueConfig{MaxWorkers: n}
		}
		rc.Workers = cfg.Workers
	}
	c, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		return nil, fmt.Errorf("pipeline: river client: %w", err)
	}
	return c, nil
}

// RunClient starts c and works until ctx ends, then stops gracefully:
// jobs in flight get up to drain to finish (River's Stop); those still
// running after that have their context cancelled and are handed back for
// a retry (StopAndCancel). It is a service.Worker's run function.
func RunClient(c *Client, drain time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		// Start's context governs the client's lifetime; stopping is done
		// explicitly below, so a cancelled ctx does not kill jobs at once.
		if err := c.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("start river client: %w", err)
		}
		<-ctx.Done()
		soft, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
		defer cancel()
		if err := c.Stop(soft); err == nil {
			return nil
		}
		hard, cancelHard := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancelHard()
		if err := c.StopAndCancel(hard); err != nil {
			return fmt.Errorf("stop river client: %w", err)
		}
		return nil
	}
}

// insertTx inserts args in tx with the River client working the current
// job (every worker has one in its context).
func insertTx(ctx context.Context, tx *postgres.Tx, args river.JobArgs) error {
	c, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("insert %s: %w", args.Kind(), err)
	}
	if _, err := c.InsertTx(ctx, tx.PgxTx(), args, TraceInsertOpts(ctx)); err != nil {
		return fmt.Errorf("insert %s: %w", args.Kind(), err)
	}
	return nil
}

// commit runs fn in one transaction that also marks job completed, so that
// whatever fn records and the job's completion are one atomic step: a
// worker killed after the commit is not run again, one killed before it
// left nothing behind.
func commit[T river.JobArgs](ctx context.Context, d *Deps, job *river.Job[T], fn func(tx *postgres.Tx) error) error {
	return d.Store.InTx(ctx, func(tx *postgres.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.PgxTx(), job); err != nil {
			return fmt.Errorf("complete job %d: %w", job.ID, err)
		}
		return nil
	})
}

// tracerName names the pipeline's spans. The tracer is looked up from the
// global provider for each job rather than once at start, so a provider
// installed after this package loaded (service.SetupTracing in main, a
// recorder in tests) is the one used.
const tracerName = "github.com/solsec/platform/services/internal/pipeline"

// TraceInsertOpts returns insert options whose job metadata carries the
// trace context of ctx (W3C traceparent), so that the job's worker
// continues the trace: one analysis is one trace across the services.
// Nil when ctx has no trace. The API passes it with ParseArgs; the workers
// pass it with every job they insert.
func TraceInsertOpts(ctx context.Context) *river.InsertOpts {
	carrier := propagation.MapCarrier{}
	service.InjectTrace(ctx, carrier)
	if len(carrier) == 0 {
		return nil
	}
	b, err := json.Marshal(jobMetadata{Trace: carrier})
	if err != nil {
		return nil
	}
	return &river.InsertOpts{Metadata: b}
}

// jobMetadata is the part of a River job's metadata the pipeline writes.
type jobMetadata struct {
	Trace map[string]string `json:"otel_trace,omitempty"`
}

// begin starts a job's span, continuing the trace its metadata carries,
// and puts the analysis id in ctx for the logs.
func begin(ctx context.Context, kind, orgID, analysisID string, attempt int, metadata []byte) (context.Context, trace.Span) {
	ctx = service.WithAnalysisID(ctx, analysisID)
	var md jobMetadata
	if len(metadata) > 0 && json.Unmarshal(metadata, &md) == nil && len(md.Trace) > 0 {
		ctx = service.ExtractTrace(ctx, propagation.MapCarrier(md.Trace))
	}
	return otel.Tracer(tracerName).Start(ctx, "job "+kind, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("solsec.org_id", orgID),
		attribute.String("solsec.analysis_id", analysisID),
		attribute.Int("river.attempt", attempt),
	))
}

// finish ends a job: it records the outcome on the span, the metrics and
// the log, and returns err unchanged for River.
func (d *Deps) finish(ctx context.Context, span trace.Span, kind string, attempt, maxAttempts int, start time.Time, err error) error {
	outcome := "completed"
	var cancel *river.JobCancelError
	var snooze *river.JobSnoozeError
	switch {
	case err == nil:
	case errors.As(err, &cancel):
		outcome = "cancelled"
	case errors.As(err, &snooze):
		outcome = "snoozed"
	case attempt >= maxAttempts:
		outcome = "discarded"
	default:
		outcome = "failed"
	}
	d.Metrics.ObserveJob(kind, outcome, time.Since(start))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, outcome)
		level := slog.LevelWarn
		if outcome == "discarded" {
			level = slog.LevelError
		}
		d.Logger.Log(ctx, level, "job did not complete", "kind", kind, "attempt", attempt, "outcome", outcome, "error", err.Error())
	} else {
		d.Logger.DebugContext(ctx, "job completed", "kind", kind, "attempt", attempt, "elapsed", time.Since(start).String())
	}
	span.End()
	return err
}

// publish sends an event about a, best effort: events are a view of the
// analysis, so a Redis outage is logged and the pipeline carries on.
func (d *Deps) publish(ctx context.Context, a store.Analysis, typ events.Type, tool string, data any) {
	if d.Events == nil {
		return
	}
	e := events.Event{OrgID: a.OrgID, AnalysisID: a.ID, Type: typ, State: string(a.State), Progress: a.Progress, Tool: tool, Time: time.Now()}
	if data != nil {
		b, err := json.Marshal(data)
		if err == nil && len(b) <= events.MaxDataBytes {
			e.Data = b
		}
	}
	now := time.Now()
	if now.UnixNano() < d.eventsDownUntil.Load() {
		d.Logger.DebugContext(ctx, "status event dropped: the event transport failed recently", "type", string(typ))
		return
	}
	// The job's context may be about to end; the publisher bounds the call
	// itself, so it gets one of its own.
	if _, err := d.Events.Publish(context.WithoutCancel(ctx), e); err != nil {
		d.eventsDownUntil.Store(now.Add(EventsBackoff).UnixNano())
		d.Logger.WarnContext(ctx, "status event not published; dropping events for a while", "type", string(typ), "backoff", EventsBackoff.String(), "error", err.Error())
	}
}

// publishState sends the event of a state change: the terminal events for
// completed, failed and cancelled, state_changed otherwise.
func (d *Deps) publishState(ctx context.Context, a store.Analysis, data any) {
	typ := events.AnalysisStateChanged
	switch a.State {
	case store.StateCompleted:
		typ = events.AnalysisCompleted
	case store.StateFailed:
		typ = events.AnalysisFailed
	case store.StateCancelled:
		typ = events.AnalysisCancelled
	}
	d.publish(ctx, a, typ, "", data)
}

// progressEvent publishes a progress event for a.
func (d *Deps) progressEvent(ctx context.Context, a store.Analysis) {
	d.publish(ctx, a, events.AnalysisProgress, "", nil)
}

// failAnalysis moves a to failed with reason, unless it already ended,
// completing job in the same transaction.
func failAnalysis[T river.JobArgs](ctx context.Context, d *Deps, job *river.Job[T], orgID, analysisID, reason string) error {
	var failed store.Analysis
	err := commit(ctx, d, job, func(tx *postgres.Tx) error {
		a, err := tx.LockAnalysis(ctx, orgID, analysisID)
		if err != nil {
			return err
		}
		if a.State.Terminal() {
			return nil
		}
		failed, err = tx.TransitionAnalysis(ctx, orgID, analysisID, store.Transition{From: a.State, To: store.StateFailed, Error: reason})
		return err
	})
	if err != nil {
		return err
	}
	if failed.ID != "" {
		d.Logger.ErrorContext(ctx, "analysis failed", "reason", reason)
		d.publishState(ctx, failed, map[string]string{"reason": reason})
	}
	return nil
}

// lastAttempt reports whether a failing job will not be tried again.
func lastAttempt[T river.JobArgs](job *river.Job[T]) bool {
	return job.Attempt >= job.MaxAttempts
}

// isGone reports whether err says the analysis does not exist (deleted by
// retention or erasure while its jobs were queued): nothing to do then.
func isGone(err error) bool { return errors.Is(err, store.ErrNotFound) }

// withAnalysis puts an analysis id in ctx for the logs of a job that works
// on several (the sweep).
func withAnalysis(ctx context.Context, id string) context.Context {
	return service.WithAnalysisID(ctx, id)
}

package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/tools"
	"github.com/solsec/platform/services/internal/upload"
)

// DefaultToolTimeout bounds one tool run when no per-tool timeout is set.
const DefaultToolTimeout = 10 * time.Minute

// toolTimeoutGrace is how much later than a tool's own timeout its
// context ends, so that an external tool reports its timeout itself.
const toolTimeoutGrace = 5 * time.Second

// errAnalysisEnded is the cause of a tool run's cancellation when its
// analysis was cancelled (or failed) while the tool ran.
var errAnalysisEnded = errors.New("analysis ended while the tool ran")

// ToolRunWorker is the tool-integration service's worker: it runs one
// tool over an analysis' sources in a clean directory, keeps the tool's
// raw result in object storage and records the run.
//
// Outcomes:
//   - completed: the run succeeded, its result is at ResultKey;
//   - tool missing here: the run is unavailable (reported, not failed);
//   - timed out, out of memory, too much output, output it could not
//     read although the tool exited 0: the run failed: the tool would do
//     the same again;
//   - a crash (a non-zero exit without usable output), or object storage
//     or the database failing: transient, River retries with backoff, and
//     the last attempt records failed;
//   - the analysis was cancelled: the tool is stopped, the run cancelled;
//   - the worker is shutting down: the job is handed back for a retry.
//
// Every ending records the run and inserts the next OrchestrateArgs in
// one transaction, together with the job's completion.
type ToolRunWorker struct {
	river.WorkerDefaults[ToolRunArgs]
	Deps *Deps
	// Tools are the tools this worker can run, by name.
	Tools map[string]tools.Tool
	// Timeouts are per-tool run timeouts; tools not listed get
	// DefaultTimeout (DefaultToolTimeout when zero).
	Timeouts       map[string]time.Duration
	DefaultTimeout time.Duration
	// Workdir is where the tools' clean directories are made; empty means
	// the system temporary directory.
	Workdir string
	// CancelPoll is how often a running tool's analysis is checked for a
	// cancel; default one second.
	CancelPoll time.Duration
}

func (w *ToolRunWorker) timeout(tool string) time.Duration {
	if t := w.Timeouts[tool]; t > 0 {
		return t
	}
	if w.DefaultTimeout > 0 {
		return w.DefaultTimeout
	}
	return DefaultToolTimeout
}

// Timeout leaves the job a minute beyond the tool's own timeout to fetch
// the sources and record the outcome, so that the tool's limit, not
// River's, is what ends a slow tool.
func (w *ToolRunWorker) Timeout(job *river.Job[ToolRunArgs]) time.Duration {
	return w.timeout(job.Args.Tool) + time.Minute
}

// NextRetry retries a tool soon: the failures worth retrying (a crash, a
// blip in storage) are short, and the analysis waits for every tool.
func (w *ToolRunWorker) NextRetry(job *river.Job[ToolRunArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt*job.Attempt) * time.Second)
}

// Work implements river.Worker.
func (w *ToolRunWorker) Work(ctx context.Context, job *river.Job[ToolRunArgs]) (err error) {
	d, args := w.Deps, job.Args
	ctx, span := begin(ctx, job.Kind+" "+args.Tool, args.OrgID, args.AnalysisID, job.Attempt, job.Metadata)
	start := time.Now()
	defer func() { err = d.finish(ctx, span, job.Kind, job.Attempt, job.MaxAttempts, start, err) }()

	a, err := d.Store.GetAnalysis(ctx, args.OrgID, args.AnalysisID)
	if isGone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	run := store.ToolRun{AnalysisID: a.ID, Tool: args.Tool, State: store.ToolRunQueued}
	for _, r := range a.ToolRuns {
		if r.Tool == args.Tool {
			run = r
		}
	}
	if a.State.Terminal() && run.ID != "" && !run.State.Ended() {
		// Cancelled or failed before this run started: record it, so
		// that no run is left queued whoever ended the analysis (the
		// API's cancel, or the sweep).
		run.Error = "analysis " + string(a.State)
		return w.end(ctx, job, run, store.ToolRunCancelled, "cancelled", nil)
	}
	if a.State != store.StateAnalysing || run.State.Ended() {
		// Ended, or this run already ended: a re-drive of a job that had
		// finished.
		return nil
	}

	tool, ok := w.Tools[args.Tool]
	if !ok {
		run.Error = "no worker of this deployment has the tool " + args.Tool
		return w.end(ctx, job, run, store.ToolRunUnavailable, "unavailable", nil)
	}
	now := time.Now()
	run.State, run.Attempt, run.StartedAt, run.FinishedAt, run.Error = store.ToolRunRunning, job.Attempt, &now, nil, ""
	if _, err := d.Store.UpsertToolRun(ctx, a.OrgID, run); err != nil {
		return err
	}
	d.publish(ctx, a, events.ToolRunStarted, args.Tool, map[string]any{"state": store.ToolRunRunning, "attempt": job.Attempt})

	sources, err := LoadSources(ctx, d.Blobs, a.BlobKey)
	var rejected *upload.Error
	switch {
	case errors.Is(err, blob.ErrNotFound), errors.As(err, &rejected):
		run.Error = err.Error()
		return w.end(ctx, job, run, store.ToolRunFailed, "failed", nil)
	case err != nil:
		return w.retryOrFail(ctx, job, run, err)
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go w.watch(runCtx, cancel, a)
	// External tools enforce the timeout themselves (they kill their
	// process group); the context's deadline, a little later, is the
	// engine's bound and a backstop.
	runCtx, cancelTimeout := context.WithTimeout(runCtx, w.timeout(args.Tool)+toolTimeoutGrace)
	defer cancelTimeout()
	res, runErr := tool.Run(runCtx, w.Workdir, sources)
	run.Version, run.Duration = res.Version, res.Duration

	switch {
	case runErr == nil:
		raw, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("encode %s result: %w", args.Tool, err)
		}
		if err := d.Blobs.Put(ctx, ResultKey(a.OrgID, a.ID, args.Tool), bytes.NewReader(raw)); err != nil {
			return w.retryOrFail(ctx, job, run, fmt.Errorf("store result: %w", err))
		}
		return w.end(ctx, job, run, store.ToolRunSucceeded, "succeeded", map[string]any{"findings": len(res.Findings)})
	case errors.Is(runErr, tools.ErrUnavailable):
		run.Error = res.Reason
		return w.end(ctx, job, run, store.ToolRunUnavailable, "unavailable", nil)
	case errors.Is(context.Cause(runCtx), errAnalysisEnded):
		run.Error = errAnalysisEnded.Error()
		return w.end(ctx, job, run, store.ToolRunCancelled, "cancelled", nil)
	case ctx.Err() != nil:
		// The job's own context ended: this worker is stopping (or River
		// gave up on it). Hand the job back; the retry starts the tool
		// afresh in a new directory.
		return fmt.Errorf("%s interrupted: %w", args.Tool, ctx.Err())
	case errors.Is(runErr, tools.ErrTimeout), errors.Is(runCtx.Err(), context.DeadlineExceeded):
		run.Error = res.Reason
		return w.end(ctx, job, run, store.ToolRunFailed, "timeout", nil)
	case errors.Is(runErr, tools.ErrMemoryExceeded), errors.Is(runErr, tools.ErrOutputTooLarge),
		errors.Is(runErr, tools.ErrMalformedOutput) && res.ExitCode == 0:
		// Deterministic: the same sources would do the same again.
		run.Error = res.Reason
		return w.end(ctx, job, run, store.ToolRunFailed, "failed", nil)
	default:
		// A crash (a non-zero exit without usable output), a tool that
		// did not start: worth another attempt.
		return w.retryOrFail(ctx, job, run, runErr)
	}
}

// watch cancels the tool with errAnalysisEnded when its analysis ends
// (cancelled on request, failed by the sweep) while the tool runs.
func (w *ToolRunWorker) watch(ctx context.Context, cancel context.CancelCauseFunc, a store.Analysis) {
	every := w.CancelPoll
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur, err := w.Deps.Store.GetAnalysis(ctx, a.OrgID, a.ID)
		if err == nil && cur.State.Terminal() {
			cancel(errAnalysisEnded)
			return
		}
	}
}

// retryOrFail hands a transient failure to River for a retry, or, on the
// last attempt, records the run as failed so that the analysis goes on
// with the other tools.
func (w *ToolRunWorker) retryOrFail(ctx context.Context, job *river.Job[ToolRunArgs], run store.ToolRun, err error) error {
	if !lastAttempt(job) {
		return err
	}
	run.Error = fmt.Sprintf("%v (after %d attempts)", err, job.Attempt)
	if eerr := w.end(ctx, job, run, store.ToolRunFailed, "failed", nil); eerr != nil {
		return errors.Join(err, eerr)
	}
	return nil
}

// end records the run's final state and, while the analysis is still
// analysing, inserts the orchestration job that looks at it next, in one
// transaction with the job's completion. A run whose analysis ended
// meanwhile is recorded cancelled.
func (w *ToolRunWorker) end(ctx context.Context, job *river.Job[ToolRunArgs], run store.ToolRun, state store.ToolRunState, outcome string, data map[string]any) error {
	d := w.Deps
	now := time.Now()
	run.State, run.FinishedAt = state, &now
	if run.StartedAt != nil && run.Duration == 0 {
		run.Duration = now.Sub(*run.StartedAt)
	}
	if run.Attempt == 0 {
		run.Attempt = job.Attempt
	}
	var a store.Analysis
	// The job's context may be the reason the run ended (a timeout of its
	// own is not); recording the outcome must not be cut short by it.
	ctx = context.WithoutCancel(ctx)
	err := commit(ctx, d, job, func(tx *postgres.Tx) error {
		var err error
		a, err = tx.LockAnalysis(ctx, job.Args.OrgID, job.Args.AnalysisID)
		if err != nil {
			return err
		}
		if a.State != store.StateAnalysing {
			if a.State.Terminal() {
				run.State, outcome = store.ToolRunCancelled, "cancelled"
				run.Error = "analysis " + string(a.State)
				_, err = tx.UpsertToolRun(ctx, a.OrgID, run)
			}
			return err
		}
		if _, err := tx.UpsertToolRun(ctx, a.OrgID, run); err != nil {
			return err
		}
		return insertTx(ctx, tx, OrchestrateArgs{OrgID: a.OrgID, AnalysisID: a.ID, Reason: "tool_run_ended"})
	})
	if isGone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	d.Metrics.ToolOutcome(run.Tool, outcome)
	if data == nil {
		data = map[string]any{}
	}
	data["state"], data["durationMs"], data["attempt"] = run.State, run.Duration.Milliseconds(), run.Attempt
	if run.Error != "" {
		data["error"] = run.Error
	}
	d.Logger.InfoContext(ctx, "tool run ended", "tool", run.Tool, "state", string(run.State), "attempt", run.Attempt, "duration", run.Duration.String(), "error", run.Error)
	d.publish(ctx, a, events.ToolRunFinished, run.Tool, data)
	return nil
}

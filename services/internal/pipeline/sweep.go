package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
)

// Sweep defaults. An analysis is stuck when nothing about it changed for
// StuckAfter: longer than any tool may run (DefaultToolTimeout, and a
// retry), so that a slow tool is never mistaken for a lost job.
const (
	DefaultSweepEvery = time.Minute
	DefaultStuckAfter = 30 * time.Minute
	DefaultFailAfter  = 2 * time.Hour
	sweepBatch        = 100
)

// SweepWorker finds analyses that have not changed for StuckAfter and,
// while they are younger than FailAfter, re-drives them by inserting again
// the job their state needs (the parse, the orchestration step and the
// runs that have not ended, or the scoring). Every worker is idempotent
// and those jobs are unique while alive, so a re-drive of an analysis
// whose job is merely slow costs a no-op. Older ones are failed, with the
// reason, so that nothing waits forever.
//
// A job whose worker vanished (a killed process) stays "running" in River
// until River's rescuer makes it available again; the sweep is the net
// under everything else: a job deleted by hand, a bug that dropped one.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Deps       *Deps
	StuckAfter time.Duration
	FailAfter  time.Duration
}

// Timeout bounds one sweep.
func (w *SweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return 5 * time.Minute }

// PeriodicSweep schedules the sweep every interval (and once at start).
func PeriodicSweep(every time.Duration) *river.PeriodicJob {
	if every <= 0 {
		every = DefaultSweepEvery
	}
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return SweepArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Work implements river.Worker.
func (w *SweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) (err error) {
	d := w.Deps
	ctx, span := begin(ctx, job.Kind, "", "", job.Attempt, job.Metadata)
	start := time.Now()
	defer func() { err = d.finish(ctx, span, job.Kind, job.Attempt, job.MaxAttempts, start, err) }()
	stuckAfter, failAfter := w.StuckAfter, w.FailAfter
	if stuckAfter <= 0 {
		stuckAfter = DefaultStuckAfter
	}
	if failAfter <= 0 {
		failAfter = DefaultFailAfter
	}
	stuck, err := d.Store.ListStuckAnalyses(ctx, time.Now().Add(-stuckAfter), sweepBatch)
	if err != nil {
		return err
	}
	for _, a := range stuck {
		actx := withAnalysis(ctx, a.ID)
		if time.Since(a.CreatedAt) > failAfter {
			err = w.fail(actx, a, failAfter)
		} else {
			err = w.redrive(actx, a)
		}
		if err != nil && !isGone(err) {
			return err
		}
	}
	return nil
}

// fail ends an analysis that has been running for longer than failAfter.
func (w *SweepWorker) fail(ctx context.Context, a store.Analysis, failAfter time.Duration) error {
	var failed store.Analysis
	reason := fmt.Sprintf("no progress: still %s after %s", a.State, failAfter)
	err := w.Deps.Store.InTx(ctx, func(tx *postgres.Tx) error {
		cur, err := tx.LockAnalysis(ctx, a.OrgID, a.ID)
		if err != nil || cur.State.Terminal() || !cur.UpdatedAt.Equal(a.UpdatedAt) {
			return err
		}
		if failed, err = tx.TransitionAnalysis(ctx, a.OrgID, a.ID, store.Transition{From: cur.State, To: store.StateFailed, Error: reason}); err != nil {
			return err
		}
		// Orchestration marks the runs that have not ended cancelled.
		return insertTx(ctx, tx, OrchestrateArgs{OrgID: a.OrgID, AnalysisID: a.ID, Reason: "sweep"})
	})
	if err == nil && failed.ID != "" {
		w.Deps.Logger.ErrorContext(ctx, "stuck analysis failed", "reason", reason)
		w.Deps.publishState(ctx, failed, map[string]string{"reason": reason})
	}
	return err
}

// redrive inserts again the jobs the analysis' state needs.
func (w *SweepWorker) redrive(ctx context.Context, a store.Analysis) error {
	var jobs []river.JobArgs
	err := w.Deps.Store.InTx(ctx, func(tx *postgres.Tx) error {
		jobs = nil
		cur, err := tx.LockAnalysis(ctx, a.OrgID, a.ID)
		if err != nil || cur.State.Terminal() || !cur.UpdatedAt.Equal(a.UpdatedAt) {
			// Ended, or it moved since the scan: not stuck after all.
			return err
		}
		switch cur.State {
		case store.StateQueued, store.StateParsing:
			jobs = append(jobs, ParseArgs{OrgID: a.OrgID, AnalysisID: a.ID})
		case store.StateAnalysing:
			runs, err := tx.ListToolRuns(ctx, a.OrgID, a.ID)
			if err != nil {
				return err
			}
			for _, r := range runs {
				if !r.State.Ended() {
					jobs = append(jobs, ToolRunArgs{OrgID: a.OrgID, AnalysisID: a.ID, Tool: r.Tool})
				}
			}
			jobs = append(jobs, OrchestrateArgs{OrgID: a.OrgID, AnalysisID: a.ID, Reason: "sweep"})
		case store.StateScoring:
			jobs = append(jobs, ScoreArgs{OrgID: a.OrgID, AnalysisID: a.ID})
		}
		if _, err := tx.TouchAnalysis(ctx, a.OrgID, a.ID); err != nil {
			return err
		}
		for _, j := range jobs {
			if err := insertTx(ctx, tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && len(jobs) > 0 {
		kinds := make([]string, len(jobs))
		for i, j := range jobs {
			kinds[i] = j.Kind()
		}
		w.Deps.Logger.WarnContext(ctx, "stuck analysis re-driven", "state", string(a.State), "since", a.UpdatedAt, "jobs", kinds)
	}
	return err
}

package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/upload"
)

// OrchestrateWorker is the orchestration service's worker. Each job looks
// at one analysis under its row lock and takes whatever step is due:
//
//   - analysing, no tool runs yet: fan out, one queued run and one
//     ToolRunArgs job per tool, all in one transaction;
//   - analysing, some runs still going: update the progress;
//   - analysing, every run ended: move to scoring and insert ScoreArgs,
//     or fail the analysis when no tool succeeded;
//   - failed or cancelled: mark the runs that have not ended cancelled
//     (their workers notice and stop).
type OrchestrateWorker struct {
	river.WorkerDefaults[OrchestrateArgs]
	Deps *Deps
	// Tools are the enabled tools, in the order runs are created. An
	// analysis that names tools gets the enabled ones among them.
	Tools []string
}

// Timeout bounds one orchestration step: a few statements.
func (w *OrchestrateWorker) Timeout(*river.Job[OrchestrateArgs]) time.Duration { return time.Minute }

// orchestration is what one step did, for events after the commit.
type orchestration struct {
	analysis  store.Analysis
	fannedOut []string
	cancelled []store.ToolRun
	progress  bool
	changed   bool
}

// Work implements river.Worker.
func (w *OrchestrateWorker) Work(ctx context.Context, job *river.Job[OrchestrateArgs]) (err error) {
	d, args := w.Deps, job.Args
	ctx, span := begin(ctx, job.Kind, args.OrgID, args.AnalysisID, job.Attempt, job.Metadata)
	start := time.Now()
	defer func() { err = d.finish(ctx, span, job.Kind, job.Attempt, job.MaxAttempts, start, err) }()

	var o orchestration
	err = commit(ctx, d, job, func(tx *postgres.Tx) error {
		o = orchestration{}
		a, err := tx.LockAnalysis(ctx, args.OrgID, args.AnalysisID)
		if err != nil {
			return err
		}
		o.analysis = a
		switch a.State {
		case store.StateFailed, store.StateCancelled:
			return w.stopRuns(ctx, tx, &o)
		case store.StateAnalysing:
			return w.step(ctx, tx, &o)
		}
		return nil
	})
	if isGone(err) {
		return nil
	}
	if err != nil {
		return err
	}

	a := o.analysis
	for _, t := range o.fannedOut {
		d.publish(ctx, a, events.ToolRunStarted, t, map[string]string{"state": string(store.ToolRunQueued)})
	}
	if len(o.fannedOut) > 0 {
		d.Logger.InfoContext(ctx, "tool runs fanned out", "tools", o.fannedOut)
	}
	for _, r := range o.cancelled {
		d.Metrics.ToolOutcome(r.Tool, "cancelled")
		d.publish(ctx, a, events.ToolRunFinished, r.Tool, map[string]string{"state": string(store.ToolRunCancelled)})
	}
	switch {
	case o.changed:
		d.publishState(ctx, a, nil)
	case o.progress:
		d.progressEvent(ctx, a)
	case args.Reason == "cancel" && a.State == store.StateCancelled:
		d.publishState(ctx, a, map[string]string{"reason": a.Error})
	}
	return nil
}

// step moves an analysing analysis on.
func (w *OrchestrateWorker) step(ctx context.Context, tx *postgres.Tx, o *orchestration) error {
	a := o.analysis
	runs, err := tx.ListToolRuns(ctx, a.OrgID, a.ID)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		selected := SelectTools(a.Tools, w.Tools)
		if len(selected) == 0 {
			o.analysis, err = tx.TransitionAnalysis(ctx, a.OrgID, a.ID, store.Transition{From: store.StateAnalysing, To: store.StateFailed,
				Error: fmt.Sprintf("none of the requested tools %v is enabled (enabled: %v)", a.Tools, w.Tools)})
			o.changed = true
			return err
		}
		for _, t := range selected {
			if _, err := tx.UpsertToolRun(ctx, a.OrgID, store.ToolRun{AnalysisID: a.ID, Tool: t, State: store.ToolRunQueued}); err != nil {
				return err
			}
			if err := insertTx(ctx, tx, ToolRunArgs{OrgID: a.OrgID, AnalysisID: a.ID, Tool: t}); err != nil {
				return err
			}
		}
		o.fannedOut = selected
		return nil
	}
	ended, succeeded := 0, 0
	for _, r := range runs {
		if r.State.Ended() {
			ended++
		}
		if r.State == store.ToolRunSucceeded {
			succeeded++
		}
	}
	if ended < len(runs) {
		p := ProgressAnalysing + (ProgressToolsDone-ProgressAnalysing)*ended/len(runs)
		if p != a.Progress {
			if err := tx.SetAnalysisProgress(ctx, a.OrgID, a.ID, p); err != nil {
				return err
			}
			o.analysis.Progress, o.progress = p, true
		}
		return nil
	}
	if succeeded == 0 {
		o.analysis, err = tx.TransitionAnalysis(ctx, a.OrgID, a.ID, store.Transition{From: store.StateAnalysing, To: store.StateFailed,
			Error: "no tool completed: " + runSummary(runs)})
		o.changed = true
		return err
	}
	p := ProgressScoring
	o.analysis, err = tx.TransitionAnalysis(ctx, a.OrgID, a.ID, store.Transition{From: store.StateAnalysing, To: store.StateScoring, Progress: &p})
	if err != nil {
		return err
	}
	o.changed = true
	return insertTx(ctx, tx, ScoreArgs{OrgID: a.OrgID, AnalysisID: a.ID})
}

// stopRuns marks the runs of an ended analysis that are still queued or
// running as cancelled. Their workers see the analysis ended, stop the
// tool and leave the record alone.
func (w *OrchestrateWorker) stopRuns(ctx context.Context, tx *postgres.Tx, o *orchestration) error {
	a := o.analysis
	runs, err := tx.ListToolRuns(ctx, a.OrgID, a.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, r := range runs {
		if r.State.Ended() {
			continue
		}
		r.State, r.FinishedAt, r.Error = store.ToolRunCancelled, &now, "analysis "+string(a.State)
		if r.StartedAt != nil {
			r.Duration = now.Sub(*r.StartedAt)
		}
		if _, err := tx.UpsertToolRun(ctx, a.OrgID, r); err != nil {
			return err
		}
		o.cancelled = append(o.cancelled, r)
	}
	return nil
}

// runSummary lists each run's tool and state, for a failure reason.
func runSummary(runs []store.ToolRun) string {
	s := ""
	for i, r := range runs {
		if i > 0 {
			s += ", "
		}
		s += r.Tool + " " + string(r.State)
		if r.Error != "" {
			s += " (" + r.Error + ")"
		}
	}
	return s
}

// SelectTools returns the enabled tools an analysis asked for, in enabled
// order; an analysis that asked for none gets every enabled tool.
func SelectTools(requested, enabled []string) []string {
	if len(requested) == 0 {
		return slices.Clone(enabled)
	}
	var out []string
	for _, t := range enabled {
		if slices.Contains(requested, t) {
			out = append(out, t)
		}
	}
	return out
}

// Submit does what the API does with an accepted upload: it stores the
// sources in object storage, then creates the analysis and inserts its
// ParseArgs job in one transaction, so that an analysis the caller was
// told about is never left without the job that runs it. The analysis
// takes the bundle's hash, remappings and entry files; in.BlobKey, when
// empty, becomes SourcesKey. With an idempotency key already used, it
// returns the first analysis and created false, and inserts nothing.
// Tests, benchmarks and tools use it where going through HTTP would only
// add noise.
func Submit(ctx context.Context, st *postgres.Store, client *Client, blobs blob.Store, orgID string, b *upload.Bundle, in store.NewAnalysis) (store.Analysis, bool, error) {
	in.SourceHash = b.Hash
	if in.Remappings == nil {
		in.Remappings = b.Remappings
	}
	if in.EntryFiles == nil {
		in.EntryFiles = b.Entries
	}
	if in.BlobKey == "" {
		in.BlobKey = SourcesKey(orgID, in.SourceHash)
	}
	packed, err := EncodeSources(b)
	if err != nil {
		return store.Analysis{}, false, err
	}
	// The object goes first: an analysis row must never point at sources
	// that are not there. A crash between the two leaves an object that
	// the next identical upload reuses.
	if err := blobs.Put(ctx, in.BlobKey, bytes.NewReader(packed)); err != nil {
		return store.Analysis{}, false, fmt.Errorf("submit: store sources: %w", err)
	}
	var a store.Analysis
	var created bool
	err = st.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		a, created, err = tx.CreateAnalysis(ctx, orgID, in)
		if err != nil || !created {
			return err
		}
		_, err = client.InsertTx(ctx, tx.PgxTx(), ParseArgs{OrgID: orgID, AnalysisID: a.ID}, TraceInsertOpts(ctx))
		return err
	})
	if err != nil {
		return store.Analysis{}, false, fmt.Errorf("submit: %w", err)
	}
	return a, created, nil
}

// CancelAnalysis cancels an analysis on request: in one transaction it
// moves the analysis to cancelled and inserts the orchestration job that
// stops its tool runs. Cancelling an analysis that already ended changes
// nothing and returns it with changed false.
func CancelAnalysis(ctx context.Context, st *postgres.Store, client *Client, orgID, analysisID, reason string) (a store.Analysis, changed bool, err error) {
	err = st.InTx(ctx, func(tx *postgres.Tx) error {
		cur, err := tx.LockAnalysis(ctx, orgID, analysisID)
		if err != nil {
			return err
		}
		if cur.State.Terminal() {
			a = cur
			return nil
		}
		if a, err = tx.TransitionAnalysis(ctx, orgID, analysisID, store.Transition{From: cur.State, To: store.StateCancelled, Error: reason}); err != nil {
			return err
		}
		changed = true
		_, err = client.InsertTx(ctx, tx.PgxTx(), OrchestrateArgs{OrgID: orgID, AnalysisID: analysisID, Reason: "cancel"}, TraceInsertOpts(ctx))
		return err
	})
	return a, changed, err
}

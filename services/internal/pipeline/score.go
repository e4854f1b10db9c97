package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/intel"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/tools"
)

// EngineActor is who the audit log names for what the intelligence
// engine decides on its own (a finding suppressed by a filter).
const EngineActor = "service:intelligence-engine"

// StorePrecision is intel.PrecisionStore on the store's detector_stats:
// the triage counts the store updates on every decision, shared by every
// organisation.
type StorePrecision struct {
	Store interface {
		ListDetectorStats(ctx context.Context) ([]store.DetectorStat, error)
		AddDetectorStats(ctx context.Context, deltas []store.DetectorStat) error
	}
}

var _ intel.PrecisionStore = StorePrecision{}

// Load implements intel.PrecisionStore. The table holds one row per
// detector ever triaged, a few hundred, so reading it whole is cheaper
// than building a query for the keys.
func (p StorePrecision) Load(ctx context.Context, keys []intel.DetectorKey) (map[intel.DetectorKey]intel.Counts, error) {
	stats, err := p.Store.ListDetectorStats(ctx)
	if err != nil {
		return nil, err
	}
	want := make(map[intel.DetectorKey]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	out := map[intel.DetectorKey]intel.Counts{}
	for _, s := range stats {
		k := intel.DetectorKey{Tool: s.Tool, Detector: s.Detector}
		if want[k] {
			out[k] = intel.Counts{Confirmed: s.Confirmed, FalsePositive: s.FalsePositives}
		}
	}
	return out, nil
}

// Add implements intel.PrecisionStore with increments applied in one
// transaction, rejected whole if a count would go negative.
func (p StorePrecision) Add(ctx context.Context, deltas map[intel.DetectorKey]intel.Counts) error {
	ds := make([]store.DetectorStat, 0, len(deltas))
	for k, c := range deltas {
		ds = append(ds, store.DetectorStat{Tool: k.Tool, Detector: k.Detector, Confirmed: c.Confirmed, FalsePositives: c.FalsePositive})
	}
	slices.SortFunc(ds, func(a, b store.DetectorStat) int {
		if a.Tool != b.Tool {
			return compareStrings(a.Tool, b.Tool)
		}
		return compareStrings(a.Detector, b.Detector)
	})
	return p.Store.AddDetectorStats(ctx, ds)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ScoreWorker is the intelligence engine's worker: it merges the findings
// of every succeeded tool run, applies the false-positive filters to the
// parsed sources, scores each finding with the detectors' learnt
// precision, stores them (idempotently, by fingerprint), completes the
// analysis, caches the result and announces it.
type ScoreWorker struct {
	river.WorkerDefaults[ScoreArgs]
	Deps *Deps
	// Model and Filters tune the engine; zero values take intel's
	// defaults.
	Model   intel.Model
	Filters []intel.Filter
	// Workdir is where the sources are unpacked for the filters; empty
	// means the system temporary directory.
	Workdir string
}

// Timeout bounds one scoring.
func (w *ScoreWorker) Timeout(*river.Job[ScoreArgs]) time.Duration { return 5 * time.Minute }

// Work implements river.Worker.
func (w *ScoreWorker) Work(ctx context.Context, job *river.Job[ScoreArgs]) (err error) {
	d, args := w.Deps, job.Args
	ctx, span := begin(ctx, job.Kind, args.OrgID, args.AnalysisID, job.Attempt, job.Metadata)
	start := time.Now()
	defer func() { err = d.finish(ctx, span, job.Kind, job.Attempt, job.MaxAttempts, start, err) }()

	a, err := d.Store.GetAnalysis(ctx, args.OrgID, args.AnalysisID)
	if isGone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.State != store.StateScoring {
		return nil
	}

	var results []tools.Result
	var used []string
	for _, r := range a.ToolRuns {
		if r.State != store.ToolRunSucceeded {
			continue
		}
		raw, err := blob.ReadAll(ctx, d.Blobs, ResultKey(a.OrgID, a.ID, r.Tool))
		if err != nil {
			return w.retryOrFail(ctx, job, a, fmt.Errorf("read %s result: %w", r.Tool, err))
		}
		var res tools.Result
		if err := json.Unmarshal(raw, &res); err != nil {
			return w.retryOrFail(ctx, job, a, fmt.Errorf("decode %s result: %w", r.Tool, err))
		}
		res.Tool = r.Tool
		results = append(results, res)
		used = append(used, r.Tool)
	}

	src, cleanup := w.sourceIndex(ctx, a)
	defer cleanup()
	engine := &intel.Engine{Store: StorePrecision{Store: d.Store}, Model: w.Model, Filters: w.Filters}
	merged, err := engine.Process(ctx, intel.FromResults(results...), src)
	if err != nil {
		return w.retryOrFail(ctx, job, a, err)
	}
	nfs, suppressed := newFindings(merged)

	var done store.Analysis
	var stored []store.Finding
	err = commit(ctx, d, job, func(tx *postgres.Tx) error {
		cur, err := tx.LockAnalysis(ctx, a.OrgID, a.ID)
		if err != nil {
			return err
		}
		if cur.State != store.StateScoring {
			return nil
		}
		if stored, err = tx.InsertFindings(ctx, a.OrgID, a.ID, nfs); err != nil {
			return err
		}
		if err := w.suppress(ctx, tx, a, stored, suppressed); err != nil {
			return err
		}
		done, err = tx.TransitionAnalysis(ctx, a.OrgID, a.ID, store.Transition{From: store.StateScoring, To: store.StateCompleted})
		return err
	})
	if isGone(err) {
		return nil
	}
	if err != nil {
		return w.retryOrFail(ctx, job, a, err)
	}
	if done.ID == "" {
		return nil
	}

	bySeverity := map[string]int{}
	for _, f := range stored {
		bySeverity[f.Severity.String()]++
	}
	if d.Cache != nil {
		if err := d.Cache.Set(ctx, done.OrgID, done.SourceHash, done.ID); err != nil {
			d.Logger.WarnContext(ctx, "result not cached", "error", err.Error())
		}
	}
	d.Logger.InfoContext(ctx, "analysis completed", "findings", len(stored), "suppressed", len(suppressed), "tools", used,
		"elapsed", done.UpdatedAt.Sub(done.CreatedAt).String())
	d.publishState(ctx, done, map[string]any{"findings": len(stored), "bySeverity": bySeverity, "suppressed": len(suppressed), "tools": used})
	return nil
}

// suppress marks the filtered findings this analysis introduced as
// suppressed and writes each decision, with the filter's reason, to the
// audit log, where users can see why and overrule it.
func (w *ScoreWorker) suppress(ctx context.Context, tx *postgres.Tx, a store.Analysis, stored []store.Finding, reasons map[string]*intel.Suppression) error {
	if len(reasons) == 0 {
		return nil
	}
	fps := make([]string, 0, len(reasons))
	for fp := range reasons {
		fps = append(fps, fp)
	}
	slices.Sort(fps)
	changed, err := tx.SuppressNewFindings(ctx, a.OrgID, a.ID, fps)
	if err != nil {
		return err
	}
	for _, f := range stored {
		id, ok := changed[f.Fingerprint]
		if !ok {
			continue
		}
		s := reasons[f.Fingerprint]
		details, _ := json.Marshal(map[string]string{"analysisId": a.ID, "filter": s.Filter, "reason": s.Reason, "detector": f.Rule.ID})
		if _, err := tx.AppendAudit(ctx, store.AuditEntry{OrgID: a.OrgID, Actor: EngineActor, Action: "finding.suppressed", Target: id, Details: details}); err != nil {
			return err
		}
	}
	return nil
}

// newFindings converts merged findings to what the store keeps: every
// tool's evidence, the score and its explanation. It returns the
// suppressions by fingerprint.
func newFindings(merged []intel.Finding) ([]store.NewFinding, map[string]*intel.Suppression) {
	out := make([]store.NewFinding, 0, len(merged))
	suppressed := map[string]*intel.Suppression{}
	for _, f := range merged {
		nf := store.NewFinding{Finding: f.Finding, Tools: f.Tools, Score: f.Score}
		for _, e := range f.Evidence {
			raw, _ := json.Marshal(evidenceDetail{Title: e.Title, SWC: e.SWC, DASP: e.DASP, Fingerprint: e.Fingerprint, Class: f.Class})
			nf.Evidence = append(nf.Evidence, store.Evidence{Tool: e.Tool, Detector: e.Detector, Severity: e.Severity, Confidence: e.Confidence,
				Message: e.Message, Locations: []findings.Location{e.Location}, Raw: raw})
		}
		if f.Suppression != nil {
			suppressed[f.Fingerprint] = f.Suppression
		}
		out = append(out, nf)
	}
	return out, suppressed
}

// evidenceDetail is the part of a tool's observation the store's Evidence
// has no field for.
type evidenceDetail struct {
	Title       string        `json:"title,omitempty"`
	SWC         string        `json:"swc,omitempty"`
	DASP        findings.DASP `json:"dasp,omitempty"`
	Fingerprint string        `json:"fingerprint,omitempty"`
	Class       string        `json:"class,omitempty"`
}

// sourceIndex loads the analysis' sources for the filters that read code.
// Without it those filters are skipped, which only costs precision, so a
// failure here is logged rather than failing the analysis.
func (w *ScoreWorker) sourceIndex(ctx context.Context, a store.Analysis) (*intel.SourceIndex, func()) {
	none := func() {}
	sources, err := LoadSources(ctx, w.Deps.Blobs, a.BlobKey)
	if err != nil {
		w.Deps.Logger.WarnContext(ctx, "filters run without sources", "error", err.Error())
		return nil, none
	}
	dir, err := os.MkdirTemp(w.Workdir, "solsec-score-")
	if err != nil {
		w.Deps.Logger.WarnContext(ctx, "filters run without sources", "error", err.Error())
		return nil, none
	}
	cleanup := func() { os.RemoveAll(dir) }
	var paths []string
	for _, s := range sources {
		p := filepath.Join(dir, filepath.FromSlash(s.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err == nil {
			err = os.WriteFile(p, s.Content, 0o600)
		}
		if err != nil {
			w.Deps.Logger.WarnContext(ctx, "filters run without sources", "error", err.Error())
			return nil, cleanup
		}
	}
	for _, p := range sources.Solidity() {
		paths = append(paths, filepath.Join(dir, filepath.FromSlash(p)))
	}
	// Confine: the sources are untrusted; no import may read outside dir.
	project, err := analysis.Load(paths, analysis.LoadOptions{Remappings: a.Remappings, Confine: dir})
	if err != nil {
		w.Deps.Logger.WarnContext(ctx, "filters run without sources", "error", err.Error())
		return nil, cleanup
	}
	return intel.NewSourceIndex(project, dir), cleanup
}

// retryOrFail returns err for a retry, or fails the analysis on the last
// attempt.
func (w *ScoreWorker) retryOrFail(ctx context.Context, job *river.Job[ScoreArgs], a store.Analysis, err error) error {
	if !lastAttempt(job) {
		return err
	}
	if ferr := failAnalysis(ctx, w.Deps, job, a.OrgID, a.ID, "scoring failed: "+err.Error()); ferr != nil {
		return errors.Join(err, ferr)
	}
	return nil
}

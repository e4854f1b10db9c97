// Package pipeline holds the jobs that carry an analysis through the
// platform's services, and the queues they travel on. Every step is a River
// job in PostgreSQL, so a step that was accepted is never lost: the API
// inserts the first job in the same transaction as the analysis row, and each
// worker inserts the next step's job in the transaction that records its own
// result. A worker that dies mid-job leaves the job to be retried.
//
// The flow, one queue per deployable:
//
//	api-service        inserts ParseArgs            → queue "parse"
//	contract-parser    parses, inserts Orchestrate  → queue "orchestrate"
//	orchestration      fans out one ToolRunArgs per → queue "tools"
//	                   enabled tool; re-evaluates on
//	                   each tool run's end; when all
//	                   ended inserts ScoreArgs      → queue "score"
//	tool-integration   runs one tool, stores its output, inserts Orchestrate
//	intelligence-engine merges, filters, scores, stores findings, completes
//
// Orchestration also works queue "maintenance": a periodic sweep that
// re-drives or fails analyses stuck past a deadline.
//
// Every state change of an analysis is committed in the same transaction
// as the job that carries it on, and the job that made the change is
// completed in that transaction too (river.JobCompleteTx), so a worker
// killed at any point leaves either nothing done or everything done. Every
// worker is idempotent on retry: it reads the analysis' state under its
// row lock and does only what is left. docs/pipeline.md describes the
// flow, retries, timeouts and failure handling.
package pipeline

import (
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Queue names; each deployable works one of them (orchestration also
// works the maintenance queue).
const (
	QueueParse       = "parse"
	QueueOrchestrate = "orchestrate"
	QueueTools       = "tools"
	QueueScore       = "score"
	QueueMaintenance = "maintenance"
)

// ParseArgs asks the contract-parser to parse an analysis's sources.
type ParseArgs struct {
	OrgID      string `json:"org_id"`
	AnalysisID string `json:"analysis_id"`
}

// Kind is the job's stable name in River's tables.
func (ParseArgs) Kind() string { return "parse" }

// InsertOpts puts the job on its queue; uniqueness by args means a retried
// API transaction cannot queue the same analysis twice.
func (ParseArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueParse, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// OrchestrateArgs asks the orchestration service to look at an analysis
// and take its next step: fan out the tool runs the first time, move to
// scoring once every run has ended, stop the runs of a cancelled analysis.
// It is inserted after parsing, after every tool run and on cancel, so it
// is deliberately not unique: each insert is a reason to look again, and
// the worker decides under the analysis' row lock, which makes a look with
// nothing to do harmless.
type OrchestrateArgs struct {
	OrgID      string `json:"org_id"`
	AnalysisID string `json:"analysis_id"`
	// Reason says why the job was inserted ("parsed", "tool_run_ended",
	// "cancel", "sweep"), for logs.
	Reason string `json:"reason,omitempty"`
}

// Kind is the job's stable name in River's tables.
func (OrchestrateArgs) Kind() string { return "orchestrate" }

// InsertOpts puts the job on the orchestration queue.
func (OrchestrateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOrchestrate, MaxAttempts: 10}
}

// ToolRunArgs asks the tool-integration service to run one tool over an
// analysis' sources.
type ToolRunArgs struct {
	OrgID      string `json:"org_id"`
	AnalysisID string `json:"analysis_id"`
	Tool       string `json:"tool"`
}

// Kind is the job's stable name in River's tables.
func (ToolRunArgs) Kind() string { return "tool_run" }

// InsertOpts puts the job on the tools queue. Unique by arguments while it
// is waiting or running, so that the sweep re-driving an analysis whose
// run is still alive does not start the same tool twice. A transient
// failure (a crash, a timeout, the database gone) is retried with River's
// backoff; the last attempt records the run as failed instead.
func (ToolRunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueTools, MaxAttempts: ToolRunMaxAttempts, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled,
		},
	}}
}

// ToolRunMaxAttempts bounds how often one tool is tried on one analysis.
const ToolRunMaxAttempts = 3

// ScoreArgs asks the intelligence engine to merge, filter and score what
// the tools found, store the findings and complete the analysis.
type ScoreArgs struct {
	OrgID      string `json:"org_id"`
	AnalysisID string `json:"analysis_id"`
}

// Kind is the job's stable name in River's tables.
func (ScoreArgs) Kind() string { return "score" }

// InsertOpts puts the job on the score queue; unique by arguments, so two
// orchestration jobs that both saw the last run end queue one scoring.
func (ScoreArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueScore, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// SweepArgs is the periodic job that finds analyses stuck past their
// deadline and re-drives or fails them (see SweepWorker).
type SweepArgs struct{}

// Kind is the job's stable name in River's tables.
func (SweepArgs) Kind() string { return "sweep_stuck_analyses" }

// InsertOpts puts the sweep on the maintenance queue. Only River's leader
// schedules periodic jobs, so replicas do not sweep twice; a failed sweep
// is not retried, the next one comes soon.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 1}
}

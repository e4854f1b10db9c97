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
package pipeline

import (
	"github.com/riverqueue/river"
)

// Queue names; each deployable works exactly one of them.
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

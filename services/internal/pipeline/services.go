package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/solsec/platform/services/internal/intel"
	"github.com/solsec/platform/services/internal/tools"
)

// Role is one of the pipeline's deployables.
type Role string

// The pipeline's deployables, named as their services/<name> folders.
const (
	RoleParser        Role = "contract-parser"
	RoleOrchestration Role = "orchestration"
	RoleTools         Role = "tool-integration"
	RoleScoring       Role = "intelligence-engine"
)

// Roles lists every role in pipeline order.
var Roles = []Role{RoleParser, RoleOrchestration, RoleTools, RoleScoring}

// WorkerConfig is what a role's River client needs beyond Deps. Fields a
// role does not use are ignored.
type WorkerConfig struct {
	// Concurrency is how many jobs of the role's queue run at once;
	// default 4.
	Concurrency int
	// Workdir is where parse, tool and scoring directories are made.
	Workdir string
	// Client tunes River (timeouts, rescue, polling, id, logger).
	Client ClientConfig

	// EnabledTools (orchestration) are the tools analyses fan out to.
	EnabledTools []string
	// SweepEvery (every role: see NewWorkerClient), StuckAfter and
	// FailAfter (orchestration) tune the sweep.
	SweepEvery, StuckAfter, FailAfter time.Duration

	// Tools (tool-integration) are the tools this worker runs, by name.
	Tools map[string]tools.Tool
	// ToolTimeouts and DefaultToolTimeout (tool-integration) bound runs.
	ToolTimeouts       map[string]time.Duration
	DefaultToolTimeout time.Duration
	// CancelPoll (tool-integration) is how often a running tool checks
	// for a cancel.
	CancelPoll time.Duration

	// Model and Filters (intelligence-engine) tune scoring.
	Model   intel.Model
	Filters []intel.Filter
}

// NewWorkerClient returns the River client of one role: its queue, its
// workers and, for orchestration, the periodic sweep. Every role's client
// can insert every job kind.
func NewWorkerClient(role Role, pool *pgxpool.Pool, d *Deps, cfg WorkerConfig) (*Client, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	n := cfg.Concurrency
	if n <= 0 {
		n = 4
	}
	workers := river.NewWorkers()
	cc := cfg.Client
	if cc.Logger == nil {
		cc.Logger = d.Logger
	}
	var err error
	switch role {
	case RoleParser:
		cc.Queues = map[string]int{QueueParse: n}
		err = river.AddWorkerSafely(workers, &ParseWorker{Deps: d, Workdir: cfg.Workdir})
	case RoleOrchestration:
		if len(cfg.EnabledTools) == 0 {
			return nil, errors.New("pipeline: orchestration needs at least one enabled tool")
		}
		cc.Queues = map[string]int{QueueOrchestrate: n, QueueMaintenance: 1}
		err = errors.Join(
			river.AddWorkerSafely(workers, &OrchestrateWorker{Deps: d, Tools: cfg.EnabledTools}),
			river.AddWorkerSafely(workers, &SweepWorker{Deps: d, StuckAfter: cfg.StuckAfter, FailAfter: cfg.FailAfter}),
		)
	case RoleTools:
		if len(cfg.Tools) == 0 {
			return nil, errors.New("pipeline: tool-integration needs at least one tool")
		}
		cc.Queues = map[string]int{QueueTools: n}
		w := &ToolRunWorker{Deps: d, Tools: cfg.Tools, Timeouts: cfg.ToolTimeouts, DefaultTimeout: cfg.DefaultToolTimeout,
			Workdir: cfg.Workdir, CancelPoll: cfg.CancelPoll}
		err = river.AddWorkerSafely(workers, w)
		// River's rescuer must not take back a tool job that is merely
		// slow: rescue only well after the longest run could have ended.
		longest := w.timeout("")
		for t := range cfg.Tools {
			longest = max(longest, w.timeout(t))
		}
		if cc.RescueStuckJobsAfter <= 0 {
			cc.RescueStuckJobsAfter = longest + 10*time.Minute
		}
	case RoleScoring:
		cc.Queues = map[string]int{QueueScore: n}
		err = river.AddWorkerSafely(workers, &ScoreWorker{Deps: d, Workdir: cfg.Workdir, Model: cfg.Model, Filters: cfg.Filters})
	default:
		return nil, fmt.Errorf("pipeline: unknown role %q", role)
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: %s workers: %w", role, err)
	}
	// Only River's leader schedules periodic jobs, and the leader is
	// whichever client of any role won the election: every role schedules
	// the sweep, which lands on the maintenance queue that orchestration
	// works, so it runs whoever leads.
	cc.PeriodicJobs = append(cc.PeriodicJobs, PeriodicSweep(cfg.SweepEvery))
	cc.Workers = workers
	return NewClient(pool, cc)
}

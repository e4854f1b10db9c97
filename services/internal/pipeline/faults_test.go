package pipeline_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/testenv"
)

// fingerprints returns the sorted fingerprints of an analysis' findings
// and fails the test if one appears twice.
func fingerprints(t *testing.T, h *harness, analysisID string) []string {
	t.Helper()
	var fps []string
	seen := map[string]bool{}
	for _, f := range h.findings(analysisID) {
		require.False(t, seen[f.Fingerprint], "finding %s (%s) stored twice", f.Fingerprint, f.Rule.ID)
		seen[f.Fingerprint] = true
		fps = append(fps, f.Fingerprint)
	}
	sort.Strings(fps)
	return fps
}

// evidenceCount sums the evidence of every finding of an analysis: a
// retried tool that stored its observations twice would show here even
// when fingerprints stay unique.
func evidenceCount(h *harness, analysisID string) int {
	n := 0
	for _, f := range h.findings(analysisID) {
		n += len(f.Evidence)
	}
	return n
}

// TestWorkerKilledMidJob kills the tool-integration service while Slither
// runs: the job goes back to the queue, a new worker retries it, and the
// analysis completes with the same findings as an uninterrupted one.
func TestWorkerKilledMidJob(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.startAll()
	ctx := context.Background()

	baseline := h.submit(foundryProject)
	require.Equal(t, store.StateCompleted, h.waitEnded(baseline.ID, time.Minute).State)
	wantFindings, wantEvidence := fingerprints(t, h, baseline.ID), evidenceCount(h, baseline.ID)

	// A second project, so that the findings are not shared with the
	// baseline's by fingerprint.
	other, err := h.store.CreateProject(ctx, h.org.ID, "vault-again")
	require.NoError(t, err)
	h.project = other
	h.slither.slow(t, 20*time.Second)
	calls := h.slither.calls()
	a := h.submit(foundryProject)
	h.waitFor("slither to be running", 30*time.Second, func() bool { return h.slither.calls() == calls+1 })

	h.stop(pipeline.RoleTools, true)
	killed, err := h.store.GetAnalysis(ctx, h.org.ID, a.ID)
	require.NoError(t, err)
	require.Equal(t, store.StateAnalysing, killed.State, "the analysis waits for the killed run")

	h.slither.fast(t)
	h.start(pipeline.RoleTools)
	done := h.waitEnded(a.ID, time.Minute)
	require.Equal(t, store.StateCompleted, done.State, "error: %s", done.Error)

	t.Run("the killed run was retried by the new worker", func(t *testing.T) {
		for _, r := range done.ToolRuns {
			assert.Equal(t, store.ToolRunSucceeded, r.State, r.Tool)
		}
		// River hands a job interrupted by a shutdown back without
		// counting an attempt; attempted_by records both workers.
		var workers []string
		require.NoError(t, h.pool.QueryRow(ctx, `SELECT attempted_by FROM river_job
			WHERE kind = 'tool_run' AND args->>'analysis_id' = $1 AND args->>'tool' = 'slither'`, a.ID).Scan(&workers))
		assert.Len(t, workers, 2, "the killed worker and the one that finished the job")
		assert.Equal(t, calls+2, h.slither.calls(), "slither ran once more, not more")
	})
	t.Run("the findings are those of an uninterrupted run, none twice", func(t *testing.T) {
		assert.Equal(t, len(wantFindings), len(fingerprints(t, h, a.ID)))
		assert.Equal(t, wantEvidence, evidenceCount(h, a.ID), "no tool's evidence was recorded twice")
	})
}

// TestPostgresRestartDuringRun crashes PostgreSQL while analyses are in
// flight and brings it back: every upload accepted before the crash
// completes once the services have reconnected.
func TestPostgresRestartDuringRun(t *testing.T) {
	pg := testenv.PrivatePostgres(t)
	h := newHarness(t, harnessOptions{dbURL: pg.URL("")})
	h.slither.slow(t, 2*time.Second)
	h.startAll()

	var accepted []store.Analysis
	for range 3 {
		accepted = append(accepted, h.submit(foundryProject))
		// Separate projects: each analysis stores its own findings.
		p, err := h.store.CreateProject(context.Background(), h.org.ID, "p-"+time.Now().Format("150405.000000"))
		require.NoError(t, err)
		h.project = p
	}
	h.waitFor("a tool run in flight", 30*time.Second, func() bool { return h.slither.calls() >= 1 })

	pg.Restart()
	h.slither.fast(t)

	for _, a := range accepted {
		done := h.waitEnded(a.ID, 2*time.Minute)
		assert.Equal(t, store.StateCompleted, done.State, "analysis %s: %s", a.ID, done.Error)
		assert.NotEmpty(t, fingerprints(t, h, a.ID))
	}
	// An upload after the restart runs normally.
	b := h.submit(foundryProject)
	assert.Equal(t, store.StateCompleted, h.waitEnded(b.ID, time.Minute).State)
}

// TestRedisDown stops Redis: analyses still complete (events and the
// result cache degrade, nothing is lost) and both resume when Redis is
// back.
func TestRedisDown(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.startAll()
	ctx := context.Background()
	h.redis.Stop()

	a := h.submit(foundryProject)
	done := h.waitEnded(a.ID, time.Minute)
	require.Equal(t, store.StateCompleted, done.State, "error: %s", done.Error)
	assert.NotEmpty(t, fingerprints(t, h, a.ID))
	// The cache write follows the commit that completed the analysis.
	h.waitFor("the cache failure to be logged", 10*time.Second, func() bool { return strings.Contains(h.logs.String(), "result not cached") })
	assert.Contains(t, h.logs.String(), "status event not published", "the outage was logged")

	h.redis.Start()
	h.waitFor("Redis to answer again", 10*time.Second, func() bool { return h.rdb.Ping(ctx).Err() == nil })
	p, err := h.store.CreateProject(ctx, h.org.ID, "after-outage")
	require.NoError(t, err)
	h.project = p
	b := h.submit(foundryProject)
	require.Equal(t, store.StateCompleted, h.waitEnded(b.ID, time.Minute).State)
	id, ok, err := h.deps.Cache.Get(ctx, h.org.ID, done.SourceHash)
	require.NoError(t, err)
	assert.True(t, ok, "the cache works again once Redis is back")
	assert.Equal(t, b.ID, id)
}

// TestSweepRedrivesALostJob: an analysis whose parse job was lost (deleted
// before anyone worked it) is re-driven by the periodic sweep and
// completes. The sweep runs whichever service's River client leads.
func TestSweepRedrivesALostJob(t *testing.T) {
	h := newHarness(t, harnessOptions{sweepEvery: 200 * time.Millisecond, stuckAfter: 300 * time.Millisecond})
	h.startAll()
	h.stop(pipeline.RoleParser, false)
	a := h.submit(foundryProject)
	_, err := h.pool.Exec(context.Background(), `DELETE FROM river_job WHERE kind = 'parse' AND args->>'analysis_id' = $1`, a.ID)
	require.NoError(t, err)
	h.start(pipeline.RoleParser)

	done := h.waitEnded(a.ID, time.Minute)
	assert.Equal(t, store.StateCompleted, done.State, "error: %s", done.Error)
	assert.Contains(t, h.logs.String(), "stuck analysis re-driven")
}

// TestSweepFailsAnOverdueAnalysis: an analysis stuck for longer than the
// failure deadline is failed with the reason.
func TestSweepFailsAnOverdueAnalysis(t *testing.T) {
	h := newHarness(t, harnessOptions{sweepEvery: 200 * time.Millisecond, stuckAfter: 300 * time.Millisecond})
	h.startAll()
	h.stop(pipeline.RoleParser, false)
	a := h.submit(foundryProject)
	_, err := h.pool.Exec(context.Background(), `UPDATE analyses SET created_at = now() - interval '3 hours' WHERE id = $1`, a.ID)
	require.NoError(t, err)

	done := h.waitEnded(a.ID, time.Minute)
	assert.Equal(t, store.StateFailed, done.State)
	assert.Contains(t, done.Error, "no progress")
}

// TestATimedOutToolLeavesTheOthers: Slither outlives its timeout, its run
// is recorded failed (not retried: it would time out again) and the
// analysis completes with what the engine found.
func TestATimedOutToolLeavesTheOthers(t *testing.T) {
	h := newHarness(t, harnessOptions{toolTimeout: time.Second})
	h.slither.slow(t, 30*time.Second)
	h.startAll()

	a := h.submit(foundryProject)
	done := h.waitEnded(a.ID, time.Minute)
	require.Equal(t, store.StateCompleted, done.State, "error: %s", done.Error)
	for _, r := range done.ToolRuns {
		switch r.Tool {
		case "slither":
			assert.Equal(t, store.ToolRunFailed, r.State)
			assert.Contains(t, r.Error, "deadline")
		case "solsec":
			assert.Equal(t, store.ToolRunSucceeded, r.State)
		}
	}
	assert.Equal(t, 1, h.slither.calls(), "a timeout is not retried")
	fs := h.findings(a.ID)
	require.NotEmpty(t, fs)
	for _, f := range fs {
		assert.Equal(t, []string{"solsec"}, f.Tools, "only the engine's findings: %s", f.Rule.ID)
	}
}

// TestNoToolCompletedFailsTheAnalysis: with Slither the only tool and
// Slither timing out, there is nothing to score and the analysis fails,
// naming each run's outcome.
func TestNoToolCompletedFailsTheAnalysis(t *testing.T) {
	h := newHarness(t, harnessOptions{tools: []string{"slither"}, toolTimeout: time.Second})
	h.slither.slow(t, 30*time.Second)
	h.startAll()

	a := h.submit(foundryProject)
	done := h.waitEnded(a.ID, time.Minute)
	assert.Equal(t, store.StateFailed, done.State)
	assert.Contains(t, done.Error, "no tool completed: slither failed")
}

// TestACrashedToolIsRetried: Slither crashes once (exit 1, no output); the
// run is retried and the second attempt's findings are merged as usual.
func TestACrashedToolIsRetried(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.slither.crashOnce(t)
	h.startAll()

	a := h.submit(foundryProject)
	done := h.waitEnded(a.ID, time.Minute)
	require.Equal(t, store.StateCompleted, done.State, "error: %s", done.Error)
	for _, r := range done.ToolRuns {
		assert.Equal(t, store.ToolRunSucceeded, r.State, r.Tool)
		if r.Tool == "slither" {
			assert.Equal(t, 2, r.Attempt, "the second attempt succeeded")
		}
	}
	assert.Equal(t, 2, h.slither.calls())
	merged := false
	for _, f := range h.findings(a.ID) {
		if f.SWC == "SWC-107" {
			merged = len(f.Tools) == 2
		}
	}
	assert.True(t, merged, "the retried run's findings are merged with the engine's")
}

// TestGracefulShutdown drives the tool-integration client the way its main
// does (pipeline.RunClient): at shutdown a job that finishes within the
// drain completes; one that does not is cancelled and handed back to the
// queue, and another worker completes it.
func TestGracefulShutdown(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for _, role := range []pipeline.Role{pipeline.RoleParser, pipeline.RoleOrchestration, pipeline.RoleScoring} {
		h.start(role)
	}
	runTools := func(drain time.Duration) (context.CancelFunc, chan error) {
		c, err := pipeline.NewWorkerClient(pipeline.RoleTools, h.pool, h.deps, h.configs[pipeline.RoleTools])
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- pipeline.RunClient(c, drain)(ctx) }()
		return cancel, done
	}
	ctx := context.Background()

	t.Run("a job that ends within the drain completes", func(t *testing.T) {
		h.slither.slow(t, time.Second)
		calls := h.slither.calls()
		stop, done := runTools(30 * time.Second)
		a := h.submit(foundryProject)
		h.waitFor("slither to start", 30*time.Second, func() bool { return h.slither.calls() == calls+1 })
		stop()
		require.NoError(t, <-done)
		cur, err := h.store.GetAnalysis(ctx, h.org.ID, a.ID)
		require.NoError(t, err)
		for _, r := range cur.ToolRuns {
			assert.Equal(t, store.ToolRunSucceeded, r.State, "%s finished before the worker stopped", r.Tool)
		}
		assert.Equal(t, store.StateCompleted, h.waitEnded(a.ID, time.Minute).State)
	})
	t.Run("a job still running after the drain is handed back and done by the next worker", func(t *testing.T) {
		p, err := h.store.CreateProject(ctx, h.org.ID, "shutdown")
		require.NoError(t, err)
		h.project = p
		h.slither.slow(t, 30*time.Second)
		calls := h.slither.calls()
		stop, done := runTools(300 * time.Millisecond)
		a := h.submit(foundryProject)
		h.waitFor("slither to start", 30*time.Second, func() bool { return h.slither.calls() == calls+1 })
		stop()
		require.NoError(t, <-done)
		var state string
		require.NoError(t, h.pool.QueryRow(ctx, `SELECT state FROM river_job
			WHERE kind = 'tool_run' AND args->>'analysis_id' = $1 AND args->>'tool' = 'slither'`, a.ID).Scan(&state))
		assert.Equal(t, "available", state, "the interrupted job is back on the queue")

		h.slither.fast(t)
		stop, done = runTools(30 * time.Second)
		defer func() { stop(); <-done }()
		assert.Equal(t, store.StateCompleted, h.waitEnded(a.ID, time.Minute).State)
	})
}

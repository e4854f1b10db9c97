package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/store"
)

const foundryProject = "testdata/foundry"

// TestFoundryProjectEndToEnd uploads the Foundry test project (a vault with
// a reentrancy, a wallet authorising by tx.origin, a remapped library)
// and follows it through the four services to completed.
func TestFoundryProjectEndToEnd(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.startAll()
	ctx := context.Background()

	a := h.submit(foundryProject)
	assert.Equal(t, store.StateQueued, a.State)
	assert.Contains(t, a.Remappings, "solmate/=lib/solmate-lite/src/", "the project's remappings travel with the analysis")

	done := h.waitEnded(a.ID, time.Minute)
	require.Equal(t, store.StateCompleted, done.State, "error: %s", done.Error)
	fs := h.findings(a.ID)

	t.Run("the analysis walks every state and ends at 100 percent", func(t *testing.T) {
		assert.Equal(t, 100, done.Progress)
		for name, at := range map[string]*time.Time{"parsing": done.ParsingAt, "analysing": done.AnalysingAt, "scoring": done.ScoringAt, "finished": done.FinishedAt} {
			assert.NotNil(t, at, "%s time recorded", name)
		}
	})
	t.Run("both tools ran to success", func(t *testing.T) {
		require.Len(t, done.ToolRuns, 2)
		for _, r := range done.ToolRuns {
			assert.Equal(t, store.ToolRunSucceeded, r.State, "%s: %s", r.Tool, r.Error)
			assert.Equal(t, 1, r.Attempt)
			assert.NotEmpty(t, r.Version, r.Tool)
		}
		assert.Equal(t, 1, h.slither.calls())
	})
	t.Run("the parse summary has the import and inheritance graphs", func(t *testing.T) {
		s, err := h.store.GetParseSummary(ctx, h.org.ID, a.ID)
		require.NoError(t, err)
		type edge struct{ From, To string }
		var imports, inheritance struct{ Edges []edge }
		require.NoError(t, json.Unmarshal(s.ImportGraph, &imports))
		require.NoError(t, json.Unmarshal(s.InheritanceGraph, &inheritance))
		assert.Contains(t, imports.Edges, edge{"src/Vault.sol", "lib/solmate-lite/src/Owned.sol"}, "the remapped import resolved")
		assert.Contains(t, inheritance.Edges, edge{"Vault", "Owned"})
		var ast struct{ Contracts []struct{ Name, File string } }
		require.NoError(t, json.Unmarshal(s.ASTSummary, &ast))
		assert.Len(t, ast.Contracts, 4)
	})
	byClass := map[string]store.Finding{}
	for _, f := range fs {
		byClass[f.SWC] = f
	}
	t.Run("the reentrancy both tools found is one finding with both tools' evidence", func(t *testing.T) {
		f, ok := byClass["SWC-107"]
		require.True(t, ok, "a reentrancy finding")
		assert.Equal(t, []string{"slither", "solsec"}, f.Tools)
		assert.Equal(t, "src/Vault.sol", f.File)
		assert.Equal(t, "withdraw", f.Function)
		assert.Len(t, f.Evidence, 2)
		assert.Equal(t, findings.SeverityHigh, f.Severity)
		assert.Greater(t, f.Score, 50.0)
	})
	t.Run("the tx.origin check both tools found is one finding too", func(t *testing.T) {
		f, ok := byClass["SWC-115"]
		require.True(t, ok, "a tx.origin finding")
		assert.Equal(t, []string{"slither", "solsec"}, f.Tools)
		assert.Equal(t, "src/Wallet.sol", f.File)
	})
	t.Run("no finding is stored twice", func(t *testing.T) {
		seen := map[string]bool{}
		for _, f := range fs {
			assert.False(t, seen[f.Fingerprint], "fingerprint %s twice", f.Fingerprint)
			seen[f.Fingerprint] = true
		}
	})
	t.Run("the result is cached for the organisation and source hash", func(t *testing.T) {
		id, ok, err := h.deps.Cache.Get(ctx, h.org.ID, done.SourceHash)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, a.ID, id)
	})
	t.Run("status events tell the whole story in order", func(t *testing.T) {
		backlog, err := events.NewRedis(h.rdb, events.Options{}).History(ctx, h.org.ID, events.ZeroID, 1000)
		require.NoError(t, err)
		var types []events.Type
		var states []string
		last := -1
		for _, e := range backlog.Events {
			assert.Equal(t, a.ID, e.AnalysisID)
			types = append(types, e.Type)
			if e.Type == events.AnalysisStateChanged || e.Type.Terminal() {
				states = append(states, e.State)
			}
			assert.GreaterOrEqual(t, e.Progress, last, "progress never goes back (%s)", e.Type)
			last = e.Progress
		}
		assert.Equal(t, []string{"parsing", "analysing", "scoring", "completed"}, states)
		assert.Contains(t, types, events.ToolRunStarted)
		assert.Contains(t, types, events.ToolRunFinished)
		assert.Equal(t, events.AnalysisCompleted, types[len(types)-1])
	})
	t.Run("the SARIF report validates against the SARIF 2.1.0 structure", func(t *testing.T) {
		doc := sarifOf(t, fs)
		schema := compileSARIFSchema(t)
		require.NoError(t, schema.Validate(doc))
		runs := doc.(map[string]any)["runs"].([]any)
		assert.Len(t, runs[0].(map[string]any)["results"], len(fs))
	})
	t.Run("the metrics count the jobs and tool outcomes", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.deps.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		out := rec.Body
		for _, want := range []string{
			`solsec_job_duration_seconds_count{kind="parse",outcome="completed"} 1`,
			`solsec_job_duration_seconds_count{kind="score",outcome="completed"} 1`,
			`solsec_tool_runs_total{outcome="succeeded",tool="slither"} 1`,
			`solsec_tool_runs_total{outcome="succeeded",tool="solsec"} 1`,
		} {
			assert.Contains(t, out.String(), want)
		}
	})
}

// TestSyntaxErrorsBecomeFindings: a file that does not parse is reported
// as a finding of the parser's own kind, and the rest of the project is
// still analysed.
func TestSyntaxErrorsBecomeFindings(t *testing.T) {
	h := newHarness(t, harnessOptions{tools: []string{"solsec"}})
	h.startAll()
	dir := t.TempDir()
	copyDir(t, foundryProject, dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "src", "Broken.sol"), []byte("pragma solidity ^0.8.24;\ncontract Broken {\n    function f( external {}\n}\n"), 0o644))

	a := h.submit(dir)
	done := h.waitEnded(a.ID, time.Minute)
	require.Equal(t, store.StateCompleted, done.State, "a syntax error does not fail the analysis: %s", done.Error)
	fs := h.findings(a.ID)
	var syntax []store.Finding
	for _, f := range fs {
		if f.Rule.ID == "syntax-error" {
			syntax = append(syntax, f)
		}
	}
	require.Len(t, syntax, 1)
	assert.Equal(t, "src/Broken.sol", syntax[0].File)
	assert.Equal(t, []string{"contract-parser"}, syntax[0].Tools)
	assert.True(t, slices.ContainsFunc(fs, func(f store.Finding) bool { return f.SWC == "SWC-107" }), "the valid files are still analysed")
}

// TestCancelStopsRunningTools cancels an analysis while Slither runs: the
// run is cancelled, its tool stopped, and nothing is scored.
func TestCancelStopsRunningTools(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.slither.slow(t, 30*time.Second)
	h.startAll()
	ctx := context.Background()

	a := h.submit(foundryProject)
	h.waitFor("slither to start", 30*time.Second, func() bool { return h.slither.calls() == 1 })
	started := time.Now()
	c, changed, err := pipeline.CancelAnalysis(ctx, h.store, h.inserts, h.org.ID, a.ID, "cancelled by the test")
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, store.StateCancelled, c.State)

	h.waitFor("every tool run to end", 20*time.Second, func() bool {
		cur, err := h.store.GetAnalysis(ctx, h.org.ID, a.ID)
		require.NoError(t, err)
		for _, r := range cur.ToolRuns {
			if !r.State.Ended() {
				return false
			}
		}
		return len(cur.ToolRuns) == 2
	})
	assert.Less(t, time.Since(started), 25*time.Second, "the slow tool was stopped, not waited for")
	cur, err := h.store.GetAnalysis(ctx, h.org.ID, a.ID)
	require.NoError(t, err)
	assert.Equal(t, store.StateCancelled, cur.State)
	for _, r := range cur.ToolRuns {
		if r.Tool == "slither" {
			assert.Equal(t, store.ToolRunCancelled, r.State)
		}
	}
	assert.Empty(t, h.findings(a.ID), "a cancelled analysis is never scored")
}

func sarifOf(t *testing.T, fs []store.Finding) any {
	t.Helper()
	r := &findings.Report{Tool: findings.Tool{Name: "solsec", Version: "test"}}
	for _, f := range fs {
		r.Findings = append(r.Findings, f.Finding)
	}
	r.Normalize()
	log, err := findings.ToSARIF(r)
	require.NoError(t, err)
	b, err := json.Marshal(log)
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return doc
}

func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-2.1.0-structure.schema.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://solsec.example/schemas/sarif-2.1.0-structure.json"
	require.NoError(t, c.AddResource(url, doc))
	s, err := c.Compile(url)
	require.NoError(t, err)
	return s
}

// TestReanalysisKeepsFindingsAndTriage analyses the same project twice:
// the second analysis reports the same findings, which stay one row each
// (fingerprints are unique per project) and keep the triage a user gave
// them in between; the detector's precision learnt from that triage
// lowers the score.
func TestReanalysisKeepsFindingsAndTriage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.startAll()
	ctx := context.Background()

	first := h.submit(foundryProject)
	require.Equal(t, store.StateCompleted, h.waitEnded(first.ID, time.Minute).State)
	before := h.findings(first.ID)
	var txOrigin store.Finding
	for _, f := range before {
		if f.SWC == "SWC-115" {
			txOrigin = f
		}
	}
	require.NotEmpty(t, txOrigin.ID)
	_, _, err := h.store.TriageFinding(ctx, h.org.ID, store.Triage{FindingID: txOrigin.ID, Actor: "test", Decision: store.StatusFalsePositive, Reason: "EOA-only wallet"})
	require.NoError(t, err)

	// Byte-identical sources would be answered from the cache by the API;
	// Submit goes straight to the pipeline, as an upload with
	// Cache-Control: no-cache does.
	second := h.submit(foundryProject)
	require.Equal(t, store.StateCompleted, h.waitEnded(second.ID, time.Minute).State)
	after := h.findings(second.ID)

	ids := func(fs []store.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		slices.Sort(out)
		return out
	}
	assert.Equal(t, ids(before), ids(after), "the same rows, not new ones")
	page, err := h.store.ListFindings(ctx, h.org.ID, store.FindingFilter{ProjectID: h.project.ID, Limit: store.MaxPageSize})
	require.NoError(t, err)
	assert.Len(t, page.Items, len(before), "the project holds each finding once")
	for _, f := range after {
		assert.Equal(t, first.ID, f.FirstAnalysisID)
		assert.Equal(t, second.ID, f.LastAnalysisID)
		if f.ID == txOrigin.ID {
			assert.Equal(t, store.StatusFalsePositive, f.Status, "triage survives the re-analysis")
			assert.Less(t, f.Score, txOrigin.Score, "a false positive lowers its detectors' precision")
		}
	}
}

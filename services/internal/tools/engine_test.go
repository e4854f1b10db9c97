package tools

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
)

func TestEngineRunsTheBuiltInDetectors(t *testing.T) {
	e := &Engine{Version: "1.2.3"}
	av := e.Detect(context.Background())
	require.True(t, av.Available)
	assert.Equal(t, "1.2.3", av.Version)

	workdir := t.TempDir()
	res, err := e.Run(context.Background(), workdir, projectSources(t))
	require.NoError(t, err)
	assert.Equal(t, StatusCompleted, res.Status)
	assert.Equal(t, "solsec", res.Tool)
	requireValid(t, res.Findings)

	t.Run("reentrancy and tx.origin are found at project-relative paths", func(t *testing.T) {
		got := byID(res.Findings)
		re, ok := got["reentrancy-eth"]
		require.True(t, ok, "findings: %v", ids(res.Findings))
		assert.Equal(t, "contracts/Bank.sol", re.Primary().File)
		assert.Equal(t, "withdraw", re.Function)
		origin, ok := got["tx-origin-auth"]
		require.True(t, ok, "findings: %v", ids(res.Findings))
		assert.Equal(t, 24, origin.Primary().StartLine)
	})
	t.Run("fingerprints are computed from the final paths", func(t *testing.T) {
		for _, f := range res.Findings {
			assert.NotEmpty(t, f.Fingerprint)
		}
		again, err := e.Run(context.Background(), t.TempDir(), projectSources(t))
		require.NoError(t, err)
		assert.Equal(t, fingerprints(res.Findings), fingerprints(again.Findings), "another temporary directory, the same fingerprints")
	})
	t.Run("the working directory is removed", func(t *testing.T) {
		assert.Eventually(t, func() bool { return emptyDir(workdir) }, 5*time.Second, 10*time.Millisecond)
	})
}

func TestEngineReportsSyntaxErrorsAndAnalysesTheRest(t *testing.T) {
	src := append(projectSources(t), Source{Path: "contracts/Broken.sol", Content: []byte("pragma solidity ^0.8.0;\ncontract Broken { function f( }\n")})
	res, err := (&Engine{}).Run(context.Background(), t.TempDir(), src)
	require.NoError(t, err)
	assert.Equal(t, StatusCompleted, res.Status)
	require.NotEmpty(t, res.Errors)
	assert.Equal(t, "contracts/Broken.sol", res.Errors[0].File)
	assert.Contains(t, ids(res.Findings), "reentrancy-eth")
}

func TestEngineRejectsUnsafeSources(t *testing.T) {
	res, err := (&Engine{}).Run(context.Background(), t.TempDir(), Sources{{Path: "../escape.sol", Content: []byte("contract A {}")}})
	require.ErrorIs(t, err, ErrFailed)
	assert.Equal(t, StatusFailed, res.Status)
	assert.Contains(t, res.Reason, "inside the project")
}

func TestEngineHonoursAnExpiredContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := (&Engine{}).Run(ctx, t.TempDir(), projectSources(t))
	// The analysis may win the race on a fast machine; either way the
	// outcome is consistent with the status.
	if err == nil {
		assert.Equal(t, StatusCompleted, res.Status)
		return
	}
	require.ErrorIs(t, err, ErrCanceled)
	assert.Equal(t, StatusCanceled, res.Status)
}

// TestRealSolhint runs Solhint itself when it is installed (npm install -g
// solhint); the test command does not need it.
func TestRealSolhint(t *testing.T) {
	if _, err := exec.LookPath("solhint"); err != nil {
		t.Skip("solhint is not installed; the adapter is covered by testdata/solhint.json")
	}
	tool := NewSolhint(ExternalOptions{Limits: Limits{Timeout: 2 * time.Minute}})
	av := tool.Detect(context.Background())
	require.True(t, av.Available, av.Reason)
	res, err := tool.Run(context.Background(), t.TempDir(), projectSources(t))
	require.NoError(t, err, "stderr: %s", res.StderrTail)
	requireValid(t, res.Findings)
	assert.Contains(t, ids(res.Findings), "avoid-tx-origin")
}

func ids(fs []findings.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func fingerprints(fs []findings.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Fingerprint)
	}
	return out
}

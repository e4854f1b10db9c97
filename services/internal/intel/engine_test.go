package intel

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/tools"
)

// TestEngineOnFourTools runs the built-in engine on the tools package's
// sample project and merges its findings with the Slither, Mythril and
// Solhint samples written for that project.
func TestEngineOnFourTools(t *testing.T) {
	ctx := context.Background()
	projectDir := filepath.Join("..", "tools", "testdata", "project")
	sources, err := tools.ReadSources(projectDir)
	require.NoError(t, err)

	engineRun, err := (&tools.Engine{}).Run(ctx, t.TempDir(), sources)
	require.NoError(t, err)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "tools", "testdata", name))
		require.NoError(t, err)
		return b
	}
	slither, err := tools.ParseSlither(read("slither.json"))
	require.NoError(t, err)
	mythril, _, err := tools.ParseMythril(read("mythril.json"))
	require.NoError(t, err)
	solhint, err := tools.ParseSolhint(read("solhint.json"))
	require.NoError(t, err)
	obs := FromResults(engineRun,
		tools.Result{Tool: "slither", Findings: tools.Enrich(slither, sources)},
		tools.Result{Tool: "mythril", Findings: tools.Enrich(mythril, sources)},
		tools.Result{Tool: "solhint", Findings: tools.Enrich(solhint, sources)},
	)

	index, err := IndexSources(t.TempDir(), sources, analysis.LoadOptions{})
	require.NoError(t, err)
	store := &MemoryStore{}
	e := &Engine{Store: store}
	fs, err := e.Process(ctx, obs, index)
	require.NoError(t, err)

	byClass := map[string]Finding{}
	evidence := 0
	for _, f := range fs {
		evidence += len(f.Evidence)
		if _, dup := byClass[f.Class]; !dup || len(f.Tools) > len(byClass[f.Class].Tools) {
			byClass[f.Class] = f
		}
		require.NoError(t, f.Finding.Validate())
	}
	t.Run("reentrancy in withdraw merges three tools' evidence", func(t *testing.T) {
		f := byClass["SWC-107"]
		assert.Equal(t, []string{"mythril", "slither", "solsec"}, f.Tools)
		assert.Equal(t, "withdraw", f.Function)
		assert.Nil(t, f.Suppression, "the write after the call is real")
		assert.Greater(t, f.Score, 60.0)
	})
	t.Run("tx.origin authorisation merges four tools and is not excused", func(t *testing.T) {
		f := byClass["SWC-115"]
		assert.Equal(t, []string{"mythril", "slither", "solhint", "solsec"}, f.Tools)
		assert.Nil(t, f.Suppression)
	})
	t.Run("no observation is lost", func(t *testing.T) {
		assert.Equal(t, len(obs), evidence)
	})
	t.Run("triage of the merged finding updates every tool's detector", func(t *testing.T) {
		f := byClass["SWC-115"]
		require.NoError(t, RecordTriage(ctx, store, &f, DecisionNone, DecisionFalsePositive))
		again, err := e.Process(ctx, obs, index)
		require.NoError(t, err)
		found := false
		for _, g := range again {
			if g.Fingerprint == f.Fingerprint {
				found = true
				assert.Less(t, g.Score, f.Score)
				for _, d := range g.ScoreDetail.Detectors {
					assert.Less(t, d.Mean, DefaultModel().PriorMean[d.Confidence], d.Tool)
				}
			}
		}
		assert.True(t, found, "the finding keeps its fingerprint across runs")
	})
}

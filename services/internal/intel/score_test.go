package intel

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
)

func scoreOf(t *testing.T, m Model, counts map[DetectorKey]Counts, obs ...Observation) Finding {
	t.Helper()
	fs := Merge(obs)
	require.Len(t, fs, 1)
	m.Score(fs, counts)
	return fs[0]
}

func TestAgreementRaisesTheScore(t *testing.T) {
	m := DefaultModel()
	for _, s := range findings.Severities {
		for _, c := range []findings.Confidence{findings.ConfidenceLow, findings.ConfidenceMedium, findings.ConfidenceHigh} {
			t.Run("for a "+s.String()+" finding of "+c.String()+" confidence", func(t *testing.T) {
				one := ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18, sev(s), conf(c))
				two := ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 16, 21, sev(s), conf(findings.ConfidenceLow))
				three := ob("mythril", "state-access-after-external-call", "SWC-107", "src/Vault.sol", 20, 20, sev(s), conf(findings.ConfidenceLow))
				s1 := scoreOf(t, m, nil, one).Score
				s2 := scoreOf(t, m, nil, one, two).Score
				s3 := scoreOf(t, m, nil, one, two, three).Score
				assert.Greater(t, s2, s1)
				assert.Greater(t, s3, s2)
				assert.LessOrEqual(t, s3, 100.0)
			})
		}
	}
	t.Run("a second detector of the same tool is not agreement", func(t *testing.T) {
		one := ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18)
		same := ob("solsec", "reentrancy-no-eth", "SWC-107", "src/Vault.sol", 18, 18, conf(findings.ConfidenceLow))
		assert.Equal(t, scoreOf(t, m, nil, one).Score, scoreOf(t, m, nil, one, same).Score)
	})
}

func TestTriageMovesTheScore(t *testing.T) {
	ctx := context.Background()
	m := DefaultModel()
	store := &MemoryStore{}
	obs := []Observation{
		ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18),
		ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 16, 21),
	}
	current := func() Finding {
		fs := Merge(obs)
		counts, err := store.Load(ctx, keysOf(fs))
		require.NoError(t, err)
		m.Score(fs, counts)
		return fs[0]
	}
	start := current()

	t.Run("each false positive lowers the score", func(t *testing.T) {
		prev := start.Score
		for i := range 5 {
			f := current()
			require.NoError(t, RecordTriage(ctx, store, &f, DecisionNone, DecisionFalsePositive))
			now := current().Score
			assert.Less(t, now, prev, "after %d false positives", i+1)
			prev = now
		}
	})
	t.Run("confirmations raise it again", func(t *testing.T) {
		before := current().Score
		f := current()
		require.NoError(t, RecordTriage(ctx, store, &f, DecisionNone, DecisionConfirmed))
		assert.Greater(t, current().Score, before)
		f = current()
		require.NoError(t, RecordTriage(ctx, store, &f, DecisionNone, DecisionFixed))
		counts, err := store.Load(ctx, []DetectorKey{{"slither", "reentrancy-eth"}})
		require.NoError(t, err)
		assert.Equal(t, Counts{Confirmed: 2, FalsePositive: 5}, counts[DetectorKey{"slither", "reentrancy-eth"}], "fixed counts as confirmed")
	})
	t.Run("changing a decision takes the old verdict back", func(t *testing.T) {
		f := current()
		require.NoError(t, RecordTriage(ctx, store, &f, DecisionConfirmed, DecisionFalsePositive))
		counts, err := store.Load(ctx, []DetectorKey{{"solsec", "reentrancy-eth"}})
		require.NoError(t, err)
		assert.Equal(t, Counts{Confirmed: 1, FalsePositive: 6}, counts[DetectorKey{"solsec", "reentrancy-eth"}])
	})
	t.Run("a suppression teaches nothing", func(t *testing.T) {
		deltas, err := TriageDelta([]DetectorKey{{"a", "b"}}, DecisionNone, DecisionSuppressed)
		require.NoError(t, err)
		assert.Empty(t, deltas)
	})
	t.Run("an unknown decision is an error", func(t *testing.T) {
		_, err := TriageDelta(nil, DecisionNone, "maybe")
		assert.ErrorContains(t, err, `unknown triage decision "maybe"`)
	})
	t.Run("the store refuses to go below zero and applies nothing then", func(t *testing.T) {
		err := store.Add(ctx, map[DetectorKey]Counts{
			{"solsec", "reentrancy-eth"}: {Confirmed: 1},
			{"nobody", "never"}:          {FalsePositive: -1},
		})
		require.ErrorContains(t, err, "negative")
		counts, err := store.Load(ctx, []DetectorKey{{"solsec", "reentrancy-eth"}, {"nobody", "never"}})
		require.NoError(t, err)
		assert.Equal(t, Counts{Confirmed: 1, FalsePositive: 6}, counts[DetectorKey{"solsec", "reentrancy-eth"}])
		assert.NotContains(t, counts, DetectorKey{"nobody", "never"})
	})
}

func TestScoreOrdersBySeverityAndConfidence(t *testing.T) {
	m := DefaultModel()
	score := func(s findings.Severity, c findings.Confidence) float64 {
		return scoreOf(t, m, nil, ob("solsec", "x", "SWC-107", "a.sol", 1, 1, sev(s), conf(c))).Score
	}
	t.Run("a more severe finding scores higher", func(t *testing.T) {
		assert.Greater(t, score(findings.SeverityHigh, findings.ConfidenceLow), score(findings.SeverityMedium, findings.ConfidenceLow))
		assert.Greater(t, score(findings.SeverityMedium, findings.ConfidenceLow), score(findings.SeverityLow, findings.ConfidenceLow))
		assert.Greater(t, score(findings.SeverityLow, findings.ConfidenceLow), score(findings.SeverityInformational, findings.ConfidenceLow))
	})
	t.Run("a more confident detector scores higher", func(t *testing.T) {
		assert.Greater(t, score(findings.SeverityHigh, findings.ConfidenceHigh), score(findings.SeverityHigh, findings.ConfidenceMedium))
		assert.Greater(t, score(findings.SeverityHigh, findings.ConfidenceMedium), score(findings.SeverityHigh, findings.ConfidenceLow))
	})
}

// TestWorkedExample is the example of docs/scoring.md, so that the
// document cannot drift from the code.
func TestWorkedExample(t *testing.T) {
	f := scoreOf(t, DefaultModel(), map[DetectorKey]Counts{{"slither", "reentrancy-eth"}: {Confirmed: 3, FalsePositive: 7}},
		ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 16, 21, sev(findings.SeverityHigh)),
		ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18, sev(findings.SeverityHigh)),
	)
	d := f.ScoreDetail
	require.Len(t, d.Detectors, 2)
	assert.Equal(t, "solsec", d.Detectors[0].Tool)
	assert.InDelta(t, 0.6, d.Detectors[0].Mean, 1e-9)
	assert.InDelta(t, 5.4, d.Detectors[1].Alpha, 1e-9)
	assert.InDelta(t, 8.6, d.Detectors[1].Beta, 1e-9)
	assert.InDelta(t, 0.3857, d.Detectors[1].Mean, 1e-4)
	assert.InDelta(t, 0.6865, d.Probability, 1e-4)
	assert.Equal(t, 68.65, f.Score)
}

func TestModelValidate(t *testing.T) {
	require.NoError(t, DefaultModel().Validate())
	bad := DefaultModel()
	bad.AgreementWeight = 0
	bad.PriorStrength = -1
	err := bad.Validate()
	assert.ErrorContains(t, err, "agreement weight")
	assert.ErrorContains(t, err, "prior strength")
	_, err = (&Engine{Model: bad}).Process(context.Background(), nil, nil)
	assert.ErrorContains(t, err, "scoring model")
}

package intel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
)

// ob builds an observation: tool, detector, SWC, file and line range; the
// rest is filled with plausible values that o can override.
func ob(tool, detector, swc, file string, start, end int, opts ...func(*findings.Finding)) Observation {
	f := findings.Finding{
		Rule: findings.Rule{
			ID: detector, Title: detector, Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium,
			SWC: swc, DASP: "",
		},
		Message:  detector + " at line " + itoa(start),
		Contract: "Vault", Function: "withdraw",
		Locations: []findings.Location{{
			File: file, StartLine: start, StartColumn: 5, EndLine: end, EndColumn: 6,
			StartOffset: start * 40, EndOffset: end*40 + 5,
		}},
	}
	for _, o := range opts {
		o(&f)
	}
	return Observation{Tool: tool, Finding: f}
}

func sev(s findings.Severity) func(*findings.Finding) {
	return func(f *findings.Finding) { f.Severity = s }
}

func conf(c findings.Confidence) func(*findings.Finding) {
	return func(f *findings.Finding) { f.Confidence = c }
}

func in(contract, function string) func(*findings.Finding) {
	return func(f *findings.Finding) { f.Contract, f.Function = contract, function }
}

// itoa pads to three digits so that line numbers sort as text.
func itoa(n int) string { return fmt.Sprintf("%03d", n) }

func TestMerge(t *testing.T) {
	cases := []struct {
		name      string
		obs       []Observation
		wantTools [][]string // per merged finding, in output order
		wantClass []string
	}{
		{
			name: "two tools reporting reentrancy on overlapping lines give one finding with both tools' evidence",
			obs: []Observation{
				ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18),
				ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 16, 21),
			},
			wantTools: [][]string{{"slither", "solsec"}},
			wantClass: []string{"SWC-107"},
		},
		{
			name: "the same class on lines that do not overlap stays two findings",
			obs: []Observation{
				ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 10, 12),
				ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 20, 22),
			},
			wantTools: [][]string{{"solsec"}, {"slither"}},
			wantClass: []string{"SWC-107", "SWC-107"},
		},
		{
			name: "different classes at the same place stay apart",
			obs: []Observation{
				ob("solsec", "tx-origin-auth", "SWC-115", "src/Vault.sol", 24, 24),
				ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 24, 24),
			},
			wantTools: [][]string{{"slither"}, {"solsec"}},
			wantClass: []string{"SWC-107", "SWC-115"},
		},
		{
			name: "the same class and lines in different files stay apart",
			obs: []Observation{
				ob("solsec", "reentrancy-eth", "SWC-107", "src/A.sol", 18, 18),
				ob("slither", "reentrancy-eth", "SWC-107", "src/B.sol", 18, 18),
			},
			wantTools: [][]string{{"solsec"}, {"slither"}},
			wantClass: []string{"SWC-107", "SWC-107"},
		},
		{
			name: "findings without SWC merge through the classification table",
			obs: []Observation{
				ob("slither", "naming-convention", "", "src/Vault.sol", 7, 7),
				ob("solhint", "var-name-mixedcase", "", "src/Vault.sol", 7, 7),
			},
			wantTools: [][]string{{"slither", "solhint"}},
			wantClass: []string{"naming"},
		},
		{
			name: "unknown detectors of different tools never merge, even with the same id",
			obs: []Observation{
				ob("slither", "mystery", "", "src/Vault.sol", 7, 7),
				ob("solhint", "mystery", "", "src/Vault.sol", 7, 7),
			},
			wantTools: [][]string{{"slither"}, {"solhint"}},
			wantClass: []string{"slither:mystery", "solhint:mystery"},
		},
		{
			name: "a chain of overlaps merges transitively",
			obs: []Observation{
				ob("solsec", "calls-in-loop", "SWC-113", "src/Vault.sol", 10, 12),
				ob("slither", "calls-loop", "SWC-113", "src/Vault.sol", 12, 14),
				ob("mythril", "multiple-calls-in-a-single-transaction", "SWC-113", "src/Vault.sol", 14, 16),
			},
			wantTools: [][]string{{"mythril", "slither", "solsec"}},
			wantClass: []string{"SWC-113"},
		},
		{
			name: "an exact repeat of one tool's finding counts once",
			obs: []Observation{
				ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18),
				ob("solsec", "reentrancy-eth", "SWC-107", "./src/Vault.sol", 18, 18),
			},
			wantTools: [][]string{{"solsec"}},
			wantClass: []string{"SWC-107"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Merge(tc.obs)
			require.Len(t, got, len(tc.wantTools))
			evidence := 0
			for i, f := range got {
				assert.Equal(t, tc.wantTools[i], f.Tools, "finding %d", i)
				assert.Equal(t, tc.wantClass[i], f.Class, "finding %d", i)
				assert.NotEmpty(t, f.Fingerprint)
				require.NoError(t, f.Finding.Validate())
				evidence += len(f.Evidence)
			}
			if tc.name != "an exact repeat of one tool's finding counts once" {
				assert.Equal(t, len(tc.obs), evidence, "every observation is kept as evidence")
			} else {
				assert.Equal(t, 1, evidence)
			}
		})
	}
}

func TestMergeKeepsEveryToolsEvidenceAndPicksTheMostSevereAsRepresentative(t *testing.T) {
	got := Merge([]Observation{
		ob("mythril", "state-access-after-external-call", "SWC-107", "src/Vault.sol", 20, 20, sev(findings.SeverityMedium), conf(findings.ConfidenceHigh)),
		ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 16, 21, sev(findings.SeverityHigh), conf(findings.ConfidenceMedium)),
		ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18, sev(findings.SeverityHigh), conf(findings.ConfidenceMedium)),
	})
	require.Len(t, got, 1)
	f := got[0]
	assert.Equal(t, findings.SeverityHigh, f.Severity)
	assert.Equal(t, "solsec", f.Evidence[2].Tool)
	assert.Equal(t, 18, f.Primary().StartLine, "the narrower of the two high findings represents the merge")
	require.Len(t, f.Evidence, 3)
	m := f.Evidence[0]
	assert.Equal(t, "mythril", m.Tool)
	assert.Equal(t, "state-access-after-external-call", m.Detector)
	assert.Equal(t, findings.SeverityMedium, m.Severity, "evidence keeps the severity the tool reported")
	assert.Equal(t, findings.ConfidenceHigh, m.Confidence)
	assert.Equal(t, 20, m.Location.StartLine)
	assert.Equal(t, []DetectorKey{
		{"mythril", "state-access-after-external-call"}, {"slither", "reentrancy-eth"}, {"solsec", "reentrancy-eth"},
	}, f.DetectorKeys())
}

func TestMergeIsDeterministic(t *testing.T) {
	obs := []Observation{
		ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18),
		ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 16, 21),
		ob("mythril", "external-call-to-user-supplied-address", "SWC-107", "src/Vault.sol", 18, 18, sev(findings.SeverityLow)),
		ob("solhint", "avoid-tx-origin", "SWC-115", "src/Vault.sol", 30, 30),
		ob("slither", "tx-origin", "SWC-115", "src/Vault.sol", 29, 32),
		ob("solsec", "calls-in-loop", "SWC-113", "src/Pay.sol", 5, 7),
		ob("slither", "naming-convention", "", "src/Pay.sol", 2, 2),
		ob("solhint", "func-name-mixedcase", "", "src/Pay.sol", 2, 2),
		ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 40, 40),
	}
	want := Merge(obs)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		shuffled := slices.Clone(obs)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		assert.Equal(t, want, Merge(shuffled), "permutation %d", i)
	}
	t.Run("output is ordered by file and line", func(t *testing.T) {
		var order []string
		for _, f := range want {
			order = append(order, f.Primary().File+":"+itoa(firstLine(f))+":"+f.Class)
		}
		assert.Equal(t, []string{
			"src/Pay.sol:002:naming", "src/Pay.sol:005:SWC-113",
			"src/Vault.sol:016:SWC-107", "src/Vault.sol:029:SWC-115", "src/Vault.sol:040:SWC-107",
		}, order)
	})
}

func TestMergedFingerprints(t *testing.T) {
	base := ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18)
	alone := Merge([]Observation{base})[0].Fingerprint

	t.Run("another tool joining does not change the fingerprint", func(t *testing.T) {
		joined := Merge([]Observation{base, ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 16, 21, sev(findings.SeverityHigh))})
		require.Len(t, joined, 1)
		assert.Equal(t, alone, joined[0].Fingerprint)
	})
	t.Run("lines added above the function do not change it", func(t *testing.T) {
		moved := ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 25, 25)
		assert.Equal(t, alone, Merge([]Observation{moved})[0].Fingerprint)
	})
	t.Run("two findings of one class in one function get distinct fingerprints", func(t *testing.T) {
		two := Merge([]Observation{base, ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 30, 30)})
		require.Len(t, two, 2)
		assert.Equal(t, alone, two[0].Fingerprint)
		assert.NotEqual(t, two[0].Fingerprint, two[1].Fingerprint)
	})
	t.Run("another function gives another fingerprint", func(t *testing.T) {
		other := ob("solsec", "reentrancy-eth", "SWC-107", "src/Vault.sol", 18, 18, in("Vault", "deposit"))
		assert.NotEqual(t, alone, Merge([]Observation{other})[0].Fingerprint)
	})
}

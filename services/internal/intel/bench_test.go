package intel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/solsec/platform/services/internal/findings"
)

// benchObservations generates n observations shaped like a large
// multi-tool analysis: 200 files of up to 2,000 lines, four tools, classes
// drawn from the common SWC entries and two SWC-less classes, clusters of
// one to four tools reporting overlapping spans around the same line.
func benchObservations(n int) []Observation {
	rng := rand.New(rand.NewPCG(42, 7))
	type det struct{ tool, id, swc string }
	dets := []det{
		{"solsec", "reentrancy-eth", "SWC-107"}, {"slither", "reentrancy-eth", "SWC-107"}, {"mythril", "state-access-after-external-call", "SWC-107"},
		{"solsec", "tx-origin-auth", "SWC-115"}, {"slither", "tx-origin", "SWC-115"}, {"solhint", "avoid-tx-origin", "SWC-115"},
		{"solsec", "unchecked-low-level-call", "SWC-104"}, {"slither", "unchecked-lowlevel", "SWC-104"},
		{"solsec", "timestamp-dependence", "SWC-116"}, {"slither", "timestamp", "SWC-116"}, {"solhint", "not-rely-on-time", "SWC-116"},
		{"solsec", "calls-in-loop", "SWC-113"}, {"slither", "calls-loop", "SWC-113"},
		{"mythril", "integer-arithmetic-bugs", "SWC-101"}, {"solsec", "unchecked-arithmetic", "SWC-101"},
		{"slither", "naming-convention", ""}, {"solhint", "var-name-mixedcase", ""},
		{"slither", "locked-ether", ""}, {"solsec", "locked-ether", ""},
	}
	out := make([]Observation, 0, n)
	for len(out) < n {
		file := fmt.Sprintf("src/C%03d.sol", rng.IntN(200))
		line := 1 + rng.IntN(2000)
		first := rng.IntN(len(dets))
		for k := range 1 + rng.IntN(4) {
			if len(out) == n {
				break
			}
			d := dets[(first+k)%len(dets)]
			if d.swc != dets[first].swc {
				d = dets[first]
			}
			start := line + rng.IntN(3) - 1
			end := start + rng.IntN(6)
			out = append(out, Observation{Tool: d.tool, Finding: findings.Finding{
				Rule: findings.Rule{ID: d.id, Title: d.id, SWC: d.swc,
					Severity: findings.Severity(1 + rng.IntN(4)), Confidence: findings.Confidence(1 + rng.IntN(3))},
				Message:   fmt.Sprintf("%s in f%d", d.id, line/40),
				Contract:  "C",
				Function:  fmt.Sprintf("f%d", line/40),
				Locations: []findings.Location{{File: file, StartLine: max(start, 1), StartColumn: 5, EndLine: max(end, 1), EndColumn: 9, StartOffset: max(start, 1) * 40, EndOffset: max(end, 1)*40 + 8}},
			}})
		}
	}
	return out
}

// BenchmarkMergeAndScore10k measures the whole intelligence step on 10,000
// observations: merging, the path-only filters (no project parsed) and
// scoring with triage counts loaded from the in-memory store.
func BenchmarkMergeAndScore10k(b *testing.B) {
	obs := benchObservations(10_000)
	store := &MemoryStore{}
	ctx := context.Background()
	// Some detectors have a triage history, as in production.
	if err := store.Add(ctx, map[DetectorKey]Counts{
		{"slither", "reentrancy-eth"}:  {Confirmed: 12, FalsePositive: 30},
		{"solhint", "avoid-tx-origin"}: {Confirmed: 2, FalsePositive: 9},
		{"solsec", "reentrancy-eth"}:   {Confirmed: 20, FalsePositive: 4},
	}); err != nil {
		b.Fatal(err)
	}
	e := &Engine{Store: store}
	var merged int
	b.ReportAllocs()
	for b.Loop() {
		fs, err := e.Process(ctx, obs, nil)
		if err != nil {
			b.Fatal(err)
		}
		merged = len(fs)
	}
	b.ReportMetric(float64(merged), "merged")
}

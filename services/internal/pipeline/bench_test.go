package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/upload"
)

// BenchmarkSingleFileAnalysis measures the end-to-end time of a
// single-file analysis: from the upload's transaction (analysis row and
// parse job) to the analysis completed, through the four services, each
// with its own River client on one PostgreSQL, as deployed. Each
// iteration uploads a variant of the file (a distinct comment), so that
// no iteration is answered by an earlier one's findings.
//
// ns/op is the mean; p50-ms, p95-ms and max-ms are the distribution;
// queued-ms, parsing-ms, analysing-ms and scoring-ms are the mean time in
// each state, from the analysis' own timestamps (database clock).
// docs/benchmarks.md records a run (bench/pipeline/run.sh).
func BenchmarkSingleFileAnalysis(b *testing.B) {
	src, err := os.ReadFile("testdata/single/Bank.sol")
	require.NoError(b, err)
	for _, tc := range []struct {
		name  string
		tools []string
	}{
		{"engine", []string{"solsec"}},
		{"engine+slither", []string{"solsec", "slither"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHarness(b, harnessOptions{tools: tc.tools})
			h.startAll()
			ctx := context.Background()
			var took []time.Duration
			// Time spent in each state, summed: where the end-to-end time
			// goes (queued: waiting for the parser to pick the job up).
			var queued, parsing, analysing, scoring time.Duration
			i := 0
			for b.Loop() {
				i++
				body := append(slices.Clone(src), fmt.Sprintf("\n// variant %d of %s\n", i, b.Name())...)
				bundle, err := upload.FromFiles([]upload.File{{Name: "Bank.sol", Data: body}}, upload.Limits{})
				require.NoError(b, err)
				start := time.Now()
				a, _, err := submitBundle(h, bundle)
				require.NoError(b, err)
				for {
					cur, err := h.store.GetAnalysis(ctx, h.org.ID, a.ID)
					require.NoError(b, err)
					if cur.State.Terminal() {
						require.Equal(b, store.StateCompleted, cur.State, cur.Error)
						queued += cur.ParsingAt.Sub(cur.QueuedAt)
						parsing += cur.AnalysingAt.Sub(*cur.ParsingAt)
						analysing += cur.ScoringAt.Sub(*cur.AnalysingAt)
						scoring += cur.FinishedAt.Sub(*cur.ScoringAt)
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			pct := func(p float64) float64 {
				return float64(took[min(len(took)-1, int(float64(len(took))*p))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
			mean := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(len(took)) }
			b.ReportMetric(mean(queued), "queued-ms")
			b.ReportMetric(mean(parsing), "parsing-ms")
			b.ReportMetric(mean(analysing), "analysing-ms")
			b.ReportMetric(mean(scoring), "scoring-ms")
		})
	}
}

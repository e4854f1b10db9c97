package webui_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/solsec/platform/services/internal/webui"
	"github.com/solsec/platform/services/internal/webui/webuitest"
)

// BenchmarkPages measures what a signed-in user waits for on the heaviest
// pages, front end and fake API together on loopback: the findings list of
// an analysis with 500 findings (two API reads of every page of findings,
// sorting, rendering) and the dashboard over 20 completed analyses (one
// list, a detail and the findings of each). docs/benchmarks.md records a
// run.
func BenchmarkPages(b *testing.B) {
	h := newHarness(b, webui.UploadLimits{})
	h.signIn(alice)
	var id string
	for range 20 {
		id = h.completedAnalysis()
	}
	for i := range 497 {
		h.api.AddFinding(webuitest.Finding{
			ID: fmt.Sprintf("fd_bench_%04d", i), OrgID: alice.OrgID, Detector: fmt.Sprintf("detector-%d", i%25),
			Title: "Benchmark finding", Severity: []string{"high", "medium", "low", "informational"}[i%4], Confidence: "medium",
			Message: "a message of ordinary length that names a variable and a function", File: fmt.Sprintf("src/F%d.sol", i%40),
			Tools: []string{"solsec"}, Score: float64(i % 100), Status: "open", LastAnalysisID: id,
			CreatedAt: time.Now(), UpdatedAt: time.Now(),
		})
	}
	for name, page := range map[string]string{"findings-500": "/findings/analyses/" + id, "dashboard-20-analyses": "/dashboard"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				resp, _ := h.get(page)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", page, resp.StatusCode)
				}
			}
		})
	}
}

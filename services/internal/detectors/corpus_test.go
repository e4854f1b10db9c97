package detectors

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
)

// ozCorpus finds the OpenZeppelin Contracts sources installed by
// `npm install --prefix DIR @openzeppelin/contracts@5.7.0`: SOLSEC_OZ names
// the package directory (or DIR). The corpus is never committed.
func ozCorpus(t *testing.T) string {
	dir := os.Getenv("SOLSEC_OZ")
	if dir == "" {
		t.Skip("SOLSEC_OZ not set (path to an installed @openzeppelin/contracts)")
	}
	if nested := filepath.Join(dir, "node_modules", "@openzeppelin", "contracts"); dirExists(nested) {
		dir = nested
	}
	if !dirExists(dir) {
		t.Skipf("%s does not exist", dir)
	}
	return dir
}

func dirExists(d string) bool {
	st, err := os.Stat(d)
	return err == nil && st.IsDir()
}

// TestOpenZeppelinHasNoHighFindings runs every detector over audited code:
// high-severity findings there are false positives (the corpus has no known
// high-severity issue), so any is a regression. It logs counts per detector.
func TestOpenZeppelinHasNoHighFindings(t *testing.T) {
	dir := ozCorpus(t)
	start := time.Now()
	p, err := analysis.Load([]string{dir}, analysis.LoadOptions{})
	require.NoError(t, err)
	loaded := time.Since(start)
	fs := Run(p, Options{})
	t.Logf("%d files, %d contracts: load+analyse %v, detect %v", len(p.Files), len(p.Contracts), loaded, time.Since(start)-loaded)
	assert.Empty(t, p.Diagnostics, "the corpus loads without diagnostics")

	counts := map[string]int{}
	var high []string
	for _, f := range fs {
		counts[f.Severity.String()+" "+f.ID]++
		if f.Severity == findings.SeverityHigh {
			high = append(high, f.Primary().File+":"+strconv.Itoa(f.Primary().StartLine)+": "+f.ID+": "+f.Message)
		}
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("\n  " + k + ": " + strconv.Itoa(counts[k]))
	}
	t.Log("findings by severity and detector:" + b.String())
	assert.Empty(t, high, "high-severity findings on OpenZeppelin")
}

// BenchmarkOpenZeppelin measures load + analysis + every detector on the
// OpenZeppelin corpus (SOLSEC_OZ), the "well under 1 s on 2 cores".
//
//	SOLSEC_OZ=/tmp/oz GOMAXPROCS=2 go test ./services/internal/detectors -run '^$' -bench OpenZeppelin
func BenchmarkOpenZeppelin(b *testing.B) {
	dir := os.Getenv("SOLSEC_OZ")
	if dir == "" {
		b.Skip("SOLSEC_OZ not set")
	}
	if nested := filepath.Join(dir, "node_modules", "@openzeppelin", "contracts"); dirExists(nested) {
		dir = nested
	}
	for b.Loop() {
		p, err := analysis.Load([]string{dir}, analysis.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		Run(p, Options{})
	}
}

package detectors

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
)

// swcCase is one labelled sample of the SWC registry data set: a directory
// with a YAML file describing the weaknesses of the contracts beside it.
type swcCase struct {
	dir    string
	issues []swcIssue
	clean  bool // every issue entry has count 0
}

// swcIssue is one labelled location: a weakness at any of lines of file.
type swcIssue struct {
	swc   string
	file  string
	lines []int
}

var (
	yamlID    = regexp.MustCompile(`^\s*-?\s*id:\s*(SWC-\d+)`)
	yamlCount = regexp.MustCompile(`^\s*count:\s*(\d+)`)
	yamlLines = regexp.MustCompile(`^\s*([^\s:]+\.sol):\s*\[([\d,\s]*)\]`)
)

// readSWCYAML reads the subset of the registry's YAML the labels use: issue
// ids, counts, and `file.sol: [lines]` entries. Each entry is one issue.
func readSWCYAML(path string) (swcCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return swcCase{}, err
	}
	c := swcCase{dir: filepath.Dir(path), clean: true}
	cur := ""
	for _, line := range strings.Split(string(data), "\n") {
		if m := yamlID.FindStringSubmatch(line); m != nil {
			cur = m[1]
			continue
		}
		if m := yamlCount.FindStringSubmatch(line); m != nil && m[1] != "0" {
			c.clean = false
			continue
		}
		if m := yamlLines.FindStringSubmatch(line); m != nil && cur != "" {
			is := swcIssue{swc: cur, file: m[1]}
			for _, f := range strings.Split(m[2], ",") {
				if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
					is.lines = append(is.lines, n)
				}
			}
			c.issues = append(c.issues, is)
		}
	}
	return c, nil
}

func datasetDir(t *testing.T) string {
	dir := os.Getenv("SOLSEC_DATASETS")
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		// services/internal/detectors -> repository root -> ../shared/datasets
		dir = filepath.Join(wd, "..", "..", "..", "..", "shared", "datasets")
	}
	dir = filepath.Join(dir, "swc-registry")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("SWC registry data set not found at %s (set SOLSEC_DATASETS)", dir)
	}
	return dir
}

// TestSWCRegistryDetection measures recall on the labelled weaknesses of the
// SWC registry and the share of clean samples with any high or medium
// finding, and fails below 80% recall or above 10% noisy clean files.
func TestSWCRegistryDetection(t *testing.T) {
	root := datasetDir(t)
	var yamls []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			yamls = append(yamls, path)
		}
		return err
	}))
	slices.Sort(yamls)
	require.NotEmpty(t, yamls)

	type tally struct{ labelled, found int }
	perSWC := map[string]*tally{}
	cleanFiles, noisyClean := 0, 0
	var missed, noisy []string
	for _, y := range yamls {
		c, err := readSWCYAML(y)
		require.NoError(t, err)
		p, err := analysis.Load([]string{c.dir}, analysis.LoadOptions{})
		require.NoError(t, err, c.dir)
		fs := Run(p, Options{})
		if c.clean {
			cleanFiles++
			for _, f := range fs {
				if f.Severity >= findings.SeverityMedium {
					noisyClean++
					noisy = append(noisy, fmt.Sprintf("%s: %s line %d: %s", rel(root, c.dir), f.ID, f.Primary().StartLine, f.Message))
					break
				}
			}
			continue
		}
		for _, is := range c.issues {
			tl := perSWC[is.swc]
			if tl == nil {
				tl = &tally{}
				perSWC[is.swc] = tl
			}
			tl.labelled++
			if detected(fs, is) {
				tl.found++
			} else {
				missed = append(missed, fmt.Sprintf("%s %s/%s:%v", is.swc, rel(root, c.dir), is.file, is.lines))
			}
		}
	}
	var ids []string
	labelled, found := 0, 0
	for id, tl := range perSWC {
		ids = append(ids, id)
		labelled += tl.labelled
		found += tl.found
	}
	slices.Sort(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "\n| SWC | labelled | detected | recall |\n|---|---:|---:|---:|\n")
	for _, id := range ids {
		tl := perSWC[id]
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f%% |\n", id, tl.labelled, tl.found, 100*float64(tl.found)/float64(tl.labelled))
	}
	recall := float64(found) / float64(labelled)
	fpRate := float64(noisyClean) / float64(max(1, cleanFiles))
	fmt.Fprintf(&b, "| total | %d | %d | %.1f%% |\n", labelled, found, 100*recall)
	fmt.Fprintf(&b, "\nclean samples with a high/medium finding: %d of %d (%.1f%%)\n", noisyClean, cleanFiles, 100*fpRate)
	t.Log(b.String())
	for _, m := range missed {
		t.Log("missed: " + m)
	}
	for _, n := range noisy {
		t.Log("noisy clean sample: " + n)
	}
	require.GreaterOrEqual(t, recall, 0.80, "recall on labelled SWC issues")
	require.LessOrEqual(t, fpRate, 0.10, "share of clean samples with high/medium findings")
}

// detected reports a finding of the issue's SWC in its file within one line
// of a labelled line.
func detected(fs []findings.Finding, is swcIssue) bool {
	for _, f := range fs {
		if f.SWC != is.swc || filepath.Base(f.Primary().File) != is.file {
			continue
		}
		for _, l := range is.lines {
			if d := f.Primary().StartLine - l; d >= -1 && d <= 1 {
				return true
			}
		}
	}
	return false
}

func rel(root, dir string) string {
	r, err := filepath.Rel(root, dir)
	if err != nil {
		return dir
	}
	return r
}

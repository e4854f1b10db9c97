package detectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
)

// scan loads one file and runs every detector on it.
func scan(t *testing.T, path string, opts Options) []findings.Finding {
	t.Helper()
	p, err := analysis.Load([]string{path}, analysis.LoadOptions{})
	require.NoError(t, err)
	for _, d := range p.Diagnostics {
		require.NotEqual(t, analysis.DiagSyntax, d.Kind, "fixture %s must parse: %s", path, d)
	}
	return Run(p, opts)
}

// scanSource writes src to a temporary file and scans it.
func scanSource(t *testing.T, src string, opts Options) []findings.Finding {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Fixture.sol")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	return scan(t, path, opts)
}

func withID(fs []findings.Finding, id string) []findings.Finding {
	var out []findings.Finding
	for _, f := range fs {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

func TestEveryDetectorHasValidMetadata(t *testing.T) {
	rules := List()
	require.GreaterOrEqual(t, len(rules), 30, "the issue asks for at least 30 detectors")
	seen := map[string]bool{}
	for _, r := range rules {
		t.Run(r.ID, func(t *testing.T) {
			assert.NoError(t, r.Validate())
			assert.False(t, seen[r.ID], "duplicate detector id")
			seen[r.ID] = true
			assert.NotEmpty(t, r.Description)
			assert.NotEmpty(t, r.Recommendation)
			assert.True(t, r.DASP.Valid(), "every detector has a DASP category")
		})
	}
}

// TestDetectorFixtures runs each detector on its own vulnerable and safe
// fixture (testdata/<id>/vulnerable.sol and safe.sol): the vulnerable one
// must produce a finding of that detector, the safe one none.
func TestDetectorFixtures(t *testing.T) {
	for _, r := range List() {
		t.Run(r.ID+" flags the vulnerable fixture", func(t *testing.T) {
			fs := scan(t, filepath.Join("testdata", r.ID, "vulnerable.sol"), Options{})
			got := withID(fs, r.ID)
			require.NotEmpty(t, got, "no %s finding; all findings: %v", r.ID, ids(fs))
			for _, f := range got {
				assert.NoError(t, f.Validate())
				assert.Equal(t, "vulnerable.sol", f.Primary().File)
			}
		})
		t.Run(r.ID+" stays quiet on the safe fixture", func(t *testing.T) {
			fs := scan(t, filepath.Join("testdata", r.ID, "safe.sol"), Options{})
			assert.Empty(t, withID(fs, r.ID))
		})
	}
}

func ids(fs []findings.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID+"@"+itoa(f.Primary().StartLine))
	}
	return out
}

const suppressible = `pragma solidity 0.8.26;
contract Faucet {
    function a() external { payable(msg.sender).transfer(address(this).balance); }
    // solsec-disable-next-line unprotected-ether-withdrawal -- faucet by design
    function b() external { payable(msg.sender).transfer(address(this).balance); }
    function c() external { payable(msg.sender).transfer(address(this).balance); } // solsec-disable-line unprotected-ether-withdrawal
    // solsec-disable-next-line hardcoded-gas
    function d() external { payable(msg.sender).transfer(address(this).balance); }
}
`

func TestSuppressionComments(t *testing.T) {
	p, err := analysis.Load([]string{writeFile(t, suppressible)}, analysis.LoadOptions{})
	require.NoError(t, err)
	res := RunReport(p, Options{})
	var lines []int
	for _, f := range withID(res.Findings, "unprotected-ether-withdrawal") {
		lines = append(lines, f.Primary().StartLine)
	}
	assert.Equal(t, []int{3, 8}, lines, "b (next-line) and c (same line) are suppressed; d's comment names another detector")
	assert.Empty(t, withIDAtLine(res.Findings, "hardcoded-gas", 8), "d's hardcoded-gas finding is suppressed")
	assert.Equal(t, 3, res.Suppressed)
}

func withIDAtLine(fs []findings.Finding, id string, line int) []findings.Finding {
	var out []findings.Finding
	for _, f := range withID(fs, id) {
		if f.Primary().StartLine == line {
			out = append(out, f)
		}
	}
	return out
}

func writeFile(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Faucet.sol")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	return path
}

func TestExcludeSkipsDetectors(t *testing.T) {
	fs := scanSource(t, suppressible, Options{Exclude: []string{"hardcoded-gas"}})
	assert.Empty(t, withID(fs, "hardcoded-gas"))
	assert.NotEmpty(t, withID(fs, "unprotected-ether-withdrawal"), "the other detectors still run")
}

func TestRunIsDeterministic(t *testing.T) {
	p, err := analysis.Load([]string{"testdata"}, analysis.LoadOptions{})
	require.NoError(t, err)
	first := Run(p, Options{})
	require.NotEmpty(t, first)
	for range 3 {
		again := Run(p, Options{})
		require.Equal(t, len(first), len(again))
		for i := range first {
			assert.Equal(t, first[i].Fingerprint, again[i].Fingerprint)
		}
	}
	for i := 1; i < len(first); i++ {
		a, b := first[i-1].Primary(), first[i].Primary()
		assert.True(t, a.File < b.File || a.File == b.File && a.StartLine <= b.StartLine, "sorted by file and line")
	}
}

func TestDependenciesAreNotReported(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "src"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "lib", "dep", "src"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "foundry.toml"), []byte("[profile.default]\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lib", "dep", "src", "Kill.sol"),
		[]byte("pragma solidity 0.8.26;\ncontract Kill { function k() external { selfdestruct(payable(msg.sender)); } }\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "src", "App.sol"),
		[]byte("pragma solidity 0.8.26;\nimport \"dep/Kill.sol\";\ncontract App is Kill {}\n"), 0o644))
	p, err := analysis.Load([]string{dir}, analysis.LoadOptions{})
	require.NoError(t, err)
	require.Empty(t, p.Diagnostics)
	for _, f := range Run(p, Options{}) {
		assert.False(t, strings.HasPrefix(f.Primary().File, "lib/"), "finding in a dependency: %s %s", f.ID, f.Primary().File)
	}
}

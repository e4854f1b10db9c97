package detectors

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/analysis"
)

// brokenSources are half-written contracts of the kind editors produce
// while typing: the parser recovers, and the model and every detector
// must cope with the holes it leaves (missing bodies, bad expressions,
// unresolved names) without panicking.
var brokenSources = []string{
	"contract A { function f( }",
	"contract A is { }",
	"contract A is B, C { modifier m { _ } function f() m m m { _; } }",
	"pragma solidity ^0.4.0; contract A { function A() { x = ; } }",
	"contract A { mapping(address => ) m; function f() { m[msg.sender] += ; } }",
	"contract A { function f() public { for (;;) { if (x) break; else continue; } while (true) {} do {} while(false); } }",
	"contract A { function f() public { assembly { let x := sload( ) sstore(x } } }",
	"library L { function f(uint storage x) {} } contract A { using L for *; function g() { uint y; y.f(); super.f(); this.g(); } }",
	"contract A { function f() external { (bool ok, ) = msg.sender.call{value: }(\"\"); ok; } }",
	"contract A { function() payable { selfdestruct(); } }",
	"contract A { struct S { function () internal f; } function g() { S memory s; assembly { mstore(s, callvalue) } } }",
	"contract A { uint[] a; function f(uint i) { a.length--; a[i] = 1; a = new uint[](0); delete a; } }",
	"import \"./missing.sol\"; contract A is Missing { function f() override(Missing) {} }",
	"contract A { function f() { try this.f() returns (uint x) { } catch Error(string memory r) { } catch { } } }",
	"\x00\xff contract \u202e A {",
}

func TestBrokenSourcesDoNotPanic(t *testing.T) {
	for i, src := range brokenSources {
		dir := t.TempDir()
		path := filepath.Join(dir, "Broken.sol")
		require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
		p, err := analysis.Load([]string{path}, analysis.LoadOptions{})
		require.NoError(t, err, "case %d", i)
		require.NotPanics(t, func() { Run(p, Options{}) }, "case %d: %q", i, src)
		require.NotPanics(t, func() { p.CallGraph(); p.InheritanceGraph(); p.ImportGraph() }, "case %d", i)
	}
}

// TestFuzzCorpusDoesNotPanic runs the parser's fuzz seeds and findings
// through the whole pipeline.
func TestFuzzCorpusDoesNotPanic(t *testing.T) {
	dir := filepath.Join("..", "solidity", "testdata")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("parser testdata not present")
	}
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	}))
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		tmp := filepath.Join(t.TempDir(), "Seed.sol")
		require.NoError(t, os.WriteFile(tmp, data, 0o644))
		p, err := analysis.Load([]string{tmp}, analysis.LoadOptions{})
		require.NoError(t, err)
		require.NotPanics(t, func() { Run(p, Options{}) }, f)
	}
}

func TestAPanickingDetectorOnlyLosesItsOwnFindings(t *testing.T) {
	p, err := analysis.Load([]string{filepath.Join("testdata", "tx-origin-auth", "vulnerable.sol")}, analysis.LoadOptions{})
	require.NoError(t, err)
	saved := registry
	t.Cleanup(func() { registry = saved })
	registry = append(append([]*detector{}, saved...), &detector{
		rule: saved[0].rule,
		run:  func(*pass) { panic("detector bug") },
	})
	res := RunReport(p, Options{})
	require.Equal(t, []string{saved[0].rule.ID}, res.Failed)
	require.NotEmpty(t, withID(res.Findings, "tx-origin-auth"), "the other detectors' findings survive")
}

func TestHalfWrittenCallsDoNotPanic(t *testing.T) {
	for _, src := range []string{
		"contract A { function f() public { assembly { mstore() sstore() delegatecall() } } }",
		"contract A { function f(address a) public { a.call{value: 1, gas: }(\"\"); } }",
		"library L { function g(uint[] storage) internal {} } contract A { using L for uint[]; uint[] x; function f() public { x.g(); } }",
	} {
		scanSourceLoose(t, src)
	}
}

// scanSourceLoose scans a source that may not parse cleanly.
func scanSourceLoose(t *testing.T, src string) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Loose.sol")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	p, err := analysis.Load([]string{path}, analysis.LoadOptions{})
	require.NoError(t, err)
	res := RunReport(p, Options{})
	require.Empty(t, res.Failed, "no detector may crash on %q", src)
	var ids []string
	for _, f := range res.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// FuzzScan feeds arbitrary source through loading, the semantic model and
// every detector. Seeds are the detector fixtures; `go test -fuzz FuzzScan`
// mutates them. No input may crash the model or a detector.
func FuzzScan(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.sol"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	for _, s := range brokenSources {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		path := filepath.Join(t.TempDir(), "Fuzz.sol")
		require.NoError(t, os.WriteFile(path, src, 0o644))
		p, err := analysis.Load([]string{path}, analysis.LoadOptions{})
		require.NoError(t, err)
		for _, d := range p.Diagnostics {
			require.NotEqual(t, analysis.DiagInternal, d.Kind, d.Message)
		}
		res := RunReport(p, Options{})
		require.Empty(t, res.Failed)
		for _, fd := range res.Findings {
			require.NoError(t, fd.Validate())
		}
	})
}

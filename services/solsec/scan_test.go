package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/solsec/platform/services/internal/detectors"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vulnerableBank has textbook issues: ether sent before the balance is
// cleared (reentrancy, SWC-107), authorisation by tx.origin (SWC-115,
// medium) and a floating pragma (SWC-103, informational). The tests assert
// on SWC ids and severities rather than on which reentrancy detector
// fires, so tuning the detectors does not break the CLI's tests.
const vulnerableBank = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract VulnerableBank {
    mapping(address => uint256) public balances;
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "transfer failed");
        balances[msg.sender] = 0;
    }

    function setOwner(address next) external {
        require(tx.origin == owner, "not owner");
        owner = next;
    }
}
`

// safeCounter should give no high or medium finding.
const safeCounter = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

contract Counter {
    uint256 public count;

    function increment() external {
        count += 1;
    }
}
`

const missingImport = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import "./DoesNotExist.sol";

contract UsesMissing {
    uint256 public x;
}
`

// scanJSON runs a scan with --format json and decodes the report.
func scanJSON(t *testing.T, args ...string) (*findings.Report, result) {
	t.Helper()
	r := solsec(append([]string{"scan", "--format", "json"}, args...)...)
	rep, err := findings.ReadJSON(strings.NewReader(r.stdout))
	require.NoError(t, err, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	return rep, r
}

func swcIDs(rep *findings.Report, file string) []string {
	var ids []string
	for _, f := range rep.Findings {
		if f.Primary().File == file {
			ids = append(ids, f.SWC)
		}
	}
	return ids
}

// rulesWithSWC returns the ids of every detector classified under swc.
func rulesWithSWC(swc string) []string {
	var ids []string
	for _, r := range detectors.List() {
		if r.SWC == swc {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func TestScanFindsIssues(t *testing.T) {
	dir := writeFiles(t, map[string]string{"src/Bank.sol": vulnerableBank, "src/Counter.sol": safeCounter})

	t.Run("prints findings grouped by file and severity and exits 0 without --fail-on", func(t *testing.T) {
		r := solsec("scan", dir)
		assert.Equal(t, exitOK, r.code, r.stderr)
		assert.Empty(t, r.stderr)
		assert.Regexp(t, `src/Bank.sol\n  (high|medium) \(`, r.stdout)
		assert.Contains(t, r.stdout, "[SWC-107]")
		assert.Contains(t, r.stdout, "  informational (")
		assert.Regexp(t, `(?m)^\d+ findings \(.*\) in 2 files$`, r.stdout)
		assert.NotContains(t, r.stdout, "\x1b[", "no colour when stdout is not a terminal")
	})
	t.Run("reports reentrancy and the floating pragma in JSON", func(t *testing.T) {
		rep, r := scanJSON(t, dir)
		assert.Equal(t, exitOK, r.code)
		assert.Equal(t, []string{"src/Bank.sol", "src/Counter.sol"}, rep.Files)
		assert.Contains(t, swcIDs(rep, "src/Bank.sol"), "SWC-107")
		assert.Contains(t, swcIDs(rep, "src/Bank.sol"), "SWC-103")
		assert.Contains(t, swcIDs(rep, "src/Bank.sol"), "SWC-115")
		for _, f := range rep.Findings {
			if f.Primary().File == "src/Counter.sol" {
				assert.Less(t, f.Severity, findings.SeverityMedium, "safe contract: %s %s", f.ID, f.Message)
			}
		}
		assert.Empty(t, rep.Errors)
	})
	t.Run("exits 1 when a finding is at or above --fail-on", func(t *testing.T) {
		r := solsec("scan", dir, "--fail-on", "medium")
		assert.Equal(t, exitFindings, r.code)
		assert.NotEmpty(t, r.stdout, "the report is printed before failing")
	})
	t.Run("--fail-on never is the default", func(t *testing.T) {
		assert.Equal(t, exitOK, solsec("scan", dir, "--fail-on", "never").code)
		assert.Equal(t, exitFindings, solsec("scan", dir, "--fail-on", "informational").code)
	})
	t.Run("exits 0 with --fail-on when nothing reaches it", func(t *testing.T) {
		r := solsec("scan", "--fail-on", "medium", filepath.Join(dir, "src", "Counter.sol"))
		assert.Equal(t, exitOK, r.code, r.stdout)
	})
	t.Run("rejects an unknown --fail-on severity before scanning", func(t *testing.T) {
		r := solsec("scan", dir, "--fail-on", "critical")
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, `unknown severity "critical"`)
		assert.Empty(t, r.stdout)
	})
	t.Run("--exclude drops a detector's findings", func(t *testing.T) {
		ids := rulesWithSWC("SWC-107")
		require.NotEmpty(t, ids)
		rep, _ := scanJSON(t, dir, "--exclude", strings.Join(ids, ","))
		assert.NotContains(t, swcIDs(rep, "src/Bank.sol"), "SWC-107")
		assert.Contains(t, swcIDs(rep, "src/Bank.sol"), "SWC-103")
	})
	t.Run("--exclude rejects an unknown detector id", func(t *testing.T) {
		r := solsec("scan", dir, "--exclude", "reentrancy-typo")
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "unknown detector reentrancy-typo")
	})
	t.Run("colours a terminal unless NO_COLOR is set", func(t *testing.T) {
		r := invocation{terminal: true}.run("scan", dir)
		assert.Contains(t, r.stdout, styleBold+"src/Bank.sol"+styleReset)
		assert.Contains(t, r.stdout, severityStyle[findings.SeverityInformational]+"informational (")
		r = invocation{terminal: true, env: map[string]string{"NO_COLOR": "1"}}.run("scan", dir)
		assert.NotContains(t, r.stdout, "\x1b[")
	})
	t.Run("--output writes the report to a file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "report.json")
		r := solsec("scan", dir, "--format", "json", "--output", out)
		assert.Equal(t, exitOK, r.code, r.stderr)
		assert.Empty(t, r.stdout)
		f, err := os.Open(out)
		require.NoError(t, err)
		defer f.Close()
		rep, err := findings.ReadJSON(f)
		require.NoError(t, err)
		assert.NotEmpty(t, rep.Findings)
		_, err = os.Stat(out + ".tmp")
		assert.True(t, os.IsNotExist(err), "the temporary file is renamed into place")
	})
	t.Run("--output into a missing directory is an error", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "no", "such", "dir", "report.sarif")
		r := solsec("scan", dir, "--format", "sarif", "--output", out)
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "no such file or directory")
	})
}

func TestScanSARIF(t *testing.T) {
	dir := writeFiles(t, map[string]string{"Bank.sol": vulnerableBank})
	r := solsec("scan", dir, "--format", "sarif")
	require.Equal(t, exitOK, r.code, r.stderr)

	var doc struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID              string            `json:"ruleId"`
				RuleIndex           int               `json:"ruleIndex"`
				Level               string            `json:"level"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, "2.1.0", doc.Version)
	assert.Contains(t, doc.Schema, "sarif-2.1.0")
	require.Len(t, doc.Runs, 1)
	run := doc.Runs[0]
	assert.Equal(t, "solsec", run.Tool.Driver.Name)
	assert.Len(t, run.Tool.Driver.Rules, len(detectors.List()),
		"every enabled rule is described so code scanning can close fixed alerts")
	require.NotEmpty(t, run.Results)
	for _, res := range run.Results {
		require.Less(t, res.RuleIndex, len(run.Tool.Driver.Rules))
		assert.Equal(t, res.RuleID, run.Tool.Driver.Rules[res.RuleIndex].ID)
		assert.Contains(t, []string{"error", "warning", "note"}, res.Level)
		assert.NotEmpty(t, res.PartialFingerprints[findings.FingerprintKey])
		require.Len(t, res.Locations, 1)
		assert.Equal(t, "Bank.sol", res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		assert.Positive(t, res.Locations[0].PhysicalLocation.Region.StartLine)
	}

	t.Run("excluded rules are not described", func(t *testing.T) {
		ids := rulesWithSWC("SWC-103")
		require.NotEmpty(t, ids)
		r := solsec("scan", dir, "--format", "sarif", "--exclude", strings.Join(ids, ","))
		assert.Contains(t, r.stdout, `"id": "reentrancy-eth"`)
		for _, id := range ids {
			assert.NotContains(t, r.stdout, `"id": "`+id+`"`)
		}
	})
}

func TestScanBadInput(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"Bank.sol":    vulnerableBank,
		"Broken.sol":  brokenContract,
		"Missing.sol": missingImport,
	})

	t.Run("reports syntax and import errors on stderr, still reports the rest, exits 2", func(t *testing.T) {
		r := solsec("scan", dir)
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "Broken.sol:5:21: ")
		assert.Contains(t, r.stderr, "Missing.sol:4:1: ")
		assert.Contains(t, r.stderr, "DoesNotExist.sol")
		assert.Regexp(t, `(?m)^Bank.sol\n  (high|medium) \(`, r.stdout, "the file that parsed is still reported")
		assert.Contains(t, r.stdout, "3 files; 2 files with errors")
		assert.Contains(t, r.stderr, "solsec scan: 3 problems in 2 files; the output covers what did load\n")
	})
	t.Run("records the errors in the JSON report too", func(t *testing.T) {
		rep, r := scanJSON(t, dir)
		assert.Equal(t, exitInput, r.code)
		var files []string
		for _, e := range rep.Errors {
			files = append(files, e.File)
		}
		assert.Contains(t, files, "Broken.sol")
		assert.Contains(t, files, "Missing.sol")
		assert.Contains(t, swcIDs(rep, "Bank.sol"), "SWC-107")
	})
	t.Run("input errors win over --fail-on", func(t *testing.T) {
		assert.Equal(t, exitInput, solsec("scan", dir, "--fail-on", "low").code)
	})
	t.Run("names every missing path and exits 2 without a report", func(t *testing.T) {
		missing := filepath.Join(dir, "nope")
		r := solsec("scan", filepath.Join(dir, "Bank.sol"), missing, "also-missing.sol")
		assert.Equal(t, exitInput, r.code)
		assert.Empty(t, r.stdout)
		assert.Equal(t, "solsec scan: "+missing+": no such file or directory\n"+
			"solsec scan: also-missing.sol: no such file or directory\n", r.stderr)
	})
	t.Run("a directory without Solidity files is an input error", func(t *testing.T) {
		empty := writeFiles(t, map[string]string{"README.md": "# nothing"})
		r := solsec("scan", empty)
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "no Solidity")
	})
	t.Run("an unreadable file is reported and the rest scanned", func(t *testing.T) {
		// A dangling symlink cannot be read by anyone, root included, so
		// the test does not depend on who runs it.
		d := writeFiles(t, map[string]string{"Bank.sol": vulnerableBank})
		require.NoError(t, os.Symlink(filepath.Join(d, "gone.sol"), filepath.Join(d, "Dangling.sol")))
		r := solsec("scan", d)
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "Dangling.sol: cannot read file: no such file or directory")
		assert.Regexp(t, `(?m)^Bank.sol$`, r.stdout)
	})
	t.Run("usage mistakes exit 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"scan"},
			{"scan", dir, "--format", "xml"},
			{"scan", dir, "--remap", "nonsense"},
			{"scan", dir, "--include", filepath.Join(dir, "no-such-dir")},
		} {
			r := solsec(args...)
			assert.Equal(t, exitInput, r.code, args)
			assert.Contains(t, r.stderr, "solsec scan -h", args)
		}
	})
}

func TestScanImportResolution(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"src/Vault.sol": `// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;
import {Base} from "@acme/Base.sol";
contract Vault is Base {}
`,
		"vendor/acme/Base.sol": `// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;
contract Base { uint256 public x; }
`,
	})
	src := filepath.Join(dir, "src")
	t.Run("an unresolved remapped import is an error", func(t *testing.T) {
		r := solsec("scan", src)
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "@acme/Base.sol")
	})
	t.Run("--remap resolves it", func(t *testing.T) {
		r := solsec("scan", src, "--remap", "@acme/="+filepath.Join(dir, "vendor", "acme")+"/")
		assert.Equal(t, exitOK, r.code, r.stderr)
	})
}

func TestScanSuppression(t *testing.T) {
	// The reentrancy finding on the balance write disappears when the line
	// before carries a solsec-disable-next-line comment naming its detector.
	dir := writeFiles(t, map[string]string{"Bank.sol": vulnerableBank})
	rep, _ := scanJSON(t, dir)
	var id string
	for _, f := range rep.Findings {
		if f.SWC == "SWC-107" {
			id = f.ID
		}
	}
	require.NotEmpty(t, id, "fixture has a reentrancy finding")

	suppressed := strings.Replace(vulnerableBank, "        balances[msg.sender] = 0;",
		"        // solsec-disable-next-line "+id+" -- test of the suppression syntax\n        balances[msg.sender] = 0;", 1)
	dir2 := writeFiles(t, map[string]string{"Bank.sol": suppressed})
	rep2, _ := scanJSON(t, dir2)
	for _, f := range rep2.Findings {
		assert.NotEqual(t, id, f.ID, "suppressed: %s", f.Message)
	}
	assert.Contains(t, swcIDs(rep2, "Bank.sol"), "SWC-103", "other findings stay")
}

func TestRulesCommand(t *testing.T) {
	r := solsec("rules")
	require.Equal(t, exitOK, r.code)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 1+len(detectors.List()))
	assert.Regexp(t, `^ID\s+SEVERITY\s+CONFIDENCE\s+SWC\s+TITLE$`, lines[0])
	for _, rule := range detectors.List() {
		assert.Contains(t, r.stdout, rule.ID+" ")
	}
	assert.True(t, strings.Contains(lines[1], " high "), "most severe first: %s", lines[1])

	r = solsec("rules", "--format", "json")
	require.Equal(t, exitOK, r.code)
	var rules []findings.Rule
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rules))
	assert.Len(t, rules, len(detectors.List()))
	for _, rule := range rules {
		assert.NoError(t, rule.Validate())
	}
}

func TestGraphCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"Token.sol": `// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;
import "./Base.sol";
contract Token is Base {
    function mint(uint256 n) external { _grow(n); }
}
`,
		"Base.sol": `// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;
contract Base {
    uint256 internal supply;
    function _grow(uint256 n) internal { supply += n; }
}
`,
	})
	t.Run("imports as valid DOT", func(t *testing.T) {
		r := solsec("graph", dir, "--kind", "imports")
		require.Equal(t, exitOK, r.code, r.stderr)
		g, err := parseDOT(r.stdout)
		require.NoError(t, err, r.stdout)
		assert.ElementsMatch(t, []string{"Base.sol", "Token.sol"}, g.nodes)
		require.Len(t, g.edges, 1)
		assert.Equal(t, "Token.sol", g.edges[0].From)
		assert.Equal(t, "Base.sol", g.edges[0].To)
		assert.NotEmpty(t, g.edges[0].Kind, "edges are labelled")
	})
	t.Run("inheritance as JSON", func(t *testing.T) {
		r := solsec("graph", "--format", "json", "--kind", "inheritance", dir)
		require.Equal(t, exitOK, r.code, r.stderr)
		var doc graphDoc
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		assert.Equal(t, "inheritance", doc.Kind)
		require.Len(t, doc.Edges, 1)
		assert.Contains(t, doc.Edges[0].From, "Token")
		assert.Contains(t, doc.Edges[0].To, "Base")
	})
	t.Run("calls include the internal call to the base contract", func(t *testing.T) {
		r := solsec("graph", dir, "--kind", "calls", "--format", "json")
		require.Equal(t, exitOK, r.code, r.stderr)
		var doc graphDoc
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		var found bool
		for _, e := range doc.Edges {
			if strings.Contains(e.From, "mint") && strings.Contains(e.To, "_grow") {
				found = true
			}
		}
		assert.True(t, found, "%+v", doc.Edges)
	})
	t.Run("an import graph shows files without imports", func(t *testing.T) {
		d := writeFiles(t, map[string]string{"Alone.sol": safeCounter})
		r := solsec("graph", d, "--kind", "imports", "--format", "json")
		require.Equal(t, exitOK, r.code, r.stderr)
		var doc graphDoc
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		assert.Equal(t, []string{"Alone.sol"}, doc.Nodes)
		assert.Empty(t, doc.Edges)
	})
	t.Run("needs --kind and a path", func(t *testing.T) {
		r := solsec("graph", dir)
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "--kind is required")
		assert.Equal(t, exitInput, solsec("graph", "--kind", "calls").code)
		assert.Equal(t, exitInput, solsec("graph", dir, "--kind", "cfg").code)
	})
	t.Run("a load problem is reported and the graph still printed", func(t *testing.T) {
		d := writeFiles(t, map[string]string{"Missing.sol": missingImport, "Broken.sol": brokenContract})
		r := solsec("graph", d, "--kind", "inheritance")
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "DoesNotExist.sol")
		assert.Contains(t, r.stderr, "solsec graph: 3 problems in 2 files")
		_, err := parseDOT(r.stdout)
		assert.NoError(t, err)
	})
}

func TestScanPathsAreRelativeToTheWorkingDirectory(t *testing.T) {
	dir := writeFiles(t, map[string]string{"contracts/Bank.sol": vulnerableBank, "contracts/Broken.sol": brokenContract})
	t.Chdir(dir)
	// Scanning the subdirectory by its absolute path still yields paths
	// from the working directory, which is what code scanning resolves
	// SARIF locations against.
	rep, r := scanJSON(t, filepath.Join(dir, "contracts"))
	assert.Equal(t, []string{"contracts/Bank.sol", "contracts/Broken.sol"}, rep.Files)
	assert.Contains(t, swcIDs(rep, "contracts/Bank.sol"), "SWC-107")
	assert.Contains(t, r.stderr, "contracts/Broken.sol:5:21: ")
}

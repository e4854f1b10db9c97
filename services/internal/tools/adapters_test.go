package tools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func projectSources(t *testing.T) Sources {
	t.Helper()
	s, err := ReadSources(filepath.Join("testdata", "project"))
	require.NoError(t, err)
	require.Equal(t, []string{"contracts/Bank.sol"}, s.Solidity())
	return s
}

func byID(fs []findings.Finding) map[string]findings.Finding {
	m := map[string]findings.Finding{}
	for _, f := range fs {
		m[f.ID] = f
	}
	return m
}

func requireValid(t *testing.T, fs []findings.Finding) {
	t.Helper()
	for _, f := range fs {
		require.NoError(t, f.Validate(), "finding %s", f.ID)
	}
}

func TestParseSlither(t *testing.T) {
	fs, err := ParseSlither(readTestdata(t, "slither.json"))
	require.NoError(t, err)
	require.Len(t, fs, 4)
	requireValid(t, fs)
	got := byID(fs)

	t.Run("reentrancy keeps the function as primary location and the call and write as related ones", func(t *testing.T) {
		f := got["reentrancy-eth"]
		assert.Equal(t, "SWC-107", f.SWC)
		assert.Equal(t, findings.DASPReentrancy, f.DASP)
		assert.Equal(t, findings.SeverityHigh, f.Severity)
		assert.Equal(t, findings.ConfidenceMedium, f.Confidence)
		assert.Equal(t, "Bank", f.Contract)
		assert.Equal(t, "withdraw", f.Function)
		require.Len(t, f.Locations, 3)
		assert.Equal(t, findings.Location{File: "contracts/Bank.sol", StartLine: 16, StartColumn: 5, EndLine: 21, EndColumn: 6, StartOffset: 300, EndOffset: 511}, f.Primary())
		assert.Equal(t, 18, f.Locations[1].StartLine)
		assert.Contains(t, f.Locations[1].Message, "msg.sender.call")
		assert.Contains(t, f.Message, "Reentrancy in Bank.withdraw()")
	})
	t.Run("tx-origin is classified as SWC-115 access control", func(t *testing.T) {
		f := got["tx-origin"]
		assert.Equal(t, "SWC-115", f.SWC)
		assert.Equal(t, findings.DASPAccessControl, f.DASP)
		assert.Equal(t, "sweep", f.Function)
	})
	t.Run("an optimization impact becomes informational", func(t *testing.T) {
		f := got["immutable-states"]
		assert.Equal(t, findings.SeverityInformational, f.Severity)
		assert.Empty(t, f.SWC)
		assert.Equal(t, "state-could-be-constant", WeaknessClass("slither", &f))
	})
	t.Run("solc-version is an outdated-compiler finding", func(t *testing.T) {
		assert.Equal(t, "SWC-102", got["solc-version"].SWC)
	})
}

func TestParseMythril(t *testing.T) {
	fs, warnings, err := ParseMythril(readTestdata(t, "mythril.json"))
	require.NoError(t, err)
	require.Len(t, fs, 3)
	requireValid(t, fs)

	t.Run("an issue without a source location becomes a warning, not a lost issue", func(t *testing.T) {
		require.Len(t, warnings, 1)
		assert.Contains(t, warnings[0], "Exception State")
		assert.Contains(t, warnings[0], "no source location")
	})
	t.Run("titles become detector ids and SWC numbers SWC ids", func(t *testing.T) {
		f := fs[0]
		assert.Equal(t, "external-call-to-user-supplied-address", f.ID)
		assert.Equal(t, "SWC-107", f.SWC)
		assert.Equal(t, findings.DASPReentrancy, f.DASP)
		assert.Equal(t, findings.SeverityLow, f.Severity)
		assert.Equal(t, findings.ConfidenceMedium, f.Confidence)
		assert.Equal(t, "withdraw", f.Function)
		assert.Equal(t, "A call to a user-supplied address is executed.", f.Message)
		assert.Equal(t, 18, f.Primary().StartLine)
		assert.Equal(t, `msg.sender.call{value: amount}("")`, f.Primary().Snippet)
	})
	t.Run("the code Mythril quotes is found on its line, giving columns and offsets", func(t *testing.T) {
		enriched := Enrich(fs, projectSources(t))
		p := enriched[0].Primary()
		assert.Equal(t, 23, p.StartColumn)
		src := readTestdata(t, "project/contracts/Bank.sol")
		assert.Equal(t, `msg.sender.call{value: amount}("")`, string(src[p.StartOffset:p.EndOffset]))
		requireValid(t, enriched)
	})
}

func TestParseSolhint(t *testing.T) {
	fs, err := ParseSolhint(readTestdata(t, "solhint.json"))
	require.NoError(t, err)
	require.Len(t, fs, 4, "the conclusion entry is not a finding")
	requireValid(t, fs)
	got := byID(fs)

	t.Run("a security rule gets the severity of its weakness", func(t *testing.T) {
		f := got["avoid-tx-origin"]
		assert.Equal(t, "SWC-115", f.SWC)
		assert.Equal(t, findings.SeverityMedium, f.Severity)
	})
	t.Run("an error-level style rule stays informational", func(t *testing.T) {
		f := got["compiler-version"]
		assert.Equal(t, findings.SeverityInformational, f.Severity)
		assert.Equal(t, "SWC-102", f.SWC)
	})
	t.Run("an unknown rule is imported without classification", func(t *testing.T) {
		f := got["gas-strict-inequalities"]
		assert.Empty(t, f.SWC)
		assert.Equal(t, findings.SeverityInformational, f.Severity)
		assert.Equal(t, "solhint:gas-strict-inequalities", WeaknessClass("solhint", &f))
	})
	t.Run("enrichment finds the enclosing function with the parser and keeps the statement as snippet", func(t *testing.T) {
		enriched := Enrich(fs, projectSources(t))
		f := byID(enriched)["avoid-tx-origin"]
		assert.Equal(t, "Bank", f.Contract)
		assert.Equal(t, "sweep", f.Function)
		assert.Equal(t, `tx.origin == owner, "not owner");`, f.Primary().Snippet)
		requireValid(t, enriched)
	})
}

func TestParseSARIF(t *testing.T) {
	fs, err := ParseSARIF(readTestdata(t, "generic.sarif"))
	require.NoError(t, err)
	require.Len(t, fs, 2)
	requireValid(t, fs)

	t.Run("security-severity, precision and tags give severity, confidence, SWC and DASP", func(t *testing.T) {
		f := fs[0]
		assert.Equal(t, "state-change-after-external-call", f.ID)
		assert.Equal(t, "State change after external call", f.Title)
		assert.Equal(t, findings.SeverityHigh, f.Severity)
		assert.Equal(t, findings.ConfidenceMedium, f.Confidence)
		assert.Equal(t, "SWC-107", f.SWC)
		assert.Equal(t, findings.DASPReentrancy, f.DASP)
		require.Len(t, f.Locations, 2)
		assert.Equal(t, "balances[msg.sender] = 0", f.Primary().Snippet)
		assert.Equal(t, "external call", f.Locations[1].Message)
	})
	t.Run("a result without ruleId takes its rule by index and the rule's default level", func(t *testing.T) {
		f := fs[1]
		assert.Equal(t, "centralization-risk", f.ID)
		assert.Equal(t, findings.SeverityLow, f.Severity)
		assert.Equal(t, findings.ConfidenceHigh, f.Confidence)
		assert.Equal(t, "/tmp/solsec-aderyn-99/src/contracts/Bank.sol", f.Primary().File)
	})
}

func TestAdaptersRejectMalformedOutput(t *testing.T) {
	slither := readTestdata(t, "slither.json")
	parseMythril := func(b []byte) error { _, _, err := ParseMythril(b); return err }
	parseSlither := func(b []byte) error { _, err := ParseSlither(b); return err }
	parseSolhint := func(b []byte) error { _, err := ParseSolhint(b); return err }
	parseSARIF := func(b []byte) error { _, err := ParseSARIF(b); return err }
	cases := []struct {
		name  string
		parse func([]byte) error
		input string
		want  string
	}{
		{"slither output cut short is invalid JSON", parseSlither, string(slither[:len(slither)/2]), "slither: invalid JSON"},
		{"slither output followed by junk is rejected", parseSlither, string(slither) + "\nINFO:Slither:done", "data after the document"},
		{"empty slither output is an error", parseSlither, "  \n", "slither: empty output"},
		{"a document without success is not slither output", parseSlither, `{"results": {}}`, "no \"success\" field"},
		{"slither's own failure carries its message", parseSlither, string(readTestdata(t, "slither-failure.json")), "IERC20.sol\" not found"},
		{"an unknown slither impact is rejected", parseSlither, `{"success": true, "results": {"detectors": [{"check": "x", "impact": "Severe", "confidence": "High", "elements": []}]}}`, "unknown severity \"Severe\""},
		{"a slither result without location is rejected", parseSlither, `{"success": true, "results": {"detectors": [{"check": "x", "impact": "High", "confidence": "High", "elements": []}]}}`, "no element with a source location"},
		{"mythril output that is not JSON is rejected", parseMythril, "mythril.interfaces.cli [ERROR]: Traceback", "mythril: invalid JSON"},
		{"mythril's own failure carries its message", parseMythril, `{"success": false, "error": "Solc experienced a fatal error", "issues": []}`, "Solc experienced a fatal error"},
		{"a non-numeric SWC id from mythril is rejected", parseMythril, `{"success": true, "error": null, "issues": [{"title": "T", "swc-id": "abc", "severity": "High", "filename": "a.sol", "lineno": 1}]}`, "SWC id \"abc\""},
		{"an unknown mythril severity is rejected", parseMythril, `{"success": true, "error": null, "issues": [{"title": "T", "swc-id": "107", "severity": "Critical", "filename": "a.sol", "lineno": 1}]}`, "unknown severity \"Critical\""},
		{"solhint output that is an object is rejected", parseSolhint, `{"errors": []}`, "solhint: invalid JSON"},
		{"a solhint entry without a line is rejected", parseSolhint, `[{"ruleId": "reentrancy", "severity": "Warning", "filePath": "a.sol"}]`, "missing ruleId or line"},
		{"an unknown solhint severity is rejected", parseSolhint, `[{"line": 1, "column": 1, "ruleId": "reentrancy", "severity": "Fatal", "filePath": "a.sol"}]`, "unknown severity \"Fatal\""},
		{"a SARIF log of another version is rejected", parseSARIF, `{"version": "2.0.0", "runs": []}`, "version must be \"2.1.0\""},
		{"a SARIF result without a location is rejected", parseSARIF, `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r", "message": {"text": "m"}}]}]}`, "no physical location"},
		{"a non-numeric security-severity is rejected", parseSARIF, `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "r", "properties": {"security-severity": "high"}}]}}, "results": [{"ruleId": "r", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.sol"}}}]}]}]}`, "security-severity \"high\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse([]byte(tc.input))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseSolhintSkipsTheUpdateNotice(t *testing.T) {
	out := "A new version of Solhint is available: 6.2.4\nPlease consider updating your Solhint package.\n" + string(readTestdata(t, "solhint.json"))
	fs, err := ParseSolhint([]byte(out))
	require.NoError(t, err)
	assert.Len(t, fs, 4)

	_, err = ParseSolhint([]byte("A new version of Solhint is available: 6.2.4\n"))
	assert.ErrorContains(t, err, "invalid JSON", "a notice without a report is still an error")
}

func TestEmptyResultsAreEmptyNotErrors(t *testing.T) {
	fs, err := ParseSlither([]byte(`{"success": true, "error": null, "results": {}}`))
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, err = ParseSolhint([]byte(`[]`))
	require.NoError(t, err)
	assert.Empty(t, fs)
	fs, _, err = ParseMythril([]byte(`{"success": true, "error": null, "issues": []}`))
	require.NoError(t, err)
	assert.Empty(t, fs)
}

func TestClassification(t *testing.T) {
	cases := []struct {
		name, tool, detector string
		swc                  string
	}{
		{"slither's reentrancy-no-eth is SWC-107", "slither", "reentrancy-no-eth", "SWC-107"},
		{"slither's unchecked-lowlevel is SWC-104", "slither", "unchecked-lowlevel", "SWC-104"},
		{"solhint's check-send-result is SWC-104", "solhint", "check-send-result", "SWC-104"},
		{"solhint's not-rely-on-time is SWC-116", "solhint", "not-rely-on-time", "SWC-116"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl, ok := Classify(tc.tool, tc.detector)
			require.True(t, ok)
			assert.Equal(t, tc.swc, cl.SWC)
			assert.Equal(t, DASPForSWC(tc.swc), cl.DASP)
			assert.True(t, cl.DASP.Valid())
		})
	}
	t.Run("every table entry has a class and a valid or empty DASP", func(t *testing.T) {
		for tool, m := range classifications {
			for id, cl := range m {
				assert.NotEmpty(t, cl.Class, "%s/%s", tool, id)
				assert.True(t, cl.DASP == "" || cl.DASP.Valid(), "%s/%s", tool, id)
				assert.Equal(t, id, slug(id), "%s/%s is a valid detector id", tool, id)
			}
		}
	})
	t.Run("SWC ids are normalised from Mythril's bare numbers", func(t *testing.T) {
		assert.Equal(t, "SWC-107", normalizeSWC("107"))
		assert.Equal(t, "SWC-101", normalizeSWC("swc-101"))
		assert.Equal(t, "", normalizeSWC("abc"))
		assert.Equal(t, "", normalizeSWC("7"))
	})
	t.Run("slugs are detector ids the model accepts", func(t *testing.T) {
		for _, in := range []string{"External Call To User-Supplied Address", "solidity/reentrancy", "SOLHINT.avoid-tx-origin", "!!"} {
			r := findings.Rule{ID: slug(in), Title: in, Severity: findings.SeverityLow, Confidence: findings.ConfidenceLow}
			assert.NoError(t, r.Validate(), in)
			assert.False(t, strings.HasPrefix(r.ID, "-"))
		}
	})
}

func TestSourcesValidate(t *testing.T) {
	cases := []struct {
		name string
		path string
	}{
		{"an absolute path is rejected", "/etc/passwd"},
		{"a parent reference is rejected", "../x.sol"},
		{"an unclean path is rejected", "a/../../x.sol"},
		{"a backslash path is rejected", `a\b.sol`},
		{"an empty path is rejected", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Error(t, Sources{{Path: tc.path, Content: []byte("x")}}.Validate())
		})
	}
	t.Run("a duplicate path is rejected", func(t *testing.T) {
		assert.ErrorContains(t, Sources{{Path: "a.sol"}, {Path: "a.sol"}}.Validate(), "listed twice")
	})
	t.Run("no sources at all is rejected", func(t *testing.T) {
		assert.Error(t, Sources{}.Validate())
	})
}

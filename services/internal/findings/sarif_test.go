package findings

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sarifDoc decodes written SARIF generically, so the checks below see the
// document as GitHub does rather than through our own Go types.
func sarifDoc(t *testing.T, r *Report, extra ...Rule) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteSARIF(&buf, r, extra...))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	return doc
}

func obj(t *testing.T, v any, key string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "not an object where %s was expected", key)
	o, ok := m[key].(map[string]any)
	require.True(t, ok, "missing object %q in %v", key, m)
	return o
}

func arr(t *testing.T, v any, key string) []any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "not an object where %s was expected", key)
	a, ok := m[key].([]any)
	require.True(t, ok, "missing array %q in %v", key, m)
	return a
}

func str(t *testing.T, v any, key string) string {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "not an object where %s was expected", key)
	s, ok := m[key].(string)
	require.True(t, ok, "missing string %q in %v", key, m)
	return s
}

func TestSARIFStructure(t *testing.T) {
	r := sampleReport()
	r.Normalize()
	doc := sarifDoc(t, r)

	assert.Equal(t, "2.1.0", str(t, doc, "version"))
	assert.Contains(t, str(t, doc, "$schema"), "sarif-2.1.0")
	runs := arr(t, doc, "runs")
	require.Len(t, runs, 1)
	run := runs[0]
	driver := obj(t, obj(t, run, "tool"), "driver")
	assert.Equal(t, "solsec", str(t, driver, "name"))
	assert.Equal(t, "0.1.0", str(t, driver, "version"))

	rules := arr(t, driver, "rules")
	t.Run("describes each reporting detector once, sorted by id", func(t *testing.T) {
		var ids []string
		for _, rule := range rules {
			ids = append(ids, str(t, rule, "id"))
		}
		assert.Equal(t, []string{"floating-pragma", "reentrancy-eth", "tx-origin-auth", "unchecked-low-level-call"}, ids)
	})

	t.Run("every rule has the fields GitHub reads", func(t *testing.T) {
		for _, rule := range rules {
			id := str(t, rule, "id")
			assert.NotEmpty(t, str(t, rule, "name"), id)
			assert.NotEmpty(t, str(t, obj(t, rule, "shortDescription"), "text"), id)
			assert.NotEmpty(t, str(t, obj(t, rule, "fullDescription"), "text"), id)
			help := obj(t, rule, "help")
			assert.NotEmpty(t, str(t, help, "text"), id)
			assert.Contains(t, str(t, help, "markdown"), "### Recommendation", id)
			assert.True(t, strings.HasPrefix(str(t, rule, "helpUri"), "https://"), id)
			assert.Contains(t, []string{"error", "warning", "note"}, str(t, obj(t, rule, "defaultConfiguration"), "level"), id)

			props := obj(t, rule, "properties")
			score, err := strconv.ParseFloat(str(t, props, "security-severity"), 64)
			require.NoError(t, err, id)
			assert.True(t, score > 0 && score <= 10, "%s: security-severity %v out of range", id, score)
			var tags []string
			for _, tag := range arr(t, props, "tags") {
				tags = append(tags, tag.(string))
			}
			assert.Contains(t, tags, "security", id)
			assert.Contains(t, tags, testRules[id].SWC, id)
			if testRules[id].DASP != "" {
				assert.Contains(t, tags, testRules[id].DASP.tag(), id)
			}
		}
	})

	t.Run("the rule name is the id in PascalCase", func(t *testing.T) {
		assert.Equal(t, "UncheckedLowLevelCall", str(t, rules[3], "name"))
	})

	t.Run("a rule without its own page links to its SWC entry", func(t *testing.T) {
		assert.Equal(t, "https://swcregistry.io/docs/SWC-104", str(t, rules[3], "helpUri"))
		assert.Equal(t, testRules["reentrancy-eth"].HelpURL, str(t, rules[1], "helpUri"))
	})

	results := arr(t, run, "results")
	require.Len(t, results, len(r.Findings))
	t.Run("every result's ruleIndex points at the rule with its ruleId", func(t *testing.T) {
		for _, res := range results {
			idx := int(res.(map[string]any)["ruleIndex"].(float64))
			require.Less(t, idx, len(rules))
			assert.Equal(t, str(t, res, "ruleId"), str(t, rules[idx], "id"))
		}
	})

	t.Run("every result has a message, a relative location and both fingerprints", func(t *testing.T) {
		for i, res := range results {
			assert.NotEmpty(t, str(t, obj(t, res, "message"), "text"))
			locs := arr(t, res, "locations")
			require.Len(t, locs, 1)
			phys := obj(t, locs[0], "physicalLocation")
			art := obj(t, phys, "artifactLocation")
			uri := str(t, art, "uri")
			assert.False(t, strings.HasPrefix(uri, "/") || strings.Contains(uri, "://"), "uri %q must be relative", uri)
			assert.Equal(t, "%SRCROOT%", str(t, art, "uriBaseId"))
			region := obj(t, phys, "region")
			p := r.Findings[i].Primary()
			assert.Equal(t, float64(p.StartLine), region["startLine"])
			assert.Equal(t, float64(p.StartColumn), region["startColumn"])
			assert.Equal(t, float64(p.EndLine), region["endLine"])
			assert.Equal(t, float64(p.EndColumn), region["endColumn"])
			fps := obj(t, res, "partialFingerprints")
			assert.Equal(t, r.Findings[i].Fingerprint, fps[FingerprintKey])
			assert.Regexp(t, `^[0-9a-f]{32}$`, fps[CodeHashKey])
		}
	})

	t.Run("names the enclosing contract and function as a logical location", func(t *testing.T) {
		ll := arr(t, arr(t, results[2], "locations")[0], "logicalLocations")
		require.Len(t, ll, 1)
		assert.Equal(t, "Vault.withdraw", str(t, ll[0], "fullyQualifiedName"))
		assert.Equal(t, "function", str(t, ll[0], "kind"))
	})

	t.Run("secondary locations become related locations with their message", func(t *testing.T) {
		related := arr(t, results[2], "relatedLocations")
		require.Len(t, related, 1)
		assert.Equal(t, "state written after the call", str(t, obj(t, related[0], "message"), "text"))
	})

	t.Run("files that failed become error notifications of an unsuccessful invocation", func(t *testing.T) {
		inv := arr(t, run, "invocations")
		require.Len(t, inv, 1)
		assert.Equal(t, false, inv[0].(map[string]any)["executionSuccessful"])
		notes := arr(t, inv[0], "toolExecutionNotifications")
		require.Len(t, notes, 2)
		assert.Equal(t, "error", str(t, notes[0], "level"))
		assert.Contains(t, str(t, obj(t, notes[0], "message"), "text"), "contrat")
	})
}

func TestSARIFLevels(t *testing.T) {
	cases := []struct {
		sev   Severity
		level string
		score string
	}{
		{SeverityHigh, "error", "8.0"},
		{SeverityMedium, "warning", "5.5"},
		{SeverityLow, "note", "3.0"},
		{SeverityInformational, "note", "1.0"},
	}
	for _, tc := range cases {
		t.Run(tc.sev.String()+" maps to "+tc.level, func(t *testing.T) {
			f := sampleReport().Findings[0]
			f.Severity = tc.sev
			r := &Report{Tool: Tool{Name: "solsec", Version: "0.1.0"}, Findings: []Finding{f}}
			r.Normalize()
			log, err := ToSARIF(r)
			require.NoError(t, err)
			run := log.Runs[0]
			assert.Equal(t, tc.level, run.Results[0].Level)
			assert.Equal(t, tc.level, run.Tool.Driver.Rules[0].DefaultConfiguration.Level)
			assert.Equal(t, tc.score, run.Tool.Driver.Rules[0].Properties.SecuritySeverity)
		})
	}
}

func TestSARIFExtraRules(t *testing.T) {
	r := sampleReport()
	r.Normalize()
	override := testRule("reentrancy-eth")
	override.Title = "Reentrancy (registry title)"
	extra := Rule{ID: "weak-randomness", Title: "Weak randomness", Severity: SeverityHigh, Confidence: ConfidenceMedium,
		SWC: "SWC-120", DASP: DASPBadRandomness, Description: "Block values are predictable.", Recommendation: "Use a VRF."}

	log, err := ToSARIF(r, extra, override)
	require.NoError(t, err)
	rules := log.Runs[0].Tool.Driver.Rules

	t.Run("lists detectors that found nothing", func(t *testing.T) {
		require.Len(t, rules, 5)
		assert.Equal(t, "weak-randomness", rules[4].ID)
	})
	t.Run("prefers the given rule over fields copied into findings", func(t *testing.T) {
		assert.Equal(t, "Reentrancy (registry title)", rules[1].ShortDescription.Text)
	})
	t.Run("keeps rule indexes consistent after inserting rules", func(t *testing.T) {
		for _, res := range log.Runs[0].Results {
			assert.Equal(t, res.RuleID, rules[res.RuleIndex].ID)
		}
	})
	t.Run("rejects an invalid extra rule", func(t *testing.T) {
		_, err := ToSARIF(r, Rule{ID: "Bad Id"})
		assert.Error(t, err)
	})
}

func TestSARIFURIs(t *testing.T) {
	cases := []struct{ file, uri string }{
		{"contracts/Vault.sol", "contracts/Vault.sol"},
		{"./contracts/Vault.sol", "contracts/Vault.sol"},
		{"my contracts/Vault #2.sol", "my%20contracts/Vault%20%232.sol"},
	}
	for _, tc := range cases {
		t.Run(tc.file+" becomes "+tc.uri, func(t *testing.T) {
			assert.Equal(t, SARIFArtifactLocation{URI: tc.uri, URIBaseID: "%SRCROOT%"}, artifact(tc.file))
		})
	}
}

func TestGoldenSARIF(t *testing.T) {
	r := sampleReport()
	r.Normalize()
	var buf bytes.Buffer
	require.NoError(t, WriteSARIF(&buf, r))
	assertGolden(t, "report.sarif", buf.Bytes())
}

func TestSARIFUTF16Columns(t *testing.T) {
	// "é" is 2 bytes and 1 UTF-16 unit; "🔒" is 4 bytes and 2 units.
	src := "contract C {\n    /* é 🔒 */ x.call(\"\");\n}\n"
	code := `x.call("")`
	f := locate(t, src, code, "C", "f")
	f.Locations[0].File = "c.sol"
	require.Equal(t, 19, f.Primary().StartColumn, "byte column of the fixture")
	report := func(f Finding) *Report {
		r := &Report{Tool: Tool{Name: "solsec", Version: "0.1.0"}, Findings: []Finding{f}}
		r.Normalize()
		return r
	}
	source := func(file string) ([]byte, bool) {
		if file == "c.sol" {
			return []byte(src), true
		}
		return nil, false
	}

	t.Run("converts byte columns to UTF-16 units when the source is given", func(t *testing.T) {
		log, err := ToSARIFWithOptions(report(f), SARIFOptions{Source: source})
		require.NoError(t, err)
		region := log.Runs[0].Results[0].Locations[0].PhysicalLocation.Region
		assert.Equal(t, 19-1-2, region.StartColumn)
		assert.Equal(t, 19-1-2+len(code), region.EndColumn)
	})
	t.Run("leaves the report's own locations untouched", func(t *testing.T) {
		r := report(f)
		_, err := ToSARIFWithOptions(r, SARIFOptions{Source: source})
		require.NoError(t, err)
		assert.Equal(t, 19, r.Findings[0].Primary().StartColumn)
	})
	t.Run("writes byte columns without a source", func(t *testing.T) {
		log, err := ToSARIF(report(f))
		require.NoError(t, err)
		assert.Equal(t, 19, log.Runs[0].Results[0].Locations[0].PhysicalLocation.Region.StartColumn)
	})
	t.Run("keeps columns whose offsets do not match the content", func(t *testing.T) {
		stale := f
		stale.Locations = []Location{f.Primary()}
		stale.Locations[0].StartOffset += 3
		log, err := ToSARIFWithOptions(report(stale), SARIFOptions{Source: source})
		require.NoError(t, err)
		assert.Equal(t, 19, log.Runs[0].Results[0].Locations[0].PhysicalLocation.Region.StartColumn)
	})
}

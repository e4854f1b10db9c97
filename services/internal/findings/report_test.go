package findings

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testRules = map[string]Rule{
	"reentrancy-eth": {
		ID: "reentrancy-eth", Title: "Reentrancy with ether transfer",
		Severity: SeverityHigh, Confidence: ConfidenceMedium, SWC: "SWC-107", DASP: DASPReentrancy,
		Description:    "State is written after an external call that sends ether, so the callee can re-enter and observe stale state.",
		Recommendation: "Apply checks-effects-interactions: update state before the call, or guard the function against reentrancy.",
		HelpURL:        "https://github.com/solsec/platform/blob/main/docs/detectors.md#reentrancy-eth",
	},
	"unchecked-low-level-call": {
		ID: "unchecked-low-level-call", Title: "Unchecked low-level call",
		Severity: SeverityMedium, Confidence: ConfidenceHigh, SWC: "SWC-104", DASP: DASPUncheckedCalls,
		Description:    "The boolean a low-level call returns is ignored, so a failed call goes unnoticed.",
		Recommendation: "Check the returned success flag and revert or handle the failure.",
	},
	"floating-pragma": {
		ID: "floating-pragma", Title: "Floating pragma",
		Severity: SeverityInformational, Confidence: ConfidenceHigh, SWC: "SWC-103",
		Description:    "The pragma allows compiler versions the contract was not tested with.",
		Recommendation: "Pin the compiler version.",
	},
	"tx-origin-auth": {
		ID: "tx-origin-auth", Title: "Authorisation through tx.origin",
		Severity: SeverityLow, Confidence: ConfidenceLow, SWC: "SWC-115", DASP: DASPAccessControl,
		Description:    "tx.origin is the account that started the transaction, not the caller.",
		Recommendation: "Use msg.sender for authorisation.",
	},
}

func testRule(id string) Rule {
	r, ok := testRules[id]
	if !ok {
		panic("no test rule " + id)
	}
	return r
}

func loc(file string, line, col, endLine, endCol, off, end int, snippet string) Location {
	return Location{File: file, StartLine: line, StartColumn: col, EndLine: endLine, EndColumn: endCol, StartOffset: off, EndOffset: end, Snippet: snippet}
}

// sampleReport is a small scan result in deliberately unsorted order, with a
// duplicate and two identical calls in one function.
func sampleReport() *Report {
	call := `msg.sender.call{value: amount}("")`
	return &Report{
		Tool:  Tool{Name: "solsec", Version: "0.1.0", InformationURI: "https://github.com/solsec/platform"},
		Files: []string{"contracts/Vault.sol", "contracts/Auth.sol", "contracts/Vault.sol", "contracts/Broken.sol"},
		Findings: []Finding{
			{Rule: testRule("unchecked-low-level-call"), Message: "return value of msg.sender.call is not checked",
				Contract: "Vault", Function: "withdraw",
				Locations: []Location{loc("contracts/Vault.sol", 14, 9, 14, 43, 400, 434, call)}},
			{Rule: testRule("reentrancy-eth"), Message: "balances is written after the call to msg.sender in withdraw",
				Contract: "Vault", Function: "withdraw",
				Locations: []Location{
					loc("contracts/Vault.sol", 12, 9, 12, 43, 320, 354, call),
					{File: "contracts/Vault.sol", StartLine: 13, StartColumn: 9, EndLine: 13, EndColumn: 39, StartOffset: 355, EndOffset: 385,
						Snippet: "balances[msg.sender] -= amount", Message: "state written after the call"},
				}},
			{Rule: testRule("unchecked-low-level-call"), Message: "return value of msg.sender.call is not checked",
				Contract: "Vault", Function: "withdraw",
				Locations: []Location{loc("contracts/Vault.sol", 12, 9, 12, 43, 320, 354, call)}},
			// The same finding again, as a second detector pass would report it.
			{Rule: testRule("unchecked-low-level-call"), Message: "return value of msg.sender.call is not checked",
				Contract: "Vault", Function: "withdraw",
				Locations: []Location{loc("contracts/Vault.sol", 12, 9, 12, 43, 320, 354, call)}},
			{Rule: testRule("tx-origin-auth"), Message: "owner is compared with tx.origin",
				Contract: "Auth", Function: "onlyOwner",
				Locations: []Location{loc("contracts/Auth.sol", 8, 17, 8, 37, 190, 210, "tx.origin == owner")}},
			{Rule: testRule("floating-pragma"), Message: "pragma solidity ^0.8.0 allows any 0.8 compiler",
				Locations: []Location{loc("contracts/Auth.sol", 2, 1, 2, 24, 32, 55, "pragma solidity ^0.8.0;")}},
		},
		Errors: []FileError{
			{File: "contracts/Broken.sol", Line: 7, Column: 5, Message: "expected ';' but found '}'"},
			{File: "contracts/Broken.sol", Line: 3, Column: 1, Message: "unknown keyword 'contrat'"},
		},
	}
}

func TestNormalize(t *testing.T) {
	r := sampleReport()
	r.Normalize()

	t.Run("sets the schema version", func(t *testing.T) {
		assert.Equal(t, SchemaVersion, r.SchemaVersion)
	})
	t.Run("drops the exact duplicate and keeps distinct occurrences", func(t *testing.T) {
		assert.Len(t, r.Findings, 5)
	})
	t.Run("sorts by file, line, then most severe first", func(t *testing.T) {
		var got []string
		for _, f := range r.Findings {
			got = append(got, f.Primary().File+":"+strconv.Itoa(f.Primary().StartLine)+" "+f.ID)
		}
		assert.Equal(t, []string{
			"contracts/Auth.sol:2 floating-pragma",
			"contracts/Auth.sol:8 tx-origin-auth",
			"contracts/Vault.sol:12 reentrancy-eth",
			"contracts/Vault.sol:12 unchecked-low-level-call",
			"contracts/Vault.sol:14 unchecked-low-level-call",
		}, got)
	})
	t.Run("numbers the second identical call in the same function", func(t *testing.T) {
		first, second := r.Findings[3], r.Findings[4]
		assert.Regexp(t, `^[0-9a-f]{32}$`, first.Fingerprint)
		assert.Equal(t, first.Fingerprint+":2", second.Fingerprint)
	})
	t.Run("sorts and deduplicates files and sorts errors by position", func(t *testing.T) {
		assert.Equal(t, []string{"contracts/Auth.sol", "contracts/Broken.sol", "contracts/Vault.sol"}, r.Files)
		assert.Equal(t, 3, r.Errors[0].Line)
		assert.Equal(t, 7, r.Errors[1].Line)
	})
	t.Run("is idempotent", func(t *testing.T) {
		before, err := json.Marshal(r)
		require.NoError(t, err)
		r.Normalize()
		after, err := json.Marshal(r)
		require.NoError(t, err)
		assert.JSONEq(t, string(before), string(after))
	})
	t.Run("gives empty arrays, not null, for an empty report", func(t *testing.T) {
		empty := &Report{Tool: Tool{Name: "solsec", Version: "0.1.0"}}
		empty.Normalize()
		var buf bytes.Buffer
		require.NoError(t, WriteJSON(&buf, empty))
		assert.Contains(t, buf.String(), `"findings": []`)
		assert.Contains(t, buf.String(), `"errors": []`)
		assert.Contains(t, buf.String(), `"files": []`)
	})
}

func TestAssignFingerprints(t *testing.T) {
	call := `msg.sender.call{value: amount}("")`
	at := func(off int, msg string) Finding {
		return Finding{Rule: testRule("reentrancy-eth"), Message: msg, Contract: "Vault", Function: "withdraw",
			Locations: []Location{loc("contracts/Vault.sol", 12, 9, 12, 43, off, off+34, call)}}
	}
	t.Run("keeps two reasons reported at one call apart", func(t *testing.T) {
		fs := []Finding{at(320, "totalSupply is written after the call"), at(320, "balances is written after the call")}
		AssignFingerprints(fs)
		// Ranked by message at equal offsets: "balances" comes first.
		assert.Equal(t, fs[1].Fingerprint+":2", fs[0].Fingerprint)
		assert.Len(t, Dedup(fs), 2)
	})
	t.Run("gives the same value to the same finding reported twice", func(t *testing.T) {
		fs := []Finding{at(320, "balances is written after the call"), at(320, "balances is written after the call")}
		AssignFingerprints(fs)
		assert.Equal(t, fs[0].Fingerprint, fs[1].Fingerprint)
		assert.Len(t, Dedup(fs), 1)
	})
	t.Run("Dedup on findings without fingerprints keeps identical code at two places", func(t *testing.T) {
		fs := Dedup([]Finding{at(320, "m"), at(500, "m"), at(320, "m")})
		require.Len(t, fs, 2)
		assert.Equal(t, 320, fs[0].Primary().StartOffset)
		assert.Equal(t, 500, fs[1].Primary().StartOffset)
		assert.Equal(t, fs[0].Fingerprint+":2", fs[1].Fingerprint)
	})
	t.Run("does not depend on the input order", func(t *testing.T) {
		a := []Finding{at(500, "m"), at(320, "m")}
		b := []Finding{at(320, "m"), at(500, "m")}
		AssignFingerprints(a)
		AssignFingerprints(b)
		assert.Equal(t, a[0].Fingerprint, b[1].Fingerprint)
		assert.Equal(t, a[1].Fingerprint, b[0].Fingerprint)
		assert.True(t, strings.HasSuffix(a[0].Fingerprint, ":2"))
	})
}

func TestFingerprintSurvivesLineShiftInReport(t *testing.T) {
	// The same report after ten lines were inserted above the function: the
	// fingerprints, including the occurrence numbers, must not change.
	a, b := sampleReport(), sampleReport()
	for i := range b.Findings {
		for j := range b.Findings[i].Locations {
			l := &b.Findings[i].Locations[j]
			l.StartLine += 10
			l.EndLine += 10
			l.StartOffset += 250
			l.EndOffset += 250
		}
	}
	a.Normalize()
	b.Normalize()
	require.Len(t, b.Findings, len(a.Findings))
	for i := range a.Findings {
		assert.Equal(t, a.Findings[i].Fingerprint, b.Findings[i].Fingerprint, a.Findings[i].ID)
	}
}

func TestCountAtLeast(t *testing.T) {
	r := sampleReport()
	r.Normalize()
	assert.Equal(t, 1, r.CountAtLeast(SeverityHigh))
	assert.Equal(t, 3, r.CountAtLeast(SeverityMedium))
	assert.Equal(t, 4, r.CountAtLeast(SeverityLow))
	assert.Equal(t, 5, r.CountAtLeast(SeverityInformational))
}

func TestSummary(t *testing.T) {
	r := sampleReport()
	r.Normalize()
	s := r.Summary()
	assert.Equal(t, Summary{Files: 3, Findings: 5, Errors: 2, Severity: map[string]int{
		"high": 1, "medium": 2, "low": 1, "informational": 1,
	}}, s)
}

func TestJSONRoundTrip(t *testing.T) {
	r := sampleReport()
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	r.GeneratedAt = &at
	r.Normalize()

	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, r))
	back, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)

	t.Run("reads back the same report", func(t *testing.T) {
		assert.Equal(t, r, back)
	})
	t.Run("writes severities and confidences as names", func(t *testing.T) {
		assert.Contains(t, buf.String(), `"severity": "high"`)
		assert.Contains(t, buf.String(), `"confidence": "medium"`)
	})
	t.Run("writes a summary derived from the findings", func(t *testing.T) {
		var doc struct {
			Summary Summary `json:"summary"`
		}
		require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
		assert.Equal(t, r.Summary(), doc.Summary)
	})
	t.Run("accepts a newer minor version with unknown fields", func(t *testing.T) {
		newer := strings.Replace(buf.String(), `"schemaVersion": "1.0"`, `"schemaVersion": "1.3", "futureField": {"x": 1}`, 1)
		got, err := ReadJSON(strings.NewReader(newer))
		require.NoError(t, err)
		assert.Len(t, got.Findings, 5)
	})
	t.Run("rejects another major version", func(t *testing.T) {
		other := strings.Replace(buf.String(), `"schemaVersion": "1.0"`, `"schemaVersion": "2.0"`, 1)
		_, err := ReadJSON(strings.NewReader(other))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"2.0"`)
	})
	t.Run("rejects a finding with an unknown severity", func(t *testing.T) {
		bad := strings.Replace(buf.String(), `"severity": "high"`, `"severity": "critical"`, 1)
		_, err := ReadJSON(strings.NewReader(bad))
		assert.Error(t, err)
	})
}

func TestValidate(t *testing.T) {
	good := sampleReport().Findings[0]
	require.NoError(t, good.Validate())
	cases := []struct {
		name   string
		mutate func(f *Finding)
		want   string
	}{
		{"rejects a detector id with capitals", func(f *Finding) { f.ID = "Reentrancy" }, "detector id"},
		{"rejects a missing severity", func(f *Finding) { f.Severity = 0 }, "invalid severity"},
		{"rejects a missing confidence", func(f *Finding) { f.Confidence = 0 }, "invalid confidence"},
		{"rejects a malformed SWC id", func(f *Finding) { f.SWC = "107" }, "SWC-NNN"},
		{"rejects an unknown DASP category", func(f *Finding) { f.DASP = "Reentrancy" }, "DASP"},
		{"rejects an empty message", func(f *Finding) { f.Message = " " }, "empty message"},
		{"rejects a finding without location", func(f *Finding) { f.Locations = nil }, "no location"},
		{"rejects 0-based lines", func(f *Finding) { f.Locations[0].StartLine = 0 }, "1-based"},
		{"rejects an end before the start", func(f *Finding) { f.Locations[0].EndLine = 1 }, "before start"},
		{"rejects backslashes in paths", func(f *Finding) { f.Locations[0].File = `contracts\Vault.sol` }, "forward slashes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			f.Locations = append([]Location(nil), good.Locations...)
			tc.mutate(&f)
			err := f.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("WriteJSON refuses an invalid report", func(t *testing.T) {
		r := sampleReport()
		r.Findings[0].Message = ""
		assert.Error(t, WriteJSON(&bytes.Buffer{}, r))
	})
}

func TestGoldenJSON(t *testing.T) {
	r := sampleReport()
	r.Normalize()
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, r))
	assertGolden(t, "report.json", buf.Bytes())
}

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./services/internal/findings -update to create %s", path)
	assert.Equal(t, string(want), string(got), "output differs from %s; rerun with -update if the change is intended", path)
}

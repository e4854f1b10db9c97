package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func finding(id string, sev findings.Severity, file string, line, col int, msg string) findings.Finding {
	return findings.Finding{
		Rule:    findings.Rule{ID: id, Title: id, Severity: sev, Confidence: findings.ConfidenceHigh, SWC: "SWC-107"},
		Message: msg,
		Locations: []findings.Location{{
			File: file, StartLine: line, StartColumn: col, EndLine: line, EndColumn: col + 5,
			StartOffset: line * 100, EndOffset: line*100 + 5, Snippet: msg,
		}},
	}
}

func sampleTextReport() *findings.Report {
	r := &findings.Report{
		Tool:  findings.Tool{Name: "solsec", Version: "test"},
		Files: []string{"b.sol", "a.sol", "clean.sol"},
		Findings: []findings.Finding{
			finding("floating-pragma", findings.SeverityInformational, "a.sol", 1, 1, "pragma ^0.8.0 is floating"),
			finding("reentrancy-eth", findings.SeverityHigh, "a.sol", 20, 9, "balances written\n after call"),
			finding("tx-origin", findings.SeverityMedium, "b.sol", 5, 13, "tx.origin used for authorisation"),
			finding("unchecked-call", findings.SeverityHigh, "a.sol", 8, 5, "result of call ignored"),
		},
		Errors: []findings.FileError{{File: "c.sol", Line: 2, Column: 3, Message: "expected ';'"}},
	}
	r.Normalize()
	return r
}

func TestWriteText(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, writeText(&buf, sampleTextReport(), false))
	out := buf.String()

	t.Run("groups by file, then severity, most severe first", func(t *testing.T) {
		want := `a.sol
  high (2)
    8:5   unchecked-call   result of call ignored [SWC-107]
    20:9  reentrancy-eth   balances written after call [SWC-107]
  informational (1)
    1:1   floating-pragma  pragma ^0.8.0 is floating [SWC-107]

b.sol
  medium (1)
    5:13  tx-origin  tx.origin used for authorisation [SWC-107]

4 findings (2 high, 1 medium, 1 informational) in 3 files; 1 file with errors
`
		assert.Equal(t, want, out)
	})
	t.Run("writes no escape codes without colour", func(t *testing.T) {
		assert.NotContains(t, out, "\x1b[")
	})
	t.Run("colours severities and file names with colour", func(t *testing.T) {
		var coloured bytes.Buffer
		require.NoError(t, writeText(&coloured, sampleTextReport(), true))
		s := coloured.String()
		assert.Contains(t, s, styleBold+"a.sol"+styleReset)
		assert.Contains(t, s, severityStyle[findings.SeverityHigh]+"high (2)"+styleReset)
		assert.Contains(t, s, severityStyle[findings.SeverityMedium]+"medium (1)"+styleReset)
		stripped := strings.NewReplacer(styleReset, "", styleBold, "", styleDim, "",
			severityStyle[findings.SeverityHigh], "", severityStyle[findings.SeverityMedium], "",
			severityStyle[findings.SeverityLow], "").Replace(s)
		assert.Equal(t, out, stripped, "colour changes nothing but the escape codes")
	})
	t.Run("says so when there is nothing to report", func(t *testing.T) {
		r := &findings.Report{Tool: findings.Tool{Name: "solsec", Version: "test"}, Files: []string{"a.sol"}}
		r.Normalize()
		var empty bytes.Buffer
		require.NoError(t, writeText(&empty, r, false))
		assert.Equal(t, "no findings in 1 file\n", empty.String())
	})
}

package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
)

// solhintMessage is one entry of `solhint -f json`: the formatter flattens
// every file's messages into one array, adds the file path to each, turns
// the numeric severity into "Error" or "Warning", and appends a summary
// object {"conclusion": "..."} when there was any problem.
type solhintMessage struct {
	Line       *int    `json:"line"`
	Column     int     `json:"column"`
	Severity   string  `json:"severity"`
	Message    string  `json:"message"`
	RuleID     string  `json:"ruleId"`
	FilePath   string  `json:"filePath"`
	Conclusion *string `json:"conclusion"`
}

// ParseSolhint converts Solhint's JSON output to findings. Rules the
// classification table knows get the severity of the weakness they detect;
// other rules are style checks: informational, whatever their lint level.
func ParseSolhint(data []byte) ([]findings.Finding, error) {
	var msgs []json.RawMessage
	if err := decodeStrict(skipPreamble(data), &msgs); err != nil {
		return nil, fmt.Errorf("solhint: %w", err)
	}
	fs := []findings.Finding{}
	for i, raw := range msgs {
		var m solhintMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("solhint: entry %d: %w", i, err)
		}
		if m.Conclusion != nil {
			continue
		}
		switch {
		case m.RuleID == "" || m.Line == nil:
			return nil, fmt.Errorf("solhint: entry %d: missing ruleId or line", i)
		case m.FilePath == "":
			return nil, fmt.Errorf("solhint: entry %d (%s): missing filePath", i, m.RuleID)
		case *m.Line < 1:
			return nil, fmt.Errorf("solhint: entry %d (%s): line %d", i, m.RuleID, *m.Line)
		}
		if !strings.EqualFold(m.Severity, "error") && !strings.EqualFold(m.Severity, "warning") {
			return nil, fmt.Errorf("solhint: entry %d (%s): unknown severity %q", i, m.RuleID, m.Severity)
		}
		col := max(m.Column, 1)
		f := findings.Finding{
			Rule: findings.Rule{
				ID: slug(m.RuleID), Title: m.RuleID,
				Severity: findings.SeverityInformational, Confidence: findings.ConfidenceMedium,
				HelpURL: "https://protofire.github.io/solhint/docs/rules.html",
			},
			Message: strings.TrimSpace(m.Message),
			Locations: []findings.Location{{
				File: m.FilePath, StartLine: *m.Line, StartColumn: col, EndLine: *m.Line, EndColumn: col,
			}},
		}
		if f.Message == "" {
			f.Message = m.RuleID
		}
		if cl, ok := Classify("solhint", m.RuleID); ok {
			cl.apply(&f)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// skipPreamble drops whole lines printed before the JSON array: Solhint
// writes its update notice ("A new version of Solhint is available") on
// standard output ahead of the report. Only lines before one that starts
// with '[' are dropped, so a report cut short is still an error.
func skipPreamble(data []byte) []byte {
	rest := data
	for len(rest) > 0 {
		trimmed := bytes.TrimLeft(rest, " \t\r\n")
		if len(trimmed) == 0 || trimmed[0] == '[' {
			return trimmed
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
	}
	return data
}

package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
)

// mythrilOutput is the document `myth analyze -o json` writes: a success
// flag, an error and the issues, each with its title, SWC id, severity,
// contract, function signature and, when Mythril mapped the bytecode
// address back to source, the file, line and code.
type mythrilOutput struct {
	Success *bool             `json:"success"`
	Error   *string           `json:"error"`
	Issues  []json.RawMessage `json:"issues"`
}

type mythrilIssue struct {
	Title       string `json:"title"`
	SWCID       string `json:"swc-id"`
	Severity    string `json:"severity"`
	Contract    string `json:"contract"`
	Function    string `json:"function"`
	Description string `json:"description"`
	Filename    string `json:"filename"`
	Lineno      int    `json:"lineno"`
	Code        string `json:"code"`
	Address     int    `json:"address"`
}

// mythrilConfidence is the confidence per SWC id. Mythril executes the
// bytecode symbolically and only reports an issue with a transaction
// sequence that triggers it, so most issues are real behaviour; the
// exceptions are the heuristic modules (timestamp and block-value
// dependence, where the behaviour is real but rarely exploitable), and
// exception states (SWC-110), which flag every reachable assert and
// compiler-inserted panic.
var mythrilConfidence = map[string]findings.Confidence{
	"SWC-110": findings.ConfidenceLow,
	"SWC-116": findings.ConfidenceLow,
	"SWC-120": findings.ConfidenceMedium,
	"SWC-114": findings.ConfidenceMedium,
	"SWC-107": findings.ConfidenceMedium,
}

// ParseMythril converts Mythril's JSON output to findings. Issues Mythril
// could not map to a source line (bytecode-only analysis, library code it
// did not compile) cannot be placed in a file; they are returned as
// warnings so that nothing Mythril said is silently lost.
func ParseMythril(data []byte) ([]findings.Finding, []string, error) {
	var out mythrilOutput
	if err := decodeStrict(data, &out); err != nil {
		return nil, nil, fmt.Errorf("mythril: %w", err)
	}
	if out.Success == nil {
		return nil, nil, errors.New("mythril: not Mythril JSON output: no \"success\" field")
	}
	if !*out.Success || (out.Error != nil && *out.Error != "") {
		msg := "no error message"
		if out.Error != nil && *out.Error != "" {
			msg = lastLine(*out.Error)
		}
		return nil, nil, fmt.Errorf("mythril reported failure: %s", msg)
	}
	fs := []findings.Finding{}
	var warnings []string
	for i, raw := range out.Issues {
		var is mythrilIssue
		if err := json.Unmarshal(raw, &is); err != nil {
			return nil, nil, fmt.Errorf("mythril: issue %d: %w", i, err)
		}
		if is.Title == "" {
			return nil, nil, fmt.Errorf("mythril: issue %d: no title", i)
		}
		sev, err := toolSeverity(is.Severity)
		if err != nil {
			return nil, nil, fmt.Errorf("mythril: issue %d (%s): %w", i, is.Title, err)
		}
		swc := normalizeSWC(is.SWCID)
		if is.SWCID != "" && swc == "" {
			return nil, nil, fmt.Errorf("mythril: issue %d (%s): SWC id %q is not a number", i, is.Title, is.SWCID)
		}
		if is.Filename == "" || is.Lineno < 1 {
			warnings = append(warnings, fmt.Sprintf("mythril: %q in %s.%s at bytecode address %d has no source location", is.Title, is.Contract, is.Function, is.Address))
			continue
		}
		conf, ok := mythrilConfidence[swc]
		if !ok {
			conf = findings.ConfidenceHigh
		}
		code := strings.TrimRight(is.Code, "\n")
		codeLines := strings.Split(code, "\n")
		loc := findings.Location{
			File:        is.Filename,
			StartLine:   is.Lineno,
			StartColumn: 1,
			EndLine:     is.Lineno + len(codeLines) - 1,
			EndColumn:   len(codeLines[len(codeLines)-1]) + 1,
			Snippet:     code,
		}
		f := findings.Finding{
			Rule: findings.Rule{
				ID: slug(is.Title), Title: is.Title, Severity: sev, Confidence: conf,
				SWC: swc, DASP: swcDASP[swc],
			},
			Message:   mythrilMessage(is.Description, is.Title),
			Contract:  is.Contract,
			Function:  strings.SplitN(is.Function, "(", 2)[0],
			Locations: []findings.Location{loc},
		}
		if swc != "" {
			f.HelpURL = "https://swcregistry.io/docs/" + swc
		}
		fs = append(fs, f)
	}
	return fs, warnings, nil
}

// mythrilMessage is the description's first line: Mythril puts the one-line
// summary first and a long explanation after it.
func mythrilMessage(desc, title string) string {
	desc = strings.TrimSpace(desc)
	if desc == "" {
		return title
	}
	return strings.TrimSpace(strings.SplitN(desc, "\n", 2)[0])
}

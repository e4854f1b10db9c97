// Package findings is the one model of a security finding that the analysis
// engine, the CLI and every later service share: what a detector reports,
// where, how bad it is, and a fingerprint that identifies the same issue
// across runs even after the code around it is reformatted or moved.
//
// A scan builds a Report, calls Normalize on it (fingerprints, duplicates,
// order) and writes it as JSON (WriteJSON, schema in docs/findings.md) or as
// SARIF 2.1.0 for GitHub code scanning (WriteSARIF).
package findings

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Rule is what a detector says about every finding it reports: its identity,
// classification and the advice shown to users. Findings carry a copy of
// their rule's fields so that a finding read back from JSON is
// self-contained.
type Rule struct {
	// ID is the detector's stable identifier, lower-case words joined by
	// hyphens, e.g. "reentrancy-eth". It never changes once released:
	// fingerprints and SARIF rule ids are derived from it.
	ID    string `json:"detector"`
	Title string `json:"title"`
	// Severity is the rule's default; a finding may report its own.
	Severity   Severity   `json:"severity"`
	Confidence Confidence `json:"confidence"`
	// SWC is the Smart Contract Weakness Classification id, "SWC-107", or
	// empty when no SWC entry fits.
	SWC  string `json:"swc,omitempty"`
	DASP DASP   `json:"dasp,omitempty"`
	// Description explains the weakness in general; Recommendation says how
	// to fix it. Both are Markdown-free plain text.
	Description    string `json:"description"`
	Recommendation string `json:"recommendation"`
	HelpURL        string `json:"helpUrl,omitempty"`
}

// Location is a span of one source file. Lines and columns are 1-based;
// columns count bytes of the line, as the parser reports them. EndLine and
// EndColumn name the position just after the span's last character, as SARIF
// regions do, and the offsets are 0-based byte offsets, EndOffset exclusive.
type Location struct {
	// File is the path relative to the scan root, with forward slashes.
	File        string `json:"file"`
	StartLine   int    `json:"startLine"`
	StartColumn int    `json:"startColumn"`
	EndLine     int    `json:"endLine"`
	EndColumn   int    `json:"endColumn"`
	StartOffset int    `json:"startOffset"`
	EndOffset   int    `json:"endOffset"`
	// Snippet is the source text of the span, when the producer kept it. The
	// primary location's snippet feeds the fingerprint.
	Snippet string `json:"snippet,omitempty"`
	// Message says what this location is for, on secondary locations
	// ("external call here", "state written here").
	Message string `json:"message,omitempty"`
}

// Finding is one issue a detector reports.
type Finding struct {
	Rule
	// Message is specific to this finding: it names the variables, calls or
	// functions involved. The rule's Title and Description stay generic.
	Message string `json:"message"`
	// Contract and Function name the declarations enclosing the primary
	// location; empty at file level. Constructors, fallback and receive
	// functions use those words as their name.
	Contract string `json:"contract,omitempty"`
	Function string `json:"function,omitempty"`
	// Locations[0] is the primary location; the others are related spans.
	Locations []Location `json:"locations"`
	// Fingerprint identifies the finding across runs; see Fingerprint.
	// Normalize fills it in.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Primary returns the finding's primary location, or a zero Location when it
// has none.
func (f *Finding) Primary() Location {
	if len(f.Locations) == 0 {
		return Location{}
	}
	return f.Locations[0]
}

var (
	detectorIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	swcPattern        = regexp.MustCompile(`^SWC-[0-9]{3}$`)
)

// Validate reports every way the rule breaks the model's rules, joined.
func (r *Rule) Validate() error {
	var errs []error
	if !detectorIDPattern.MatchString(r.ID) {
		errs = append(errs, fmt.Errorf("detector id %q: want lower-case words joined by hyphens", r.ID))
	}
	if strings.TrimSpace(r.Title) == "" {
		errs = append(errs, fmt.Errorf("detector %s: empty title", r.ID))
	}
	if !r.Severity.Valid() {
		errs = append(errs, fmt.Errorf("detector %s: invalid severity %d", r.ID, int(r.Severity)))
	}
	if !r.Confidence.Valid() {
		errs = append(errs, fmt.Errorf("detector %s: invalid confidence %d", r.ID, int(r.Confidence)))
	}
	if r.SWC != "" && !swcPattern.MatchString(r.SWC) {
		errs = append(errs, fmt.Errorf("detector %s: SWC id %q: want SWC-NNN", r.ID, r.SWC))
	}
	if r.DASP != "" && !r.DASP.Valid() {
		errs = append(errs, fmt.Errorf("detector %s: unknown DASP category %q", r.ID, r.DASP))
	}
	return errors.Join(errs...)
}

// Validate checks the finding's rule fields, its message and its locations.
func (f *Finding) Validate() error {
	errs := []error{f.Rule.Validate()}
	if strings.TrimSpace(f.Message) == "" {
		errs = append(errs, fmt.Errorf("detector %s: empty message", f.ID))
	}
	if len(f.Locations) == 0 {
		errs = append(errs, fmt.Errorf("detector %s: finding has no location", f.ID))
	}
	for i, l := range f.Locations {
		if err := l.validate(); err != nil {
			errs = append(errs, fmt.Errorf("detector %s: location %d: %w", f.ID, i, err))
		}
	}
	return errors.Join(errs...)
}

func (l Location) validate() error {
	switch {
	case l.File == "":
		return errors.New("empty file")
	case strings.Contains(l.File, `\`):
		return fmt.Errorf("file %q: use forward slashes", l.File)
	case l.StartLine < 1 || l.StartColumn < 1:
		return fmt.Errorf("start %d:%d: lines and columns are 1-based", l.StartLine, l.StartColumn)
	case l.EndLine < l.StartLine || (l.EndLine == l.StartLine && l.EndColumn < l.StartColumn):
		return fmt.Errorf("end %d:%d before start %d:%d", l.EndLine, l.EndColumn, l.StartLine, l.StartColumn)
	case l.StartOffset < 0 || l.EndOffset < l.StartOffset:
		return fmt.Errorf("byte offsets [%d, %d) out of order", l.StartOffset, l.EndOffset)
	}
	return nil
}

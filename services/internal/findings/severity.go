package findings

import (
	"fmt"
	"strings"
)

// Severity is how much harm a finding can do if it is real. The values are
// ordered: a higher value is more severe, so `--fail-on medium` is
// `f.Severity >= SeverityMedium`. The zero value is not a valid severity, so
// a finding whose severity was never set is caught by Validate.
type Severity int

// The four severities, least severe first so that comparisons read naturally.
const (
	SeverityInformational Severity = iota + 1
	SeverityLow
	SeverityMedium
	SeverityHigh
)

// Severities lists every valid severity from most to least severe, the order
// reports are grouped in.
var Severities = []Severity{SeverityHigh, SeverityMedium, SeverityLow, SeverityInformational}

var severityNames = map[Severity]string{
	SeverityInformational: "informational",
	SeverityLow:           "low",
	SeverityMedium:        "medium",
	SeverityHigh:          "high",
}

// String returns the lower-case name used in JSON, SARIF tags and the CLI.
func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Valid reports whether s is one of the four defined severities.
func (s Severity) Valid() bool {
	_, ok := severityNames[s]
	return ok
}

// ParseSeverity accepts a severity name in any case, with surrounding
// spaces, and the common short form "info". It is what `--fail-on` uses.
func ParseSeverity(text string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "high":
		return SeverityHigh, nil
	case "medium":
		return SeverityMedium, nil
	case "low":
		return SeverityLow, nil
	case "informational", "info":
		return SeverityInformational, nil
	}
	return 0, fmt.Errorf("unknown severity %q: want high, medium, low or informational", text)
}

// MarshalText makes severities appear as their names in JSON.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("cannot encode invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText parses a severity name, as ParseSeverity does.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// sarifLevel maps a severity onto SARIF's result levels. SARIF has only
// three; informational findings share "note" with low ones.
func (s Severity) sarifLevel() string {
	switch s {
	case SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// securityScore is the numeric `security-severity` GitHub code scanning reads
// from a rule's properties. GitHub buckets scores as critical (over 9.0),
// high (7.0-8.9), medium (4.0-6.9) and low (up to 3.9); each score sits inside
// the bucket of the same name. Informational rules get the lowest non-zero
// score so GitHub still files them under security rather than quality.
func (s Severity) securityScore() string {
	switch s {
	case SeverityHigh:
		return "8.0"
	case SeverityMedium:
		return "5.5"
	case SeverityLow:
		return "3.0"
	default:
		return "1.0"
	}
}

// Confidence is how likely a detector's finding is a true positive.
// Like Severity it is ordered, and its zero value is invalid.
type Confidence int

// The three confidences, lowest first.
const (
	ConfidenceLow Confidence = iota + 1
	ConfidenceMedium
	ConfidenceHigh
)

var confidenceNames = map[Confidence]string{
	ConfidenceLow:    "low",
	ConfidenceMedium: "medium",
	ConfidenceHigh:   "high",
}

// String returns the lower-case name used in JSON and reports.
func (c Confidence) String() string {
	if n, ok := confidenceNames[c]; ok {
		return n
	}
	return fmt.Sprintf("Confidence(%d)", int(c))
}

// Valid reports whether c is one of the three defined confidences.
func (c Confidence) Valid() bool {
	_, ok := confidenceNames[c]
	return ok
}

// ParseConfidence accepts a confidence name in any case.
func ParseConfidence(text string) (Confidence, error) {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "high":
		return ConfidenceHigh, nil
	case "medium":
		return ConfidenceMedium, nil
	case "low":
		return ConfidenceLow, nil
	}
	return 0, fmt.Errorf("unknown confidence %q: want high, medium or low", text)
}

// MarshalText makes confidences appear as their names in JSON.
func (c Confidence) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("cannot encode invalid confidence %d", int(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText parses a confidence name.
func (c *Confidence) UnmarshalText(b []byte) error {
	v, err := ParseConfidence(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// DASP is a category of the DASP Top 10 (Decentralized Application Security
// Project), the taxonomy the architecture document classifies findings by.
type DASP string

// The ten DASP categories, with their rank in the list.
const (
	DASPReentrancy       DASP = "DASP-1 Reentrancy"
	DASPAccessControl    DASP = "DASP-2 Access Control"
	DASPArithmetic       DASP = "DASP-3 Arithmetic Issues"
	DASPUncheckedCalls   DASP = "DASP-4 Unchecked Return Values For Low Level Calls"
	DASPDenialOfService  DASP = "DASP-5 Denial of Service"
	DASPBadRandomness    DASP = "DASP-6 Bad Randomness"
	DASPFrontRunning     DASP = "DASP-7 Front-Running"
	DASPTimeManipulation DASP = "DASP-8 Time Manipulation"
	DASPShortAddress     DASP = "DASP-9 Short Address Attack"
	DASPUnknownUnknowns  DASP = "DASP-10 Unknown Unknowns"
)

// DASPCategories lists every category in rank order.
var DASPCategories = []DASP{
	DASPReentrancy, DASPAccessControl, DASPArithmetic, DASPUncheckedCalls, DASPDenialOfService,
	DASPBadRandomness, DASPFrontRunning, DASPTimeManipulation, DASPShortAddress, DASPUnknownUnknowns,
}

// Valid reports whether d is one of the ten categories. The empty category
// is allowed on findings (not every finding fits DASP) but is not Valid.
func (d DASP) Valid() bool {
	for _, c := range DASPCategories {
		if c == d {
			return true
		}
	}
	return false
}

// tag is the short form used in SARIF rule tags, e.g. "DASP-1".
func (d DASP) tag() string {
	s := string(d)
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

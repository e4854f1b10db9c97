package findings

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// SchemaVersion is the version of the JSON report format documented in
// docs/findings.md. Additive changes keep the major number; a reader accepts
// any 1.x report.
const SchemaVersion = "1.0"

// Tool names the program that produced a report.
type Tool struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	InformationURI string `json:"informationUri,omitempty"`
}

// FileError records a file that could not be analysed fully: unreadable,
// or with syntax errors. Line and Column are 1-based and 0 when unknown.
type FileError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// Report is the versioned envelope a scan produces.
type Report struct {
	SchemaVersion string `json:"schemaVersion"`
	Tool          Tool   `json:"tool"`
	// GeneratedAt is optional so that reports can be compared byte for byte
	// (golden files, caches); set it when the time matters.
	GeneratedAt *time.Time `json:"generatedAt,omitempty"`
	// Files lists every file the scan analysed (relative, slash-separated),
	// including those with errors.
	Files    []string    `json:"files"`
	Findings []Finding   `json:"findings"`
	Errors   []FileError `json:"errors"`
}

// Summary counts a report's findings by severity.
type Summary struct {
	Files    int            `json:"files"`
	Findings int            `json:"findings"`
	Errors   int            `json:"errors"`
	Severity map[string]int `json:"bySeverity"`
}

// Summary is computed from the findings, never stored separately, so it
// cannot disagree with them.
func (r *Report) Summary() Summary {
	s := Summary{Files: len(r.Files), Findings: len(r.Findings), Errors: len(r.Errors), Severity: map[string]int{}}
	for _, sev := range Severities {
		s.Severity[sev.String()] = 0
	}
	for _, f := range r.Findings {
		s.Severity[f.Severity.String()]++
	}
	return s
}

// CountAtLeast returns how many findings are at least as severe as min:
// the CLI's `--fail-on` exits non-zero when it is positive.
func (r *Report) CountAtLeast(min Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= min {
			n++
		}
	}
	return n
}

// Normalize prepares a report for output: it assigns fingerprints, removes
// duplicate findings, and sorts findings, files and errors. Calling it again
// changes nothing.
func (r *Report) Normalize() {
	if r.SchemaVersion == "" {
		r.SchemaVersion = SchemaVersion
	}
	AssignFingerprints(r.Findings)
	r.Findings = Dedup(r.Findings)
	Sort(r.Findings)
	slices.Sort(r.Files)
	r.Files = slices.Compact(r.Files)
	slices.SortStableFunc(r.Errors, func(a, b FileError) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	if r.Files == nil {
		r.Files = []string{}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Errors == nil {
		r.Errors = []FileError{}
	}
}

// AssignFingerprints sets each finding's Fingerprint. Findings whose base
// fingerprint (see Fingerprint) is equal but which are distinct issues get
// distinct values: two identical unchecked calls in one function (different
// start offsets), or one call a detector reports twice for different reasons
// (same offset, different messages, such as two state variables written
// after it). Such occurrences are ranked by start offset, then message; the
// first keeps the base value and the n-th gets ":n" appended. Findings with
// the same base, offset and message get the same value, which is what lets
// Dedup drop them.
func AssignFingerprints(fs []Finding) {
	type occurrence struct {
		offset  int
		message string
	}
	compareOcc := func(a, b occurrence) int {
		return cmp.Or(cmp.Compare(a.offset, b.offset), cmp.Compare(a.message, b.message))
	}
	byBase := map[string][]occurrence{}
	bases := make([]string, len(fs))
	for i := range fs {
		bases[i] = fs[i].baseFingerprint()
		byBase[bases[i]] = append(byBase[bases[i]], occurrence{fs[i].Primary().StartOffset, fs[i].Message})
	}
	for base, occs := range byBase {
		slices.SortFunc(occs, compareOcc)
		byBase[base] = slices.Compact(occs)
	}
	for i := range fs {
		occs := byBase[bases[i]]
		n, _ := slices.BinarySearchFunc(occs, occurrence{fs[i].Primary().StartOffset, fs[i].Message}, compareOcc)
		if n == 0 {
			fs[i].Fingerprint = bases[i]
		} else {
			fs[i].Fingerprint = bases[i] + ":" + strconv.Itoa(n+1)
		}
	}
}

// Dedup keeps the first finding of each fingerprint, in the input order, and
// returns the shortened slice. When any finding has no fingerprint yet, all
// are assigned first (AssignFingerprints), so that distinct occurrences of
// the same code are never mistaken for duplicates.
func Dedup(fs []Finding) []Finding {
	if slices.ContainsFunc(fs, func(f Finding) bool { return f.Fingerprint == "" }) {
		AssignFingerprints(fs)
	}
	seen := make(map[string]bool, len(fs))
	out := fs[:0]
	for _, f := range fs {
		if seen[f.Fingerprint] {
			continue
		}
		seen[f.Fingerprint] = true
		out = append(out, f)
	}
	return out
}

// Sort orders findings by file, then start line and column, then severity
// (most severe first), then detector id and message, so that output is
// deterministic and reads top to bottom through each file.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, compareFindings)
}

func compareFindings(a, b Finding) int {
	pa, pb := a.Primary(), b.Primary()
	return cmp.Or(
		cmp.Compare(pa.File, pb.File),
		cmp.Compare(pa.StartLine, pb.StartLine),
		cmp.Compare(pa.StartColumn, pb.StartColumn),
		cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(a.ID, b.ID),
		cmp.Compare(a.Message, b.Message),
	)
}

// Validate checks the envelope and every finding.
func (r *Report) Validate() error {
	var errs []error
	if r.SchemaVersion == "" {
		errs = append(errs, errors.New("report: empty schemaVersion"))
	}
	if r.Tool.Name == "" || r.Tool.Version == "" {
		errs = append(errs, errors.New("report: tool name and version are required"))
	}
	for i := range r.Findings {
		if err := r.Findings[i].Validate(); err != nil {
			errs = append(errs, fmt.Errorf("finding %d: %w", i, err))
		}
	}
	for i, e := range r.Errors {
		if e.File == "" || e.Message == "" {
			errs = append(errs, fmt.Errorf("error %d: file and message are required", i))
		}
	}
	return errors.Join(errs...)
}

// jsonReport adds the derived summary to the written document.
type jsonReport struct {
	*Report
	Summary Summary `json:"summary"`
}

// WriteJSON validates the report and writes it as indented JSON, the
// document described in docs/findings.md. Call Normalize first.
func WriteJSON(w io.Writer, r *Report) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("invalid report: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonReport{Report: r, Summary: r.Summary()}); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

// ReadJSON parses a report written by WriteJSON (any 1.x schema version) and
// validates it. Unknown fields are ignored so that newer minor versions stay
// readable.
func ReadJSON(rd io.Reader) (*Report, error) {
	var doc jsonReport
	doc.Report = &Report{}
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("reading JSON report: %w", err)
	}
	r := doc.Report
	if major(r.SchemaVersion) != major(SchemaVersion) {
		return nil, fmt.Errorf("report schemaVersion %q: this reader understands %s.x", r.SchemaVersion, major(SchemaVersion))
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("invalid report: %w", err)
	}
	return r, nil
}

func major(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] == '.' {
			return v[:i]
		}
	}
	return v
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
)

// ANSI styles for the text report. They are written only when stdout is a
// terminal and NO_COLOR is empty (https://no-color.org).
const (
	styleReset = "\x1b[0m"
	styleBold  = "\x1b[1m"
	styleDim   = "\x1b[2m"
)

var severityStyle = map[findings.Severity]string{
	findings.SeverityHigh:          "\x1b[1;31m", // bold red
	findings.SeverityMedium:        "\x1b[33m",   // yellow
	findings.SeverityLow:           "\x1b[36m",   // cyan
	findings.SeverityInformational: "\x1b[2m",    // dim
}

type painter bool

func (p painter) paint(style, s string) string {
	if !p || style == "" {
		return s
	}
	return style + s + styleReset
}

// writeText prints a normalised report for people: findings grouped by file,
// then by severity (most severe first), each with line:col, detector id,
// message and SWC id, and a one-line summary. Errors are not repeated here;
// the scan prints them on standard error.
func writeText(w io.Writer, r *findings.Report, color bool) error {
	p := painter(color)
	bw := bufio.NewWriter(w)
	byFile := map[string][]findings.Finding{}
	var order []string
	for _, f := range r.Findings {
		file := f.Primary().File
		if _, ok := byFile[file]; !ok {
			order = append(order, file)
		}
		byFile[file] = append(byFile[file], f)
	}
	for i, file := range order {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fs := byFile[file]
		locWidth, idWidth := 0, 0
		for _, f := range fs {
			locWidth = max(locWidth, len(position(f)))
			idWidth = max(idWidth, len(f.ID))
		}
		fmt.Fprintln(bw, p.paint(styleBold, file))
		for _, sev := range findings.Severities {
			var group []findings.Finding
			for _, f := range fs {
				if f.Severity == sev {
					group = append(group, f)
				}
			}
			if len(group) == 0 {
				continue
			}
			fmt.Fprintf(bw, "  %s\n", p.paint(severityStyle[sev], fmt.Sprintf("%s (%d)", sev, len(group))))
			for _, f := range group {
				line := fmt.Sprintf("    %-*s  %s  %s", locWidth, position(f),
					p.paint(severityStyle[sev], fmt.Sprintf("%-*s", idWidth, f.ID)), oneLine(f.Message))
				if f.SWC != "" {
					line += " " + p.paint(styleDim, "["+f.SWC+"]")
				}
				fmt.Fprintln(bw, line)
			}
		}
	}
	if len(order) > 0 {
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

func position(f findings.Finding) string {
	l := f.Primary()
	return fmt.Sprintf("%d:%d", l.StartLine, l.StartColumn)
}

// oneLine keeps each finding on one line so the report stays greppable.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// summaryLine reads like "3 findings (1 high, 2 low) in 5 files; 1 file
// with errors", listing only the severities present.
func summaryLine(r *findings.Report) string {
	s := r.Summary()
	var b strings.Builder
	if s.Findings == 0 {
		b.WriteString("no findings")
	} else {
		fmt.Fprintf(&b, "%d %s (", s.Findings, plural(s.Findings, "finding", "findings"))
		first := true
		for _, sev := range findings.Severities {
			if n := s.Severity[sev.String()]; n > 0 {
				if !first {
					b.WriteString(", ")
				}
				first = false
				fmt.Fprintf(&b, "%d %s", n, sev)
			}
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, " in %d %s", s.Files, plural(s.Files, "file", "files"))
	if n := errorFiles(r); n > 0 {
		fmt.Fprintf(&b, "; %d %s with errors", n, plural(n, "file", "files"))
	}
	return b.String()
}

func errorFiles(r *findings.Report) int {
	seen := map[string]bool{}
	for _, e := range r.Errors {
		seen[e.File] = true
	}
	return len(seen)
}

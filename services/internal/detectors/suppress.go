package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
)

// suppressions maps a line number to the detector ids silenced on it; the
// id "all" silences every detector.
type suppressions map[int][]string

const (
	markerNextLine = "solsec-disable-next-line"
	markerLine     = "solsec-disable-line"
)

// parseSuppressions reads `// solsec-disable-next-line id[, id] [-- reason]`
// (applies to the next line that is not blank or a comment) and
// `// solsec-disable-line id` (applies to its own line) comments. The
// reason after "--" is for reviewers; it is not required.
func parseSuppressions(f *analysis.File) suppressions {
	src := string(f.Source)
	if !strings.Contains(src, "solsec-disable") {
		return nil
	}
	s := suppressions{}
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		for _, marker := range []string{markerNextLine, markerLine} {
			at := strings.Index(line, marker)
			if at < 0 {
				continue
			}
			// The marker must sit in a comment.
			if c := strings.Index(line, "//"); c < 0 || c > at {
				if c2 := strings.Index(line, "/*"); c2 < 0 || c2 > at {
					continue
				}
			}
			rest := line[at+len(marker):]
			if marker == markerLine && strings.HasPrefix(line[at:], markerNextLine) {
				continue
			}
			if j := strings.Index(rest, "--"); j >= 0 {
				rest = rest[:j]
			}
			rest = strings.TrimSuffix(strings.TrimSpace(rest), "*/")
			ids := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
			if len(ids) == 0 {
				ids = []string{"all"}
			}
			target := i + 1 // 1-based line of the comment itself
			if marker == markerNextLine {
				target = i + 2
				for target-1 < len(lines) && isBlankOrComment(lines[target-1]) {
					target++
				}
			}
			s[target] = append(s[target], ids...)
			break
		}
	}
	return s
}

func isBlankOrComment(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || strings.HasPrefix(t, "//")
}

func (s suppressions) suppressed(id string, line int) bool {
	for _, x := range s[line] {
		if x == id || x == "all" {
			return true
		}
	}
	return false
}

package tools

import (
	"bytes"
	"slices"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

// Enrich completes what a tool left out of its findings' locations, from
// the sources the tool analysed: byte offsets computed from lines and
// columns (Solhint, Mythril and SARIF give only lines), a location that
// covers only a point widened to the rest of its line, the snippet (which
// feeds the fingerprint, so that findings of line-only tools survive
// reformatting elsewhere), and the enclosing contract and function, found
// with the real parser. Locations in files that are not among the sources,
// or whose lines do not exist there, are left as the tool reported them.
func Enrich(fs []findings.Finding, sources Sources) []findings.Finding {
	units := map[string]*solidity.SourceUnit{}
	for i := range fs {
		f := &fs[i]
		for j := range f.Locations {
			enrichLocation(&f.Locations[j], sources)
		}
		p := f.Primary()
		if f.Contract != "" && f.Function != "" {
			continue
		}
		src, ok := sources.content(p.File)
		if !ok || p.EndOffset <= p.StartOffset {
			continue
		}
		unit, ok := units[p.File]
		if !ok {
			unit, _ = solidity.Parse(p.File, src)
			units[p.File] = unit
		}
		contract, function := Enclosing(unit, p.StartOffset)
		if f.Contract == "" {
			f.Contract = contract
		}
		if f.Function == "" && (f.Contract == contract) {
			f.Function = function
		}
	}
	return fs
}

func enrichLocation(l *findings.Location, sources Sources) {
	src, ok := sources.content(l.File)
	if !ok {
		return
	}
	lines := lineStarts(src)
	lineEnd := func(n int) int { // offset of the end of line n, before its break
		end := len(src)
		if n < len(lines) {
			end = lines[n] - 1
		}
		if end > lines[n-1] && src[end-1] == '\r' {
			end--
		}
		return end
	}
	if l.StartLine < 1 || l.StartLine > len(lines) || l.EndLine > len(lines) {
		return
	}
	if l.StartOffset == 0 && l.EndOffset == 0 && l.Snippet != "" {
		// Mythril gives the line and the code but no column: find the
		// code on that line.
		lineStart := lines[l.StartLine-1]
		if i := bytes.Index(src[lineStart:], []byte(l.Snippet)); i >= 0 && lineStart+i <= lineEnd(l.StartLine) {
			l.StartOffset, l.EndOffset = lineStart+i, lineStart+i+len(l.Snippet)
			l.StartLine, l.StartColumn = position(lines, l.StartOffset)
			l.EndLine, l.EndColumn = position(lines, l.EndOffset)
			return
		}
	}
	if l.StartOffset == 0 && l.EndOffset == 0 {
		start := min(lines[l.StartLine-1]+l.StartColumn-1, lineEnd(l.StartLine))
		end := min(lines[l.EndLine-1]+l.EndColumn-1, lineEnd(l.EndLine))
		if end <= start {
			// A point: widen to the rest of the line, without its
			// indentation, so the snippet is the statement reported.
			lineStart := lines[l.StartLine-1]
			trimmed := lineStart + len(src[lineStart:lineEnd(l.StartLine)]) - len(bytes.TrimLeft(src[lineStart:lineEnd(l.StartLine)], " \t"))
			start = max(start, trimmed)
			if l.StartColumn <= 1 {
				start = trimmed
			}
			end = lineEnd(l.StartLine)
			l.StartColumn = start - lineStart + 1
			l.EndLine = l.StartLine
			l.EndColumn = end - lineStart + 1
		}
		l.StartOffset, l.EndOffset = start, max(end, start)
	}
	if l.Snippet == "" && l.EndOffset <= len(src) && l.StartOffset < l.EndOffset {
		l.Snippet = string(src[l.StartOffset:l.EndOffset])
	}
}

// position returns the 1-based line and column of a byte offset.
func position(lines []int, offset int) (line, col int) {
	n, found := slices.BinarySearch(lines, offset)
	if !found {
		n--
	}
	return n + 1, offset - lines[n] + 1
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// Enclosing returns the names of the innermost contract and function (or
// modifier) whose source span contains the byte offset, as the finding
// model names them: constructors, fallback and receive functions by their
// kind.
func Enclosing(unit *solidity.SourceUnit, offset int) (contract, function string) {
	if unit == nil {
		return "", ""
	}
	inside := func(n solidity.Node) bool { return n.Pos().Offset <= offset && offset < n.End().Offset }
	solidity.Inspect(unit, func(n solidity.Node) bool {
		if n == nil || !inside(n) {
			return n == unit
		}
		switch d := n.(type) {
		case *solidity.ContractDefinition:
			contract = d.Name
		case *solidity.FunctionDefinition:
			function = d.Name
			switch d.Kind {
			case solidity.FuncConstructor, solidity.FuncFallback, solidity.FuncReceive:
				function = d.Kind
			}
			return false
		case *solidity.ModifierDefinition:
			function = d.Name
			return false
		}
		return true
	})
	return contract, function
}

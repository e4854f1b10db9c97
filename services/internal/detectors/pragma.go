package detectors

import (
	"regexp"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "floating-pragma", Title: "Floating or missing compiler version pragma",
		Severity: findings.SeverityInformational, Confidence: findings.ConfidenceHigh, SWC: "SWC-103", DASP: findings.DASPUnknownUnknowns,
		Description:    "The pragma allows a range of compiler versions (or there is none), so the contract may be deployed with a compiler other than the one it was tested with, including versions with known bugs.",
		Recommendation: "Lock the pragma to the exact compiler version used for testing and deployment, e.g. `pragma solidity 0.8.26;`. Libraries meant for reuse may keep a range.",
	}, floatingPragma)
	register(findings.Rule{
		ID: "outdated-compiler", Title: "Outdated compiler version",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceHigh, SWC: "SWC-102", DASP: findings.DASPUnknownUnknowns,
		Description:    "The pragma allows a compiler release older than 0.8.0. Old compilers have known bugs and lack checked arithmetic and other safety features.",
		Recommendation: "Use a recent 0.8.x compiler and lock the pragma to it.",
	}, outdatedCompiler)
}

// lockedVersion is an exact version: "0.8.26" or "=0.8.26".
var lockedVersion = regexp.MustCompile(`^=?\s*\d+\.\d+\.\d+$`)

func floatingPragma(ps *pass) {
	for _, f := range ps.files() {
		prs := solidityPragmas(f)
		if len(prs) == 0 {
			// Report at the first declaration (or the file start) of a file
			// that declares anything.
			if len(f.AST.Nodes) > 0 {
				ps.report(f, firstLineNode(f.AST), nil, nil, "the file has no `pragma solidity`; any compiler version may compile it")
			}
			continue
		}
		for _, p := range prs {
			v := strings.TrimSpace(p.Value)
			if !lockedVersion.MatchString(v) {
				ps.report(f, p, nil, nil, "pragma solidity "+v+" allows several compiler versions")
			}
		}
	}
}

// firstLineNode is a span covering the first byte of the file, for findings
// about the file as a whole.
func firstLineNode(u *solidity.SourceUnit) solidity.Node {
	return spanNode{start: solidity.Position{Offset: 0, Line: 1, Column: 1}, end: solidity.Position{Offset: 0, Line: 1, Column: 1}}
}

// spanNode is a synthetic node for a location no AST node covers.
type spanNode struct{ start, end solidity.Position }

func (s spanNode) Pos() solidity.Position { return s.start }
func (s spanNode) End() solidity.Position { return s.end }
func (s spanNode) NodeKind() string       { return "Span" }

func outdatedCompiler(ps *pass) {
	for _, f := range ps.files() {
		v, ok := minVersion(f)
		if !ok || !v.less(version{0, 8, 0}) {
			continue
		}
		for _, p := range solidityPragmas(f) {
			// A range that still admits 0.8 compilers (interfaces written
			// for broad compatibility, `>=0.4.16`) only permits old
			// compilers; one that excludes them forces an old compiler.
			if allowsModern(p.Value) {
				ps.reportSeverity(findings.SeverityInformational, f, p, nil, nil, "pragma solidity "+strings.TrimSpace(p.Value)+" also allows compiler "+v.String()+", older than 0.8.0")
			} else {
				ps.report(f, p, nil, nil, "pragma solidity "+strings.TrimSpace(p.Value)+" requires a compiler older than 0.8.0 ("+v.String()+")")
			}
			break
		}
	}
}

// allowsModern reports whether a version constraint admits some 0.8.x
// compiler: no exact, caret, tilde or upper bound keeps it below 0.8.
func allowsModern(value string) bool {
	modern := version{0, 8, 0}
	for _, alt := range strings.Split(value, "||") {
		ok := true
		for _, part := range strings.Fields(alt) {
			op := strings.TrimRight(part, "0123456789.x*")
			v, parsed := parseVersion(strings.TrimLeft(part, "^~>=<"))
			if !parsed {
				continue
			}
			switch op {
			case "", "=", "^", "~":
				if v.less(modern) {
					ok = false
				}
			case "<":
				if !modern.less(v) {
					ok = false
				}
			case "<=":
				if v.less(modern) {
					ok = false
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}

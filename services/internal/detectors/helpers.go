package detectors

import (
	"strconv"
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/solidity"
)

// isGlobal reports whether e is `obj.member` on a built-in object (msg,
// block, tx) not shadowed by a local.
func isGlobal(e solidity.Expression, obj, member string) bool {
	m, ok := e.(*solidity.MemberAccess)
	if !ok || m.MemberName != member {
		return false
	}
	id, ok := m.Expression.(*solidity.Identifier)
	return ok && id.Name == obj
}

// calleeName returns the plain name of what a call calls: "require" for
// require(...), "transfer" for a.transfer(...), "" otherwise.
func calleeName(fc *solidity.FunctionCall) string {
	switch x := fc.Expression.(type) {
	case *solidity.Identifier:
		return x.Name
	case *solidity.MemberAccess:
		return x.MemberName
	}
	return ""
}

// version is a Solidity compiler version.
type version struct{ major, minor, patch int }

func (v version) less(o version) bool {
	if v.major != o.major {
		return v.major < o.major
	}
	if v.minor != o.minor {
		return v.minor < o.minor
	}
	return v.patch < o.patch
}

func (v version) String() string {
	return strconv.Itoa(v.major) + "." + strconv.Itoa(v.minor) + "." + strconv.Itoa(v.patch)
}

// solidityPragmas returns a file's `pragma solidity` directives.
func solidityPragmas(f *analysis.File) []*solidity.PragmaDirective {
	var out []*solidity.PragmaDirective
	for _, n := range f.AST.Nodes {
		if p, ok := n.(*solidity.PragmaDirective); ok && p.Name == "solidity" {
			out = append(out, p)
		}
	}
	return out
}

// minVersion returns the lowest compiler version a file's pragma allows,
// and false when the file has no usable pragma.
func minVersion(f *analysis.File) (version, bool) {
	var best version
	found := false
	for _, p := range solidityPragmas(f) {
		for _, part := range strings.Fields(strings.ReplaceAll(p.Value, "||", " ")) {
			op := strings.TrimRight(part, "0123456789.x*")
			if op == "<" || op == "<=" {
				continue
			}
			v, ok := parseVersion(strings.TrimLeft(part, "^~>=<"))
			if !ok {
				continue
			}
			if !found || v.less(best) {
				best, found = v, true
			}
		}
	}
	return best, found
}

func parseVersion(s string) (version, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return version{}, false
	}
	var n [3]int
	for i := 0; i < 3 && i < len(parts); i++ {
		x, err := strconv.Atoi(parts[i])
		if err != nil {
			if parts[i] == "x" || parts[i] == "*" {
				continue
			}
			return version{}, false
		}
		n[i] = x
	}
	return version{n[0], n[1], n[2]}, true
}

// pre08 reports whether a file may compile with a compiler that does not
// check arithmetic (before 0.8.0). Files without a pragma count as old
// when they use constructs 0.8 rejects; otherwise as new.
func pre08(f *analysis.File) bool {
	v, ok := minVersion(f)
	if !ok {
		return false
	}
	return v.less(version{0, 8, 0})
}

// pre05 reports whether a file targets a compiler before 0.5.0.
func pre05(f *analysis.File) bool {
	v, ok := minVersion(f)
	return ok && v.less(version{0, 5, 0})
}

// conditionsOf returns the boolean conditions checked under a node (see
// analysis.Conditions).
func conditionsOf(body solidity.Node) []solidity.Expression { return analysis.Conditions(body) }

// contains reports whether any node under n satisfies pred.
func contains(n solidity.Node, pred func(solidity.Node) bool) bool {
	found := false
	if n == nil {
		return false
	}
	solidity.Inspect(n, func(x solidity.Node) bool {
		if found {
			return false
		}
		if pred(x) {
			found = true
			return false
		}
		return true
	})
	return found
}

// squash removes white space from source text so that expressions written
// differently compare equal.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
}

// isDeployable reports whether a contract is a concrete contract (not an
// interface, library or abstract contract).
func isDeployable(c *analysis.Contract) bool {
	return c.Kind == "contract" && !c.Abstract
}

// nodeLine is the 1-based line a node starts on.
func nodeLine(n solidity.Node) int { return n.Pos().Line }

// literalZero reports `0`, `false`, `address(0)`.
func literalZero(e solidity.Expression) bool {
	switch x := e.(type) {
	case *solidity.Literal:
		return x.Value == "0" || x.Value == "false" || x.Value == "0x0"
	case *solidity.FunctionCall:
		if _, ok := x.Expression.(*solidity.ElementaryTypeNameExpression); ok && len(x.Arguments) == 1 {
			return literalZero(x.Arguments[0])
		}
	}
	return false
}

// mostDerived returns the deployable contracts whose linearization
// includes c, or c itself when nothing derives from it.
func mostDerived(p *analysis.Project, c *analysis.Contract) []*analysis.Contract {
	var out []*analysis.Contract
	for _, k := range p.Contracts {
		if k != c && k.IsDerivedFrom(c.Name) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		out = append(out, c)
	}
	return out
}

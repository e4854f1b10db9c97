package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "integer-overflow", Title: "Integer overflow or underflow (compiler before 0.8)",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-101", DASP: findings.DASPArithmetic,
		Description:    "Before Solidity 0.8 arithmetic wraps around silently. An addition, subtraction or multiplication on a value the caller controls, with no check of the operands or the result, can overflow or underflow: balances become huge, prices tiny.",
		Recommendation: "Compile with Solidity 0.8 or later (checked arithmetic), or use SafeMath for every operation on untrusted values, or require() bounds before the operation.",
	}, func(ps *pass) { overflow(ps, false) })
	register(findings.Rule{
		ID: "unchecked-arithmetic", Title: "Unchecked arithmetic on caller-controlled values",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceLow, SWC: "SWC-101", DASP: findings.DASPArithmetic,
		Description:    "Inside an `unchecked` block arithmetic wraps around even with Solidity 0.8. An operation there on a value the caller controls, with no bounds check, can overflow or underflow.",
		Recommendation: "Keep arithmetic on untrusted values out of `unchecked` blocks, or check its bounds first.",
	}, func(ps *pass) { overflow(ps, true) })
}

var overflowOps = map[string]bool{"+": true, "-": true, "*": true, "**": true, "+=": true, "-=": true, "*=": true}

func overflow(ps *pass, uncheckedOnly bool) {
	for _, f := range ps.functions() {
		if f.Contract != nil && f.Contract.Kind == "library" {
			continue // libraries are checked where they are used with tainted data
		}
		if !uncheckedOnly && !pre08(f.File) {
			continue
		}
		// A view function's arithmetic changes nothing: a wrapped result is
		// a wrong answer, not corrupted state.
		if f.IsView() {
			continue
		}
		inits := localInits(f.Def.Body)
		results := resultNames(f.Def.Body)
		if uncheckedOnly && pre08(f.File) {
			continue
		}
		t := f.Taint()
		conds := f.Conditions()
		for _, m := range f.Modifiers {
			conds = append(conds, conditionsOf(m.Def.Body)...)
		}
		var visit func(n solidity.Node, inUnchecked bool)
		visit = func(n solidity.Node, inUnchecked bool) {
			solidity.Inspect(n, func(x solidity.Node) bool {
				if b, ok := x.(*solidity.Block); ok && b.Unchecked && !inUnchecked {
					visit(b, true)
					return false
				}
				if uncheckedOnly && !inUnchecked {
					return true
				}
				var op string
				var l, r solidity.Expression
				switch e := x.(type) {
				case *solidity.BinaryOperation:
					op, l, r = e.Operator, e.LeftExpression, e.RightExpression
				case *solidity.Assignment:
					op, l, r = e.Operator, e.LeftHandSide, e.RightHandSide
				default:
					return true
				}
				if !overflowOps[op] {
					return true
				}
				if !callerValue(t, l) && !callerValue(t, r) {
					return true
				}
				if isLiteral(l) && isLiteral(r) {
					return true
				}
				if guardedBy(conds, inits, l, r) || postChecked(conds, results, x, l, r) || blockedByConstantGuard(ps.p, f, x) {
					return true
				}
				// Code in `unchecked` was opted out of checks on purpose;
				// any bound the function places on the caller's value is
				// taken as the reasoning behind it (ERC-20 burns rely on
				// value <= balance <= totalSupply).
				if inUnchecked && (boundedSomewhere(conds, l) || boundedSomewhere(conds, r) || checkedBefore(f, x, l) || checkedBefore(f, x, r)) {
					return true
				}
				kind := "overflow"
				if op == "-" || op == "-=" {
					kind = "underflow"
				}
				msg := "`" + f.File.Text(x) + "` can " + kind + ": it uses a caller-controlled value and nothing bounds it"
				// A pragma that also admits 0.8 compilers leaves it to the
				// build: checked there, wrapping with an old compiler.
				if !uncheckedOnly && pragmaAllowsModern(f.File) {
					ps.reportSeverity(findings.SeverityLow, f.File, x, f.Contract, f, msg+" when compiled with a compiler older than 0.8 (the pragma allows both)")
					return true
				}
				ps.report(f.File, x, f.Contract, f, msg)
				return true
			})
		}
		visit(f.Def.Body, false)
	}
}

func isLiteral(e solidity.Expression) bool { _, ok := e.(*solidity.Literal); return ok }

// guardedBy reports a condition that mentions every identifier of both
// operands (literals aside): `require(b <= a)` guards `a - b`. A local
// operand is also covered by a check of what it was initialised from.
func guardedBy(conds []solidity.Expression, inits map[string]solidity.Expression, l, r solidity.Expression) bool {
	need := operandIdents(l)
	for k := range operandIdents(r) {
		need[k] = true
	}
	if len(need) == 0 {
		return true
	}
	for _, c := range conds {
		if c.Pos().Offset <= l.Pos().Offset && r.End().Offset <= c.End().Offset {
			continue // the operation's own condition does not bound it
		}
		have := identifiers(c)
		ok := true
		for k := range need {
			if have[k] {
				continue
			}
			init, isLocal := inits[k]
			if !isLocal || !subset(operandIdents(init), have) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// postChecked reports the SafeMath idiom of checking the result after the
// operation: `c = a + b; require(c >= a)`.
func postChecked(conds []solidity.Expression, results map[solidity.Node]string, op solidity.Node, l, r solidity.Expression) bool {
	name, ok := results[op]
	if !ok {
		return false
	}
	operands := operandIdents(l)
	for k := range operandIdents(r) {
		operands[k] = true
	}
	found := false
	for _, c := range conds {
		solidity.Inspect(c, func(n solidity.Node) bool {
			b, ok := n.(*solidity.BinaryOperation)
			if !ok || found {
				return !found
			}
			switch b.Operator {
			case "<", ">", "<=", ">=", "==", "!=":
			default:
				return true
			}
			have := identifiers(b)
			if !have[name] {
				return true
			}
			for k := range operands {
				if have[k] {
					found = true
				}
			}
			return true
		})
	}
	return found
}

// resultNames maps arithmetic expressions to the local they are stored in.
func resultNames(body solidity.Node) map[solidity.Node]string {
	out := map[solidity.Node]string{}
	solidity.Inspect(body, func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.VariableDeclarationStatement:
			if len(x.Declarations) == 1 && x.Declarations[0] != nil && x.InitialValue != nil {
				out[x.InitialValue] = x.Declarations[0].Name
			}
		case *solidity.Assignment:
			if id, ok := x.LeftHandSide.(*solidity.Identifier); ok && x.Operator == "=" {
				out[x.RightHandSide] = id.Name
			}
		}
		return true
	})
	return out
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// callerValue reports an operand that holds a caller-chosen number:
// a parameter or a value derived from one. msg.value is left out (the ether
// supply bounds it) and so is external return data (the callee is another
// contract, not the caller).
func callerValue(t *analysis.Taint, e solidity.Expression) bool {
	return t.Source(e) == analysis.SourceParam
}

// operandIdents is identifiers() with storage indexes dropped: the
// mapping checked, not the key, is what matters (`require(bal[from] >= v)`
// bounds `bal[to] += v` by conservation of the total).
func operandIdents(e solidity.Expression) map[string]bool {
	out := map[string]bool{}
	var walk func(e solidity.Expression)
	walk = func(e solidity.Expression) {
		switch x := e.(type) {
		case *solidity.IndexAccess:
			walk(x.BaseExpression)
		case *solidity.Identifier:
			out[x.Name] = true
		case nil:
		default:
			for k := range identifiers(e) {
				out[k] = true
			}
		}
	}
	walk(e)
	return out
}

// localInits maps local variable names to their initial values.
func localInits(body solidity.Node) map[string]solidity.Expression {
	out := map[string]solidity.Expression{}
	solidity.Inspect(body, func(n solidity.Node) bool {
		if d, ok := n.(*solidity.VariableDeclarationStatement); ok && len(d.Declarations) == 1 && d.Declarations[0] != nil && d.InitialValue != nil {
			out[d.Declarations[0].Name] = d.InitialValue
		}
		return true
	})
	return out
}

// identifiers collects the names (and member names) an expression uses.
func identifiers(e solidity.Node) map[string]bool {
	out := map[string]bool{}
	if e == nil {
		return out
	}
	solidity.Inspect(e, func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.Identifier:
			out[x.Name] = true
		case *solidity.MemberAccess:
			out["."+x.MemberName] = true
		}
		return true
	})
	return out
}

// boundedSomewhere reports a condition that mentions every identifier of
// a caller-controlled operand.
func boundedSomewhere(conds []solidity.Expression, e solidity.Expression) bool {
	need := operandIdents(e)
	if len(need) == 0 {
		return false
	}
	for _, c := range conds {
		if subset(need, identifiers(c)) {
			return true
		}
	}
	return false
}

// checkedBefore reports checked arithmetic on the same operand earlier in
// the function, outside any unchecked block: `bal[from] -= v` reverts when
// v is too large and `totalSupply += v` when the sum overflows, which
// bounds v for an unchecked `bal[to] += v` after it (solmate's ERC-20).
func checkedBefore(f *analysis.Function, op solidity.Node, operand solidity.Expression) bool {
	need := operandIdents(operand)
	if len(need) == 0 {
		return false
	}
	found := false
	var walk func(n solidity.Node)
	walk = func(n solidity.Node) {
		solidity.Inspect(n, func(x solidity.Node) bool {
			if found || x.Pos().Offset >= op.Pos().Offset {
				return false
			}
			if b, ok := x.(*solidity.Block); ok && b.Unchecked {
				return false
			}
			var right solidity.Expression
			switch e := x.(type) {
			case *solidity.Assignment:
				if e.Operator == "-=" || e.Operator == "+=" {
					right = e.RightHandSide
				}
			case *solidity.BinaryOperation:
				if e.Operator == "-" || e.Operator == "+" {
					right = e.RightExpression
				}
			}
			if right != nil && subset(need, operandIdents(right)) {
				found = true
			}
			return !found
		})
	}
	walk(f.Def.Body)
	return found
}

// pragmaAllowsModern reports a file whose every solidity pragma admits a
// 0.8 compiler.
func pragmaAllowsModern(f *analysis.File) bool {
	prs := solidityPragmas(f)
	if len(prs) == 0 {
		return false
	}
	for _, p := range prs {
		if !allowsModern(p.Value) {
			return false
		}
	}
	return true
}

package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "assert-violation", Title: "assert that callers or state can make fail",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceMedium, SWC: "SWC-110", DASP: findings.DASPUnknownUnknowns,
		Description:    "assert is for invariants that can never fail in correct code; a failing assert signals a bug and, before 0.8, consumes all remaining gas. An assert on caller input, on another contract's answer or on state that functions change can be made to fail.",
		Recommendation: "Use require (or a custom error) to validate inputs, external results and state; keep assert for true invariants.",
	}, assertViolation)
	register(findings.Rule{
		ID: "assert-state-change", Title: "assert with side effects",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "SWC-110", DASP: findings.DASPUnknownUnknowns,
		Description:    "The condition of an assert changes state (an assignment, ++/--, or a call to a state-changing function). Tools and readers treat asserts as side-effect free; the code behaves differently if the assert is ever removed.",
		Recommendation: "Perform the state change in its own statement and assert on its result.",
	}, assertStateChange)
	register(findings.Rule{
		ID: "tainted-array-index", Title: "Array indexed by caller input without bounds check",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceMedium, SWC: "SWC-110", DASP: findings.DASPUnknownUnknowns,
		Description:    "A fixed-size or storage array is read or written at an index the caller chooses, with no check against the length. Out-of-range indexes make the call fail with a panic (an assert violation before 0.8).",
		Recommendation: "require(index < array.length) before indexing, with a clear error.",
	}, taintedArrayIndex)
}

func isAssert(fc *solidity.FunctionCall) bool {
	id, ok := fc.Expression.(*solidity.Identifier)
	return ok && id.Name == "assert" && len(fc.Arguments) == 1
}

func assertViolation(ps *pass) {
	for _, f := range ps.functions() {
		t := f.Taint()
		s := f.Scope()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			fc, ok := n.(*solidity.FunctionCall)
			if !ok || !isAssert(fc) {
				return true
			}
			cond := fc.Arguments[0]
			calls, reads, _ := s.Accesses(cond)
			external := false
			for _, c := range calls {
				if c.IsExternal() || c.Kind == analysis.CallCreate {
					external = true
				}
			}
			switch {
			case literalFalse(cond):
				ps.reportSeverity(findings.SeverityMedium, f.File, fc, f.Contract, f, "assert(false) is reachable; use revert() with a reason")
			case external:
				ps.reportSeverity(findings.SeverityMedium, f.File, fc, f.Contract, f, "assert on the result of an external call; the other contract decides whether it fails")
			case t.Source(cond) == analysis.SourceParam:
				ps.reportSeverity(findings.SeverityMedium, f.File, fc, f.Contract, f, "assert on a caller-controlled value; callers can make it fail")
			case len(reads) > 0:
				ps.report(f.File, fc, f.Contract, f, "assert on state that functions of the contract change; use require if it can legitimately fail")
			case environmentDependent(s, cond):
				ps.report(f.File, fc, f.Contract, f, "assert on a value the environment decides (gas, block, transaction); it can fail without a bug")
			}
			return true
		})
	}
}

// environmentDependent reports conditions on gasleft(), block or
// transaction values, directly or through locals assigned from them.
func environmentDependent(s *analysis.Scope, cond solidity.Expression) bool {
	env := func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.FunctionCall:
			return calleeName(x) == "gasleft"
		case solidity.Expression:
			return blockValue(x) || isGlobal(x, "msg", "gas") || isGlobal(x, "tx", "gasprice")
		}
		return false
	}
	if contains(cond, env) {
		return true
	}
	return contains(cond, func(n solidity.Node) bool {
		id, ok := n.(*solidity.Identifier)
		if !ok {
			return false
		}
		d := s.Local(id.Name)
		return d != nil && s.InitialValue(d) != nil && contains(s.InitialValue(d), env)
	})
}

func literalFalse(e solidity.Expression) bool {
	l, ok := e.(*solidity.Literal)
	return ok && l.Value == "false"
}

func assertStateChange(ps *pass) {
	for _, f := range ps.functions() {
		s := f.Scope()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			fc, ok := n.(*solidity.FunctionCall)
			if !ok || !isAssert(fc) {
				return true
			}
			calls, _, writes := s.Accesses(fc.Arguments[0])
			changes := len(writes) > 0
			for _, c := range calls {
				if c.Callee != nil && !c.Callee.IsView() && (c.Kind == analysis.CallInternal || c.Kind == analysis.CallExternal) {
					changes = true
				}
			}
			if changes {
				ps.report(f.File, fc, f.Contract, f, "the assert condition `"+f.File.Text(fc.Arguments[0])+"` changes state")
			}
			return true
		})
	}
}

func taintedArrayIndex(ps *pass) {
	for _, f := range ps.functions() {
		t := f.Taint()
		s := f.Scope()
		conds := f.Conditions()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			ia, ok := n.(*solidity.IndexAccess)
			if !ok || ia.IndexExpression == nil || !t.Expr(ia.IndexExpression) {
				return true
			}
			// Fixed-size arrays, and storage arrays of any size: both
			// panic on an index past the end.
			at, ok := s.TypeOf(ia.BaseExpression).(*solidity.ArrayTypeName)
			if !ok || (at.Length == nil && s.RootState(ia.BaseExpression) == nil) {
				return true
			}
			idx := identifiers(ia.IndexExpression)
			for _, c := range conds {
				if subset(idx, identifiers(c)) {
					return true
				}
			}
			ps.report(f.File, ia, f.Contract, f, "index "+f.File.Text(ia.IndexExpression)+" comes from the caller and is not checked against the array length")
			return true
		})
	}
}

package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "unbounded-loop", Title: "Gas cost grows with an array anyone can extend",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-128", DASP: findings.DASPDenialOfService,
		Description:    "A loop runs over a storage array, or an operation clears one, whose length any caller can increase. Once the array is long enough the function needs more gas than a block allows and can never run again, locking whatever depends on it.",
		Recommendation: "Bound the array's size, process it in batches with a stored cursor, or let each user handle their own entry (pull pattern).",
	}, unboundedLoop)
	register(findings.Rule{
		ID: "caller-bounded-loop", Title: "Loop bound chosen by the caller",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceMedium, SWC: "SWC-128", DASP: findings.DASPDenialOfService,
		Description:    "The number of loop iterations comes from a parameter. Large values make the call run out of gas; if the loop writes storage per iteration, state can grow without limit.",
		Recommendation: "Cap the parameter with a require.",
	}, callerBoundedLoop)
}

// growableArrays returns the dynamic state arrays some unguarded entry
// function pushes to or lengthens.
func growableArrays(p *analysis.Project, c *analysis.Contract) map[*analysis.StateVar]*analysis.Function {
	out := map[*analysis.StateVar]*analysis.Function{}
	for _, k := range mostDerived(p, c) {
		for _, f := range k.EntryFunctions() {
			if f.Guard().Protected() || f.Def.Body == nil {
				continue
			}
			s := f.Scope()
			solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
				var target solidity.Expression
				switch x := n.(type) {
				case *solidity.FunctionCall:
					if m, ok := x.Expression.(*solidity.MemberAccess); ok && m.MemberName == "push" {
						target = m.Expression
					}
				case *solidity.Assignment:
					if m, ok := x.LeftHandSide.(*solidity.MemberAccess); ok && m.MemberName == "length" {
						target = m.Expression
					}
				case *solidity.UnaryOperation:
					if m, ok := x.SubExpression.(*solidity.MemberAccess); ok && m.MemberName == "length" && x.Operator == "++" {
						target = m.Expression
					}
				}
				if target != nil {
					if v := s.RootState(target); v != nil {
						if _, isArr := v.Decl.TypeName.(*solidity.ArrayTypeName); isArr && out[v] == nil {
							out[v] = f
						}
					}
				}
				return true
			})
		}
	}
	return out
}

func unboundedLoop(ps *pass) {
	for _, c := range ps.contracts() {
		if c.Kind != "contract" {
			continue
		}
		growable := growableArrays(ps.p, c)
		if len(growable) == 0 {
			continue
		}
		for _, f := range c.Functions {
			// A constructor runs once, before anyone could extend anything.
			if f.Def.Body == nil || f.IsConstructor() {
				continue
			}
			s := f.Scope()
			solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
				switch x := n.(type) {
				case *solidity.ForStatement:
					if x.Condition != nil {
						if v := lengthBound(s, x.Condition); v != nil && growable[v] != nil {
							ps.report(f.File, x.Condition, c, f, "the loop runs over "+v.Name+", which anyone can extend through "+growable[v].QualifiedName(), related{x, "loop"})
						}
					}
				case *solidity.WhileStatement:
					if v := lengthBound(s, x.Condition); v != nil && growable[v] != nil {
						ps.report(f.File, x.Condition, c, f, "the loop runs over "+v.Name+", which anyone can extend through "+growable[v].QualifiedName(), related{x, "loop"})
					}
				case *solidity.Assignment:
					// arr = new T[](0) deletes every element: one SSTORE each.
					if v := s.RootState(x.LeftHandSide); v != nil && growable[v] != nil {
						if _, plain := x.LeftHandSide.(*solidity.Identifier); plain && isNewArray(x.RightHandSide) {
							ps.report(f.File, x, c, f, "clearing "+v.Name+" costs gas per element, and anyone can extend it through "+growable[v].QualifiedName())
						}
					}
				case *solidity.UnaryOperation:
					if v := s.RootState(x.SubExpression); x.Operator == "delete" && v != nil && growable[v] != nil {
						if _, plain := x.SubExpression.(*solidity.Identifier); plain {
							ps.report(f.File, x, c, f, "deleting "+v.Name+" costs gas per element, and anyone can extend it through "+growable[v].QualifiedName())
						}
					}
				}
				return true
			})
		}
	}
}

func isNewArray(e solidity.Expression) bool {
	fc, ok := e.(*solidity.FunctionCall)
	if !ok {
		return false
	}
	_, ok = fc.Expression.(*solidity.NewExpression)
	return ok
}

// lengthBound returns the state array whose .length a loop condition
// compares against.
func lengthBound(s *analysis.Scope, cond solidity.Expression) *analysis.StateVar {
	var out *analysis.StateVar
	solidity.Inspect(cond, func(n solidity.Node) bool {
		if m, ok := n.(*solidity.MemberAccess); ok && m.MemberName == "length" && out == nil {
			out = s.RootState(m.Expression)
		}
		return out == nil
	})
	return out
}

func callerBoundedLoop(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() {
			continue
		}
		t := f.Taint()
		conds := f.Conditions()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			fs, ok := n.(*solidity.ForStatement)
			if !ok || fs.Condition == nil {
				return true
			}
			b, ok := fs.Condition.(*solidity.BinaryOperation)
			if !ok || (b.Operator != "<" && b.Operator != "<=") {
				return true
			}
			bound := b.RightExpression
			if id, ok := bound.(*solidity.Identifier); ok {
				if d := f.Scope().Local(id.Name); d != nil && f.Scope().InitialValue(d) != nil {
					bound = f.Scope().InitialValue(d) // uint n = ids.length
				}
			}
			if m, isLen := bound.(*solidity.MemberAccess); (isLen && m.MemberName == "length") || !t.Expr(bound) {
				return true // calldata array lengths are paid for by the caller
			}
			ids := identifiers(bound)
			for _, c := range conds {
				if c != solidity.Expression(fs.Condition) && subset(ids, identifiers(c)) {
					return true
				}
			}
			ps.report(f.File, fs.Condition, f.Contract, f, "the loop bound "+f.File.Text(bound)+" is chosen by the caller and not capped")
			return true
		})
	}
}

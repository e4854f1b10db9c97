package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/solidity"
)

// stateValues returns every value a state variable can hold when all of
// them are literals: its initial value (0 when none) and the right-hand
// side of every plain assignment to it anywhere in the project. ok is false
// when any write is not a literal.
func stateValues(p *analysis.Project, v *analysis.StateVar) (vals map[string]bool, ok bool) {
	vals = map[string]bool{"0": true}
	if v.Decl.Value != nil {
		l, isLit := v.Decl.Value.(*solidity.Literal)
		if !isLit {
			return nil, false
		}
		vals = map[string]bool{l.Value: true}
	}
	ok = true
	for _, f := range p.Functions() {
		if f.Def.Body == nil {
			continue
		}
		s := f.Scope()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			if !ok {
				return false
			}
			switch x := n.(type) {
			case *solidity.Assignment:
				if s.RootState(x.LeftHandSide) != v {
					return true
				}
				l, isLit := x.RightHandSide.(*solidity.Literal)
				if _, plain := x.LeftHandSide.(*solidity.Identifier); !plain || !isLit || x.Operator != "=" {
					ok = false
					return false
				}
				vals[l.Value] = true
			case *solidity.UnaryOperation:
				if s.RootState(x.SubExpression) == v {
					if x.Operator == "delete" {
						vals["0"] = true
					} else if x.Operator == "++" || x.Operator == "--" {
						ok = false
					}
				}
			}
			return true
		})
	}
	return vals, ok
}

// blockedByConstantGuard reports that node can never run: an earlier
// `if (v == L) return;` (or `!=`, or a require) tests a state variable
// against a value it can never (or always) hold.
func blockedByConstantGuard(p *analysis.Project, f *analysis.Function, node solidity.Node) bool {
	s := f.Scope()
	blocked := false
	check := func(cond solidity.Expression, exitsWhenTrue bool) {
		b, ok := cond.(*solidity.BinaryOperation)
		if !ok || (b.Operator != "==" && b.Operator != "!=") {
			return
		}
		id, okID := b.LeftExpression.(*solidity.Identifier)
		lit, okLit := b.RightExpression.(*solidity.Literal)
		if !okID || !okLit {
			return
		}
		v := s.State(id.Name)
		if v == nil {
			return
		}
		vals, ok := stateValues(p, v)
		if !ok {
			return
		}
		// continues: the condition under which execution goes on.
		eq := b.Operator == "=="
		if exitsWhenTrue {
			eq = !eq
		}
		if eq && !vals[lit.Value] {
			blocked = true // needs v == L, never holds
		}
		if !eq && len(vals) == 1 && vals[lit.Value] {
			blocked = true // needs v != L, always equal
		}
	}
	solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
		if blocked || n.Pos().Offset >= node.Pos().Offset {
			return false
		}
		switch x := n.(type) {
		case *solidity.IfStatement:
			if x.End().Offset <= node.Pos().Offset && exits(x.TrueBody) {
				check(x.Condition, true)
			}
		case *solidity.FunctionCall:
			if calleeName(x) == "require" && len(x.Arguments) > 0 && x.End().Offset <= node.Pos().Offset {
				check(x.Arguments[0], false)
			}
		}
		return true
	})
	return blocked
}

// exits reports a statement that always leaves the function.
func exits(s solidity.Statement) bool {
	switch x := s.(type) {
	case *solidity.Return, *solidity.Throw, *solidity.RevertStatement:
		return true
	case *solidity.Block:
		return len(x.Statements) > 0 && exits(x.Statements[len(x.Statements)-1])
	case *solidity.ExpressionStatement:
		if fc, ok := x.Expression.(*solidity.FunctionCall); ok && calleeName(fc) == "revert" {
			return true
		}
	}
	return false
}

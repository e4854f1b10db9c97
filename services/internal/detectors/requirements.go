package detectors

import (
	"math/big"
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "requirement-violation", Title: "Call passes a value its callee's require rejects",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "SWC-123", DASP: findings.DASPUnknownUnknowns,
		Description:    "A call passes a constant argument that a require at the start of the called function always rejects, so the calling code path always reverts.",
		Recommendation: "Pass an argument that satisfies the callee's precondition, or relax the precondition if it is too strict.",
	}, requirementViolation)
}

func requirementViolation(ps *pass) {
	for _, f := range ps.functions() {
		if expectsRevert(f.Name) {
			continue // a test that asserts the call fails
		}
		for _, c := range f.Calls {
			g := c.Callee
			if g == nil || g.Def.Body == nil || g.Def.Parameters == nil || (c.Kind != analysis.CallInternal && c.Kind != analysis.CallExternal && c.Kind != analysis.CallLibrary) {
				continue
			}
			params := g.Def.Parameters.Parameters
			args := c.Node.Arguments
			if len(args) != len(params) {
				continue
			}
			consts := map[string]*big.Int{}
			for i, a := range args {
				if v, ok := intLiteral(a); ok && params[i] != nil && params[i].Name != "" {
					consts[params[i].Name] = v
				}
			}
			if len(consts) == 0 {
				continue
			}
			for _, req := range leadingRequires(g) {
				if violated(req, consts) {
					ps.report(f.File, c.Node, f.Contract, f, "the call "+clip(f.File.Text(c.Node))+" always fails `"+clip(g.File.Text(req))+"` in "+g.QualifiedName(),
						related{req, "precondition"})
				}
			}
		}
	}
}

// leadingRequires returns the require conditions a function checks before
// doing anything else (its first statements).
func leadingRequires(f *analysis.Function) []solidity.Expression {
	var out []solidity.Expression
	for _, st := range f.Def.Body.Statements {
		es, ok := st.(*solidity.ExpressionStatement)
		if !ok {
			break
		}
		fc, ok := es.Expression.(*solidity.FunctionCall)
		if !ok || calleeName(fc) != "require" || len(fc.Arguments) == 0 {
			break
		}
		out = append(out, fc.Arguments[0])
	}
	return out
}

// violated evaluates `a OP b` where each side is a literal or a parameter
// with a known constant, and reports when it is false.
func violated(cond solidity.Expression, consts map[string]*big.Int) bool {
	b, ok := cond.(*solidity.BinaryOperation)
	if !ok {
		return false
	}
	value := func(e solidity.Expression) (*big.Int, bool) {
		if v, ok := intLiteral(e); ok {
			return v, true
		}
		if id, ok := e.(*solidity.Identifier); ok {
			v, ok := consts[id.Name]
			return v, ok
		}
		return nil, false
	}
	l, okL := value(b.LeftExpression)
	r, okR := value(b.RightExpression)
	if !okL || !okR {
		return false
	}
	// At least one side must be an argument: a literal-only condition is
	// not about this call.
	if _, lit := intLiteral(b.LeftExpression); lit {
		if _, lit := intLiteral(b.RightExpression); lit {
			return false
		}
	}
	c := l.Cmp(r)
	switch b.Operator {
	case "<":
		return c >= 0
	case "<=":
		return c > 0
	case ">":
		return c <= 0
	case ">=":
		return c < 0
	case "==":
		return c != 0
	case "!=":
		return c == 0
	}
	return false
}

// intLiteral parses decimal and hex integer literals without units, and
// negated ones.
func intLiteral(e solidity.Expression) (*big.Int, bool) {
	switch x := e.(type) {
	case *solidity.Literal:
		if x.Kind != "number" || x.Subdenomination != "" {
			return nil, false
		}
		v, ok := new(big.Int).SetString(x.Value, 0)
		return v, ok
	case *solidity.UnaryOperation:
		if x.Operator == "-" && x.Prefix {
			if v, ok := intLiteral(x.SubExpression); ok {
				return v.Neg(v), true
			}
		}
	}
	return nil, false
}

// expectsRevert reports Foundry/DappTools test names that expect failure.
func expectsRevert(name string) bool {
	for _, p := range []string{"testFail", "testRevert", "test_Revert", "testCannot", "test_Cannot"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "deprecated-construct", Title: "Deprecated Solidity construct",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceHigh, SWC: "SWC-111", DASP: findings.DASPUnknownUnknowns,
		Description:    "The code uses a construct that later compilers removed (suicide, sha3, throw, callcode, var, block.blockhash, msg.gas, constant functions, years). Some behave differently from what readers expect (callcode, years) and all block upgrading the compiler.",
		Recommendation: "Use the modern equivalents: selfdestruct (or nothing), keccak256, revert(), delegatecall, explicit types, blockhash(), gasleft(), view/pure, and explicit day counts instead of years.",
	}, deprecatedConstructs)
}

func deprecatedConstructs(ps *pass) {
	funcs := map[*solidity.FunctionDefinition]*analysis.Function{}
	for _, fn := range ps.functions() {
		funcs[fn.Def] = fn
	}
	for _, f := range ps.files() {
		file := f
		var inFunc *analysis.Function
		solidity.Inspect(f.AST, func(n solidity.Node) bool {
			report := func(node solidity.Node, msg string) { ps.report(file, node, nil, inFunc, msg) }
			switch x := n.(type) {
			case *solidity.FunctionDefinition:
				inFunc = funcs[x]
				if x.StateMutability == "constant" {
					report(spanNode{x.Pos(), x.Pos()}, "function "+x.Name+" is declared `constant`; use `view` or `pure`")
				}
			case *solidity.FunctionCall:
				if id, ok := x.Expression.(*solidity.Identifier); ok {
					switch id.Name {
					case "suicide":
						report(x, "suicide() is deprecated; use selfdestruct()")
					case "sha3":
						report(x, "sha3() is deprecated; use keccak256()")
					}
				}
				if m, ok := x.Expression.(*solidity.MemberAccess); ok && m.MemberName == "callcode" {
					report(x, "callcode is deprecated and does not preserve msg.sender/msg.value; use delegatecall")
				}
			case *solidity.MemberAccess:
				if isGlobal(x, "block", "blockhash") {
					report(x, "block.blockhash is deprecated; use blockhash()")
				}
				if isGlobal(x, "msg", "gas") {
					report(x, "msg.gas is deprecated; use gasleft()")
				}
			case *solidity.Throw:
				report(x, "throw is deprecated; use revert() or require()")
			case *solidity.VariableDeclarationStatement:
				if x.Var {
					report(x, "`var` is deprecated; declare the type explicitly")
				}
			case *solidity.Literal:
				if x.Subdenomination == "years" {
					report(x, "the `years` unit is deprecated (it ignores leap years)")
				}
			}
			return true
		})
	}
}

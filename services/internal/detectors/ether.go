package detectors

import (
	"regexp"
	"strconv"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "strict-balance-equality", Title: "Strict equality on an ether balance",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-132", DASP: findings.DASPDenialOfService,
		Description:    "A condition requires an ether balance to equal an exact value. Anyone can send ether to any address (selfdestruct, coinbase rewards, pre-computed addresses) and break the equality forever.",
		Recommendation: "Compare balances with >= or <=, and track deposits in a state variable rather than reading balances.",
	}, strictBalanceEquality)
	register(findings.Rule{
		ID: "locked-ether", Title: "Contract accepts ether it can never send",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "", DASP: findings.DASPUnknownUnknowns,
		Description:    "The contract has payable functions (or a payable fallback/receive) but no way to send ether out: no transfer, send, call with value, selfdestruct or delegatecall. Ether sent to it is locked forever.",
		Recommendation: "Remove payable where no ether is expected, or add an (access-controlled) withdrawal.",
	}, lockedEther)
	register(findings.Rule{
		ID: "short-address", Title: "Token transfer without short-address protection",
		Severity: findings.SeverityInformational, Confidence: findings.ConfidenceLow, SWC: "", DASP: findings.DASPShortAddress,
		Description:    "Compilers before 0.5 do not check calldata length. A client that encodes a too-short address makes the EVM pad the amount with zeros, multiplying it by 256 per missing byte.",
		Recommendation: "Compile with Solidity 0.5 or later (which rejects short calldata) or check msg.data.length in transfer functions; validate addresses in clients.",
	}, shortAddress)
	register(findings.Rule{
		ID: "private-data-on-chain", Title: "Secret kept in contract storage",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceLow, SWC: "SWC-136", DASP: findings.DASPUnknownUnknowns,
		Description:    "A payable function stores a caller's secret choice (a guess, a number, a move) in storage. `private` only hides variables from other contracts: anyone can read storage and the transaction inputs, and play against the stored choice.",
		Recommendation: "Use commit-reveal: store only a hash of the choice and a salt, reveal it after all players committed.",
	}, privateData)
}

// balanceRead reports `x.balance` and `this.balance`.
func balanceRead(e solidity.Expression) bool {
	m, ok := e.(*solidity.MemberAccess)
	return ok && m.MemberName == "balance"
}

func strictBalanceEquality(ps *pass) {
	for _, f := range ps.functions() {
		for _, c := range f.Conditions() {
			solidity.Inspect(c, func(n solidity.Node) bool {
				b, ok := n.(*solidity.BinaryOperation)
				if !ok || (b.Operator != "==" && b.Operator != "!=") {
					return true
				}
				if balanceRead(b.LeftExpression) || balanceRead(b.RightExpression) {
					ps.report(f.File, b, f.Contract, f, "`"+clip(f.File.Text(b))+"` requires an exact ether balance; forced ether breaks it")
				}
				return true
			})
		}
	}
}

func lockedEther(ps *pass) {
	for _, c := range ps.contracts() {
		if !isDeployable(c) {
			continue
		}
		var payable *analysis.Function
		for _, k := range c.Linearization {
			for _, f := range k.Functions {
				if f.Def.StateMutability == "payable" && (f.IsEntry() || f.Def.Kind == solidity.FuncReceive || f.Def.Kind == solidity.FuncFallback) && payable == nil {
					payable = f
				}
			}
		}
		if payable == nil || sendsEtherAnywhere(c) {
			continue
		}
		ps.report(c.File, spanNode{c.Def.Pos(), c.Def.Pos()}, c, nil, "contract "+c.Name+" accepts ether ("+payable.QualifiedName()+" is payable) but has no way to send it out")
	}
}

// sendsEtherAnywhere reports any way for ether to leave a contract: a
// payment, a call (which may carry value or run code that does), a
// selfdestruct, a delegatecall or assembly (which may do any of these).
func sendsEtherAnywhere(c *analysis.Contract) bool {
	for _, k := range c.Linearization {
		for _, f := range k.Functions {
			for _, call := range f.Calls {
				switch call.Kind {
				case analysis.CallLowLevel, analysis.CallDelegatecall, analysis.CallExternal, analysis.CallLibrary, analysis.CallUnknown:
					return true
				case analysis.CallBuiltin:
					if call.Member == "selfdestruct" || call.Member == "suicide" {
						return true
					}
				}
			}
			if f.Def.Body != nil && contains(f.Def.Body, func(n solidity.Node) bool { _, ok := n.(*solidity.InlineAssembly); return ok }) {
				return true
			}
		}
	}
	return false
}

func shortAddress(ps *pass) {
	for _, f := range ps.functions() {
		if !pre05(f.File) || !f.IsEntry() || (f.Name != "transfer" && f.Name != "transferFrom" && f.Name != "approve") {
			continue
		}
		if contains(f.Def.Body, func(n solidity.Node) bool { e, ok := n.(solidity.Expression); return ok && isGlobal(e, "msg", "data") }) {
			continue
		}
		for _, m := range f.Def.Modifiers {
			if m.Name.Name == "onlyPayloadSize" {
				goto next
			}
		}
		ps.report(f.File, spanNode{f.Def.Pos(), f.Def.Pos()}, f.Contract, f, f.Name+" does not check msg.data.length; with a pre-0.5 compiler a short address shifts the amount")
	next:
	}
}

func privateData(ps *pass) {
	for _, f := range ps.functions() {
		if f.Def.StateMutability != "payable" || !f.IsEntry() || f.Def.Parameters == nil {
			continue
		}
		t := f.Taint()
		s := f.Scope()
		for _, d := range f.Def.Parameters.Parameters {
			if d == nil || d.Name == "" || !randomName.MatchString(d.Name) && !secretName.MatchString(d.Name) {
				continue
			}
			stored := contains(f.Def.Body, func(n solidity.Node) bool {
				var value solidity.Expression
				var target *analysis.StateVar
				switch x := n.(type) {
				case *solidity.Assignment:
					value, target = x.RightHandSide, s.RootState(x.LeftHandSide)
				case *solidity.FunctionCall:
					if m, ok := x.Expression.(*solidity.MemberAccess); ok && m.MemberName == "push" && len(x.Arguments) == 1 {
						value, target = x.Arguments[0], s.RootState(m.Expression)
					}
				}
				return target != nil && value != nil && t.Expr(value) && identifiers(value)[d.Name]
			})
			if stored {
				ps.report(f.File, spanNode{f.Def.Pos(), f.Def.Pos()}, f.Contract, f, f.QualifiedName()+" stores the player's "+d.Name+" where anyone can read it before the game is decided")
				break
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// secretName matches parameters that carry a player's hidden choice.
var secretName = regexp.MustCompile(`(?i)(guess|number|choice|move|bet|pick|secret|password)`)

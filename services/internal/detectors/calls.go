package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "unchecked-low-level-call", Title: "Unchecked result of a low-level call",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "SWC-104", DASP: findings.DASPUncheckedCalls,
		Description:    "call, delegatecall, staticcall, callcode and send return false instead of reverting when the callee fails. Ignoring the result lets execution continue as if the call (e.g. a payment) had succeeded.",
		Recommendation: "Check the returned success flag (require(success)) or use transfer / OpenZeppelin's Address.sendValue and functionCall, which revert on failure.",
	}, uncheckedLowLevelCall)
	register(findings.Rule{
		ID: "controlled-delegatecall", Title: "delegatecall to a caller-controlled address",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-112", DASP: findings.DASPAccessControl,
		Description:    "delegatecall runs the target's code with this contract's storage and balance. When any caller chooses the target, they can run arbitrary code in the contract's context: overwrite the owner, drain funds or selfdestruct it.",
		Recommendation: "Only delegatecall trusted, fixed implementations (set by an authorised role), or restrict the function to trusted callers.",
	}, controlledDelegatecall)
	register(findings.Rule{
		ID: "calls-in-loop", Title: "External call inside a loop",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-113", DASP: findings.DASPDenialOfService,
		Description:    "A loop makes external calls (often payments). If one recipient reverts or runs out of gas, the whole transaction fails and nobody gets paid: a single malicious recipient blocks everyone (push-payment denial of service).",
		Recommendation: "Favour pull over push payments: record what each recipient is owed and let them withdraw it in separate transactions.",
	}, callsInLoop)
	register(findings.Rule{
		ID: "hardcoded-gas", Title: "Hard-coded gas amount",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceHigh, SWC: "SWC-134", DASP: findings.DASPDenialOfService,
		Description:    "transfer and send forward a fixed 2300 gas stipend, and calls with a literal gas amount assume today's gas costs. Gas repricing (EIP-1884) has broken such calls; recipients that are contracts may not be able to receive.",
		Recommendation: "Use call{value: v}(\"\") with a checked result and reentrancy protection instead of transfer/send, and avoid literal gas amounts.",
	}, hardcodedGas)
	register(findings.Rule{
		ID: "insufficient-gas-griefing", Title: "Relayed call without gas check",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceLow, SWC: "SWC-126", DASP: findings.DASPDenialOfService,
		Description:    "The function forwards caller-supplied data to another contract with a low-level call but does not make sure enough gas is forwarded. A relayer can supply just enough gas for this function but not for the sub-call, which fails silently while the request is marked as done.",
		Recommendation: "Let the requester specify a gas limit and check gasleft() before the call, or only accept relays from trusted forwarders.",
	}, insufficientGasGriefing)
}

// lowLevelMembers are the calls that report failure by returning false.
var lowLevelMembers = map[string]bool{"call": true, "delegatecall": true, "staticcall": true, "callcode": true, "send": true}

func uncheckedLowLevelCall(ps *pass) {
	for _, f := range ps.functions() {
		s := f.Scope()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			switch x := n.(type) {
			case *solidity.ExpressionStatement:
				if fc, ok := x.Expression.(*solidity.FunctionCall); ok {
					if c := s.Classify(fc); c != nil && (c.Kind == analysis.CallLowLevel || c.Kind == analysis.CallDelegatecall) && lowLevelMembers[c.Member] && !isSelf(c.Receiver) {
						ps.reportSeverity(uncheckedSeverity(c), f.File, fc, f.Contract, f, "the result of "+c.Member+" is not checked; a failed call goes unnoticed")
					}
				}
			case *solidity.VariableDeclarationStatement:
				fc, ok := x.InitialValue.(*solidity.FunctionCall)
				if !ok || len(x.Declarations) == 0 || x.Declarations[0] == nil {
					return true
				}
				c := s.Classify(fc)
				if c == nil || (c.Kind != analysis.CallLowLevel && c.Kind != analysis.CallDelegatecall) || !lowLevelMembers[c.Member] || isSelf(c.Receiver) {
					return true
				}
				name := x.Declarations[0].Name
				if !identifierUsedAfter(f.Def.Body, name, x.End().Offset) {
					ps.reportSeverity(uncheckedSeverity(c), f.File, fc, f.Contract, f, "the success flag "+name+" of "+c.Member+" is never checked")
				}
			}
			return true
		})
	}
}

// uncheckedSeverity is medium when a failed call loses ether or runs
// foreign code in our context (send, calls with value, delegatecall), low
// for plain calls whose failure only skips a side effect.
func uncheckedSeverity(c *analysis.Call) findings.Severity {
	if c.SendsValue || c.Kind == analysis.CallDelegatecall {
		return findings.SeverityMedium
	}
	return findings.SeverityLow
}

// identifierUsedAfter reports an identifier named name after offset.
func identifierUsedAfter(body solidity.Node, name string, offset int) bool {
	return contains(body, func(n solidity.Node) bool {
		if id, ok := n.(*solidity.Identifier); ok && id.Name == name && id.Pos().Offset >= offset {
			return true
		}
		if id, ok := n.(*solidity.YulIdentifier); ok && id.Name == name && id.Pos().Offset >= offset {
			return true
		}
		return false
	})
}

func controlledDelegatecall(ps *pass) {
	for _, f := range ps.functions() {
		if f.Contract == nil || !f.IsEntry() || f.Guard().Protected() {
			continue
		}
		t := f.Taint()
		s := f.Scope()
		for _, c := range f.Calls {
			if c.Kind == analysis.CallDelegatecall && c.Receiver != nil && t.Expr(c.Receiver) && !revertsOnSuccess(f.Def.Body, c.Node) {
				ps.report(f.File, c.Node, f.Contract, f, "delegatecall target "+f.File.Text(c.Receiver)+" is chosen by the caller of "+f.QualifiedName())
			}
		}
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			y, ok := n.(*solidity.YulFunctionCall)
			if !ok || (y.FunctionName.Name != "delegatecall" && y.FunctionName.Name != "callcode") || len(y.Arguments) < 2 {
				return true
			}
			if id, ok := y.Arguments[1].(*solidity.YulIdentifier); ok {
				if d := s.Local(id.Name); d != nil && t.Var(d) {
					ps.report(f.File, y, f.Contract, f, "assembly delegatecall target "+id.Name+" is chosen by the caller of "+f.QualifiedName())
				}
			}
			return true
		})
	}
}

func callsInLoop(ps *pass) {
	for _, f := range ps.functions() {
		s := f.Scope()
		reported := map[*solidity.FunctionCall]bool{}
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			var body solidity.Node
			switch x := n.(type) {
			case *solidity.ForStatement:
				body = x.Body
			case *solidity.WhileStatement:
				body = x.Body
			case *solidity.DoWhileStatement:
				body = x.Body
			default:
				return true
			}
			solidity.Inspect(body, func(m solidity.Node) bool {
				fc, ok := m.(*solidity.FunctionCall)
				if !ok || reported[fc] {
					return true
				}
				c := s.Classify(fc)
				if c == nil || !c.IsExternal() || isSelf(c.Receiver) {
					return true
				}
				reported[fc] = true
				sev := findings.SeverityLow
				msg := "external call " + c.Target + " inside a loop"
				// A push payment: ether with no calldata (send, transfer,
				// call{value: v}("")). Executing arbitrary batched calls
				// (governance) is a different, intended pattern.
				if c.Member == "transfer" || c.Member == "send" || c.SendsValue && c.Member == "call" && emptyCalldata(fc) {
					sev = findings.SeverityMedium
					msg = "payment " + f.File.Text(fc) + " inside a loop: one failing recipient blocks every payment"
				}
				ps.reportSeverity(sev, f.File, fc, f.Contract, f, msg, related{n, "loop"})
				return true
			})
			return true
		})
	}
}

// revertsOnSuccess reports `require(!x.delegatecall(...))`: every effect of
// a successful call is rolled back, so the call cannot change anything.
func revertsOnSuccess(body solidity.Node, call *solidity.FunctionCall) bool {
	return contains(body, func(n solidity.Node) bool {
		fc, ok := n.(*solidity.FunctionCall)
		if !ok || calleeName(fc) != "require" || len(fc.Arguments) == 0 {
			return false
		}
		u, ok := fc.Arguments[0].(*solidity.UnaryOperation)
		return ok && u.Operator == "!" && u.SubExpression == solidity.Expression(call)
	})
}

// isSelf reports `this` and `address(this)`.
func isSelf(e solidity.Expression) bool {
	switch x := e.(type) {
	case *solidity.Identifier:
		return x.Name == "this"
	case *solidity.FunctionCall:
		if len(x.Arguments) == 1 {
			return isSelf(x.Arguments[0])
		}
	}
	return false
}

func hardcodedGas(ps *pass) {
	for _, f := range ps.functions() {
		for _, c := range f.Calls {
			switch {
			case c.Kind == analysis.CallLowLevel && (c.Member == "transfer" || c.Member == "send"):
				ps.report(f.File, c.Node, f.Contract, f, c.Member+" forwards a fixed 2300 gas stipend; contract recipients may fail to receive")
			case c.GasExpr != nil:
				if _, lit := c.GasExpr.(*solidity.Literal); lit {
					ps.report(f.File, c.Node, f.Contract, f, "the call forwards a hard-coded gas amount ("+f.File.Text(c.GasExpr)+")")
				}
			}
		}
	}
}

func insufficientGasGriefing(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() {
			continue
		}
		usesGasleft := contains(f.Def.Body, func(n solidity.Node) bool {
			fc, ok := n.(*solidity.FunctionCall)
			return ok && (calleeName(fc) == "gasleft" || isGlobal(fc.Expression, "msg", "gas"))
		})
		if usesGasleft {
			continue
		}
		t := f.Taint()
		for _, c := range f.Calls {
			if c.Kind != analysis.CallLowLevel || c.Member != "call" || c.GasExpr != nil || len(c.Node.Arguments) == 0 {
				continue
			}
			data := c.Node.Arguments[0]
			if !t.Expr(data) || mentionsGas(f.File.Text(data)) {
				continue
			}
			ps.report(f.File, c.Node, f.Contract, f, "caller-supplied data is relayed with "+c.Target+" without checking that enough gas is forwarded")
		}
	}
}

func mentionsGas(text string) bool { return strings.Contains(strings.ToLower(text), "gas") }

// emptyCalldata reports a call whose only argument is "" (or none).
func emptyCalldata(fc *solidity.FunctionCall) bool {
	if len(fc.Arguments) == 0 {
		return true
	}
	l, ok := fc.Arguments[0].(*solidity.Literal)
	return ok && len(fc.Arguments) == 1 && l.Value == ""
}

func init() {
	register(findings.Rule{
		ID: "unchecked-token-transfer", Title: "Unchecked ERC-20 transfer result",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-104", DASP: findings.DASPUncheckedCalls,
		Description:    "ERC-20 transfer, transferFrom and approve return false on failure for many tokens instead of reverting. Ignoring the result lets the contract credit a deposit or finish a payout that never happened.",
		Recommendation: "Use OpenZeppelin's SafeERC20 (safeTransfer, safeTransferFrom, forceApprove) or require the returned value.",
	}, uncheckedTokenTransfer)
	register(findings.Rule{
		ID: "push-refund-dos", Title: "Refund to a previous caller can block the function",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-113", DASP: findings.DASPDenialOfService,
		Description:    "The function must pay an address an earlier caller stored (the previous highest bidder, the last king) and reverts if that payment fails. That caller can be a contract that always rejects ether, blocking the function for everyone forever.",
		Recommendation: "Record the refund and let the previous caller withdraw it (pull payment) instead of pushing it inside the function.",
	}, pushRefundDoS)
}

// tokenMethods return a success flag in ERC-20.
var tokenMethods = map[string]bool{"transfer": true, "transferFrom": true, "approve": true}

func uncheckedTokenTransfer(ps *pass) {
	for _, f := range ps.functions() {
		s := f.Scope()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			es, ok := n.(*solidity.ExpressionStatement)
			if !ok {
				return true
			}
			fc, ok := es.Expression.(*solidity.FunctionCall)
			if !ok {
				return true
			}
			c := s.Classify(fc)
			if c == nil || c.Kind != analysis.CallExternal || !tokenMethods[c.Member] {
				return true
			}
			// Only when the interface says it returns a bool: a token
			// declared without return values cannot be checked this way.
			if c.Callee == nil || len(returnTypes(c.Callee)) != 1 || returnTypes(c.Callee)[0] != "bool" {
				return true
			}
			// A known implementation that can only return true (it reverts
			// on failure) has nothing to check.
			if alwaysTrue(c.Callee) {
				return true
			}
			ps.report(f.File, fc, f.Contract, f, "the bool returned by "+c.Target+" is ignored; tokens that return false on failure go unnoticed")
			return true
		})
	}
}

func pushRefundDoS(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() {
			continue
		}
		s := f.Scope()
		for _, c := range f.Calls {
			if !canPay(c) || c.Receiver == nil || !paymentMustSucceed(f, c) {
				continue
			}
			// The recipient is stored state that callers of this function
			// replace with themselves.
			root := c.Receiver
			if fc, ok := root.(*solidity.FunctionCall); ok && len(fc.Arguments) == 1 {
				root = fc.Arguments[0] // payable(x)
			}
			v := s.RootState(root)
			if v == nil || !storesCaller(f, v) {
				continue
			}
			ps.report(f.File, c.Node, f.Contract, f, "the refund to "+f.File.Text(c.Receiver)+" must succeed; a previous caller that rejects ether blocks "+f.QualifiedName()+" for everyone")
		}
	}
}

// paymentMustSucceed reports transfer (reverts on failure) and send/call
// whose result is required.
func paymentMustSucceed(f *analysis.Function, c *analysis.Call) bool {
	if c.Member == "transfer" {
		return true
	}
	return contains(f.Def.Body, func(n solidity.Node) bool {
		fc, ok := n.(*solidity.FunctionCall)
		if !ok || calleeName(fc) != "require" || len(fc.Arguments) == 0 {
			return false
		}
		return contains(fc.Arguments[0], func(x solidity.Node) bool { return x == solidity.Node(c.Node) })
	}) || resultRequired(f, c)
}

// resultRequired reports `(bool ok, ) = x.call{...}(...); require(ok)`.
func resultRequired(f *analysis.Function, c *analysis.Call) bool {
	name := ""
	solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
		if d, ok := n.(*solidity.VariableDeclarationStatement); ok && d.InitialValue == solidity.Expression(c.Node) && len(d.Declarations) > 0 && d.Declarations[0] != nil {
			name = d.Declarations[0].Name
		}
		return name == ""
	})
	if name == "" {
		return false
	}
	for _, cond := range f.Conditions() {
		if identifiers(cond)[name] {
			return true
		}
	}
	return false
}

// storesCaller reports that f writes msg.sender into v.
func storesCaller(f *analysis.Function, v *analysis.StateVar) bool {
	s := f.Scope()
	return contains(f.Def.Body, func(n solidity.Node) bool {
		a, ok := n.(*solidity.Assignment)
		return ok && s.RootState(a.LeftHandSide) == v && isSenderExpr(a.RightHandSide)
	})
}

// alwaysTrue reports an implemented function whose every return statement
// returns the literal true.
func alwaysTrue(f *analysis.Function) bool {
	if f.Def.Body == nil {
		return false
	}
	returns, allTrue := 0, true
	solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
		if r, ok := n.(*solidity.Return); ok {
			returns++
			if l, ok := r.Expression.(*solidity.Literal); !ok || l.Value != "true" {
				allTrue = false
			}
		}
		return true
	})
	return returns > 0 && allTrue
}

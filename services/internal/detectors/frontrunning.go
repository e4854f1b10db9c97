package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "erc20-approve-race", Title: "ERC-20 approve can be front-run",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceMedium, SWC: "SWC-114", DASP: findings.DASPFrontRunning,
		Description:    "approve overwrites an allowance with a new value. A spender who sees the owner's transaction changing N to M can spend N first and then M after it is mined, N+M in total.",
		Recommendation: "Offer increaseAllowance/decreaseAllowance, or require the allowance to be 0 before setting a new non-zero value; clients should set 0 first.",
	}, approveRace)
	register(findings.Rule{
		ID: "reward-race", Title: "Payout amount can change while a claim is pending",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceLow, SWC: "SWC-114", DASP: findings.DASPFrontRunning,
		Description:    "A function pays the caller an amount read from state, and another function can change that amount. Whoever orders transactions (the owner, a miner, a bot paying more gas) can change the reward just before a claim is mined, or race others to claim first.",
		Recommendation: "Fix the payout when the claim is committed, or let claimers state the amount they expect and revert if it changed.",
	}, rewardRace)
	register(findings.Rule{
		ID: "hash-reveal-frontrun", Title: "Solution revealed in a transaction can be copied",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-114", DASP: findings.DASPFrontRunning,
		Description:    "The function pays whoever submits a value whose hash matches a stored hash. The answer is visible in the mempool; anyone can copy it and submit it with a higher gas price.",
		Recommendation: "Use commit-reveal: first commit keccak256(answer, sender, salt), reveal in a later block, and pay the committed sender.",
	}, hashReveal)
}

func approveRace(ps *pass) {
	for _, f := range ps.functions() {
		if f.Name != "approve" || !f.IsEntry() || f.Def.Parameters == nil || len(f.Def.Parameters.Parameters) != 2 {
			continue
		}
		// ERC-721 approve(to, tokenId) names one spender per token; the
		// race is about fungible allowances.
		if declaresAll(f.Contract, []string{"ownerOf"}) {
			continue
		}
		value := f.Def.Parameters.Parameters[1]
		if value == nil || value.Name == "" {
			continue
		}
		// Writes the allowance directly (or through a helper) and does not
		// demand that the previous allowance is zero.
		if len(f.WritesAll) == 0 {
			continue
		}
		zeroCheck := false
		for _, c := range f.Conditions() {
			if contains(c, func(n solidity.Node) bool { l, ok := n.(*solidity.Literal); return ok && l.Value == "0" }) && identifiers(c)[value.Name] {
				zeroCheck = true
			}
		}
		if !zeroCheck {
			ps.report(f.File, spanNode{f.Def.Pos(), f.Def.Pos()}, f.Contract, f, "approve overwrites the allowance; a spender can front-run a change and spend both the old and the new amount")
		}
	}
}

func rewardRace(ps *pass) {
	for _, c := range ps.contracts() {
		if c.Kind != "contract" {
			continue
		}
		// Amounts paid to the caller straight from a state variable.
		paid := map[*analysis.StateVar]*analysis.Function{}
		for _, f := range c.EntryFunctions() {
			if f.Def.Body == nil {
				continue
			}
			s := f.Scope()
			for _, call := range f.Calls {
				if !canPay(call) || call.ValueExpr == nil || !isSenderExpr(call.Receiver) {
					continue
				}
				if id, ok := call.ValueExpr.(*solidity.Identifier); ok {
					if v := s.State(id.Name); v != nil && paid[v] == nil {
						paid[v] = f
					}
				}
			}
		}
		for _, f := range c.EntryFunctions() {
			if f.IsConstructor() || f.Def.Body == nil {
				continue
			}
			for _, v := range f.WritesAll {
				if p := paid[v]; p != nil && p != f {
					ps.report(f.File, spanNode{f.Def.Pos(), f.Def.Pos()}, c, f, f.QualifiedName()+" changes "+v.Name+", the amount "+p.QualifiedName()+" pays out; a pending claim can be front-run")
				}
			}
		}
	}
}

func hashReveal(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() {
			continue
		}
		pays := false
		for _, c := range f.Calls {
			if canPay(c) && isSenderExpr(c.Receiver) {
				pays = true
			}
		}
		if !pays {
			continue
		}
		t, s := f.Taint(), f.Scope()
		for _, cond := range f.Conditions() {
			b, ok := cond.(*solidity.BinaryOperation)
			if !ok || b.Operator != "==" {
				continue
			}
			for _, pair := range [][2]solidity.Expression{{b.LeftExpression, b.RightExpression}, {b.RightExpression, b.LeftExpression}} {
				hash, ok := pair[0].(*solidity.FunctionCall)
				if !ok || (calleeName(hash) != "keccak256" && calleeName(hash) != "sha3" && calleeName(hash) != "sha256") || !t.Expr(hash) {
					continue
				}
				if id, ok := pair[1].(*solidity.Identifier); ok && s.State(id.Name) != nil {
					ps.report(f.File, b, f.Contract, f, "the answer checked by `"+clip(f.File.Text(b))+"` is visible in the mempool before the payout")
				}
			}
		}
	}
}

// isSenderExpr reports msg.sender, also inside payable(...)/address(...).
func isSenderExpr(e solidity.Expression) bool {
	if fc, ok := e.(*solidity.FunctionCall); ok && len(fc.Arguments) == 1 {
		if _, conv := fc.Expression.(*solidity.ElementaryTypeNameExpression); conv {
			return isSenderExpr(fc.Arguments[0])
		}
	}
	return isGlobal(e, "msg", "sender") || isMsgSenderCall(e)
}

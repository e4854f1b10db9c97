package detectors

import (
	"regexp"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "weak-randomness", Title: "Randomness from block values",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-120", DASP: findings.DASPBadRandomness,
		Description:    "Block values (timestamp, number, blockhash, difficulty/prevrandao, coinbase) are known to or chosen by validators and visible to any contract in the same block. A \"random\" number derived from them can be predicted or influenced, so games and lotteries built on it can be won at will.",
		Recommendation: "Use a verifiable randomness source (Chainlink VRF) or a commit-reveal scheme over several parties.",
	}, weakRandomness)
	register(findings.Rule{
		ID: "timestamp-dependence", Title: "Decision depends on block time",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceMedium, SWC: "SWC-116", DASP: findings.DASPTimeManipulation,
		Description:    "A condition uses block.timestamp or block.number as a clock. Validators can shift timestamps by several seconds and block times vary, so short deadlines or block-count durations are imprecise and can be gamed.",
		Recommendation: "Only depend on time at a granularity that tolerates drift (minutes or more); do not use block.number to measure time.",
	}, timestampDependence)
}

// blockValue reports the block values a validator controls or knows first.
func blockValue(e solidity.Expression) bool {
	switch x := e.(type) {
	case *solidity.Identifier:
		return x.Name == "now"
	case *solidity.MemberAccess:
		if id, ok := x.Expression.(*solidity.Identifier); ok && id.Name == "block" {
			switch x.MemberName {
			case "timestamp", "number", "difficulty", "prevrandao", "coinbase", "gaslimit", "blockhash":
				return true
			}
		}
	case *solidity.FunctionCall:
		return calleeName(x) == "blockhash" && !isMemberCall(x) || isGlobal(x.Expression, "block", "blockhash")
	}
	return false
}

func isMemberCall(fc *solidity.FunctionCall) bool {
	_, ok := fc.Expression.(*solidity.MemberAccess)
	return ok
}

func hasBlockValue(n solidity.Node) bool {
	return contains(n, func(x solidity.Node) bool {
		e, ok := x.(solidity.Expression)
		return ok && blockValue(e)
	})
}

func hasBlockhash(n solidity.Node) bool {
	return contains(n, func(x solidity.Node) bool {
		fc, ok := x.(*solidity.FunctionCall)
		return ok && (calleeName(fc) == "blockhash" && !isMemberCall(fc) || isGlobal(fc.Expression, "block", "blockhash"))
	})
}

// randomName matches names that announce a random value.
var randomName = regexp.MustCompile(`(?i)(random|rand\b|seed|salt|entropy|lucky|winner|answer|secret|lottery|dice|roll)`)

func weakRandomness(ps *pass) {
	// State variables initialised from block values are random seeds when
	// their name says so.
	for _, c := range ps.contracts() {
		for _, v := range c.StateVars {
			if v.Decl.Value != nil && hasBlockValue(v.Decl.Value) && randomName.MatchString(v.Name) {
				ps.report(c.File, v.Decl, c, nil, "state variable "+v.Name+" is seeded from block values, which validators know or control")
			}
		}
	}
	for _, f := range ps.functions() {
		if f.IsView() && f.Contract != nil && f.Contract.Kind == "library" {
			continue
		}
		s := f.Scope()
		reportedLines := map[int]bool{}
		report := func(n solidity.Node, msg string) {
			if reportedLines[nodeLine(n)] {
				return
			}
			reportedLines[nodeLine(n)] = true
			ps.report(f.File, n, f.Contract, f, msg)
		}
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			switch x := n.(type) {
			case *solidity.FunctionCall:
				switch calleeName(x) {
				case "keccak256", "sha3", "sha256":
					// Hashing a timestamp alone is how signatures and ids
					// carry deadlines; entropy-looking values (blockhash,
					// difficulty/prevrandao, coinbase) are only hashed to
					// make a "random" number.
					if hasEntropyValue(x) {
						report(x, "hash of block values used as randomness: `"+clip(f.File.Text(x))+"`")
					}
				}
			case *solidity.BinaryOperation:
				if x.Operator == "%" && hasBlockValue(x.LeftExpression) && !powerOfTwo(x.RightExpression) {
					report(x, "block value reduced modulo "+f.File.Text(x.RightExpression)+" as a random number")
				} else if (x.Operator == "*" || x.Operator == "+" || x.Operator == "^" || x.Operator == "/") && hasBlockValue(x) && mentionsRandomVar(s, x) {
					report(x, "block values mixed into the random value `"+clip(f.File.Text(x))+"`")
				}
			case *solidity.VariableDeclarationStatement:
				if x.InitialValue != nil && len(x.Declarations) == 1 && x.Declarations[0] != nil {
					name := x.Declarations[0].Name
					flag := hasBlockValue(x.InitialValue) && randomName.MatchString(name)
					if hasBlockhash(x.InitialValue) {
						// A committed future blockhash checked to be recent is
						// the accepted pattern; a stale one is 0.
						flag = !f.IsView() && !recentBlockChecked(f, x.InitialValue)
					}
					if flag {
						report(x, name+" is derived from block values, which validators know or control")
					}
				}
			case *solidity.Assignment:
				if hasBlockValue(x.RightHandSide) && randomName.MatchString(f.File.Text(x.LeftHandSide)) {
					report(x, f.File.Text(x.LeftHandSide)+" is derived from block values, which validators know or control")
				}
			}
			return true
		})
	}
}

// mentionsRandomVar reports an identifier with a random-sounding name in e.
func mentionsRandomVar(s *analysis.Scope, e solidity.Node) bool {
	return contains(e, func(n solidity.Node) bool {
		id, ok := n.(*solidity.Identifier)
		return ok && randomName.MatchString(id.Name)
	})
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

func timestampDependence(ps *pass) {
	for _, f := range ps.functions() {
		s := f.Scope()
		for _, cond := range f.Conditions() {
			if hasTimeValue(cond) {
				ps.report(f.File, cond, f.Contract, f, "the condition `"+clip(f.File.Text(cond))+"` depends on block time")
				continue
			}
			// A helper that compares time: if (isSaleFinished()).
			calls, _, _ := s.Accesses(cond)
			for _, c := range calls {
				if c.Callee != nil && c.Kind == analysis.CallInternal && c.Callee.Def.Body != nil && hasTimeValue(c.Callee.Def.Body) {
					ps.report(f.File, cond, f.Contract, f, "the condition `"+clip(f.File.Text(cond))+"` depends on block time through "+c.Callee.QualifiedName())
					break
				}
			}
		}
		// block.number used as a clock: stored as a future block number.
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			a, ok := n.(*solidity.Assignment)
			if !ok || s.RootState(a.LeftHandSide) == nil {
				return true
			}
			if b, ok := a.RightHandSide.(*solidity.BinaryOperation); ok && b.Operator == "+" && (isGlobal(b.LeftExpression, "block", "number") || isGlobal(b.RightExpression, "block", "number")) {
				ps.report(f.File, a, f.Contract, f, "block.number is used as a clock; block times vary")
			}
			return true
		})
	}
}

func hasTimeValue(n solidity.Node) bool {
	return contains(n, func(x solidity.Node) bool {
		e, ok := x.(solidity.Expression)
		if !ok {
			return false
		}
		if id, ok := e.(*solidity.Identifier); ok && id.Name == "now" {
			return true
		}
		return isGlobal(e, "block", "timestamp")
	})
}

// recentBlockChecked reports a condition that limits blockhash's argument
// to the last 256 blocks (older hashes are 0, which a player can predict).
func recentBlockChecked(f *analysis.Function, e solidity.Expression) bool {
	var arg solidity.Expression
	solidity.Inspect(e, func(n solidity.Node) bool {
		if fc, ok := n.(*solidity.FunctionCall); ok && len(fc.Arguments) == 1 && arg == nil {
			if calleeName(fc) == "blockhash" {
				arg = fc.Arguments[0]
			}
		}
		return arg == nil
	})
	if arg == nil {
		return false
	}
	need := identifiers(arg)
	for _, c := range f.Conditions() {
		if subset(need, identifiers(c)) && contains(c, func(n solidity.Node) bool {
			l, ok := n.(*solidity.Literal)
			return ok && l.Value == "256"
		}) {
			return true
		}
	}
	return false
}

// hasEntropyValue reports block values that only serve as a (bad) source
// of entropy: blockhash, difficulty/prevrandao and coinbase.
func hasEntropyValue(n solidity.Node) bool {
	return hasBlockhash(n) || contains(n, func(x solidity.Node) bool {
		e, ok := x.(solidity.Expression)
		return ok && (isGlobal(e, "block", "difficulty") || isGlobal(e, "block", "prevrandao") || isGlobal(e, "block", "coinbase"))
	})
}

// powerOfTwo reports `2**k` and power-of-two literals: `% 2**32` truncates
// a timestamp to 32 bits, it does not pick a random number.
func powerOfTwo(e solidity.Expression) bool {
	switch x := e.(type) {
	case *solidity.BinaryOperation:
		if l, ok := x.LeftExpression.(*solidity.Literal); ok && x.Operator == "**" && l.Value == "2" {
			return true
		}
	case *solidity.TupleExpression:
		if len(x.Components) == 1 && x.Components[0] != nil {
			return powerOfTwo(x.Components[0])
		}
	case *solidity.Literal:
		if v, ok := intLiteral(x); ok && v.BitLen() > 8 {
			return v.BitLen()-1 == int(v.TrailingZeroBits())
		}
	}
	return false
}

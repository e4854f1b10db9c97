package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "unprotected-ether-withdrawal", Title: "Anyone can withdraw ether",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-105", DASP: findings.DASPAccessControl,
		Description:    "A public function sends the contract's ether to an address the caller chooses (often msg.sender) without checking who the caller is and without debiting an account of theirs, or behind a check the caller can make pass (an owner variable anyone can overwrite).",
		Recommendation: "Restrict the function to an authorised role (onlyOwner), or pay out only what the caller's own account holds and debit it first.",
	}, unprotectedWithdrawal)
	register(findings.Rule{
		ID: "unprotected-selfdestruct", Title: "Anyone can destroy the contract",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-106", DASP: findings.DASPAccessControl,
		Description:    "selfdestruct is reachable by any caller (or behind a check the caller can make pass). The attacker removes the contract's code and takes its ether.",
		Recommendation: "Remove selfdestruct, or restrict it to an authorised role whose variables only authorised roles can change.",
	}, unprotectedSelfdestruct)
	register(findings.Rule{
		ID: "tx-origin-auth", Title: "Authorisation through tx.origin",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "SWC-115", DASP: findings.DASPAccessControl,
		Description:    "tx.origin is the account that started the transaction, not the immediate caller. A malicious contract the owner interacts with can call this contract and pass a tx.origin check.",
		Recommendation: "Use msg.sender for authorisation.",
	}, txOriginAuth)
	register(findings.Rule{
		ID: "missing-access-control", Title: "Anyone can change privileged state",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-105", DASP: findings.DASPAccessControl,
		Description:    "A public function without any caller check stores a caller-chosen value into a variable that other functions use to decide who is authorised (owner, admins, roles). Any caller can make themselves privileged.",
		Recommendation: "Restrict the function to the current authorised role, or make it callable only once during construction.",
	}, missingAccessControl)
	register(findings.Rule{
		ID: "unprotected-initializer", Title: "Initializer callable by anyone, more than once",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-105", DASP: findings.DASPAccessControl,
		Description:    "A public init/initialize function sets up state (often the owner) but neither restricts its caller nor stops itself from running again. An attacker can front-run the deployer's call or re-initialize later.",
		Recommendation: "Use an `initializer` modifier (OpenZeppelin Initializable) or a flag checked and set in the function, and initialise in the same transaction as deployment.",
	}, unprotectedInitializer)
}

// canPay reports a call that moves ether out of the contract.
func canPay(c *analysis.Call) bool {
	if c.Kind != analysis.CallLowLevel {
		return false
	}
	if c.Member == "transfer" || c.Member == "send" {
		return true
	}
	return c.Member == "call" && sendsEther(c)
}

// debitsCaller reports whether f keeps per-account books: it reads and
// writes a state entry keyed by the caller (balances[msg.sender]).
func debitsCaller(f *analysis.Function) bool {
	s := f.Scope()
	return contains(f.Def.Body, func(n solidity.Node) bool {
		var target solidity.Expression
		switch x := n.(type) {
		case *solidity.Assignment:
			target = x.LeftHandSide
		case *solidity.UnaryOperation:
			if x.Operator == "delete" || x.Operator == "--" {
				target = x.SubExpression
			}
		}
		if target == nil || s.RootState(target) == nil {
			return false
		}
		return contains(target, func(k solidity.Node) bool {
			e, ok := k.(solidity.Expression)
			return ok && (isGlobal(e, "msg", "sender") || isMsgSenderCall(e))
		})
	}) || writesAccountOfRecipient(f)
}

func isMsgSenderCall(e solidity.Expression) bool {
	fc, ok := e.(*solidity.FunctionCall)
	return ok && strings.Contains(strings.ToLower(calleeName(fc)), "msgsender")
}

// writesAccountOfRecipient covers books keyed by something other than
// msg.sender: a function that writes any mapping before or after paying
// (claims, refunds by id) has accounting the detector cannot judge.
func writesAccountOfRecipient(f *analysis.Function) bool {
	for _, v := range f.WritesAll {
		if _, ok := v.Decl.TypeName.(*solidity.Mapping); ok {
			return true
		}
	}
	return false
}

// unguardedReason explains why f's callers are not restricted, or "" when
// they are.
func unguardedReason(f *analysis.Function) string {
	g := f.Guard()
	if g.Protected() {
		return ""
	}
	if g.Bypass != nil {
		return "its caller check relies on " + g.BypassVar.Name + ", which anyone can set through " + g.Bypass.QualifiedName()
	}
	return "it does not check its caller"
}

func unprotectedWithdrawal(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() || f.Contract.Kind != "contract" {
			continue
		}
		// A payable function is a trade or a game: the caller pays in and
		// may win; the payout logic is other detectors' business (weak
		// randomness, front-running).
		payable := f.Def.StateMutability == "payable"
		why := unguardedReason(f)
		t := f.Taint()
		for _, c := range f.Calls {
			if !canPay(c) || c.Receiver == nil {
				continue
			}
			recipient := f.File.Text(c.Receiver)
			g := f.Guard()
			switch {
			case why == "":
				if r := confusedBalanceCheck(f, c); r != nil {
					ps.report(f.File, c.Node, f.Contract, f, "the balance check `"+f.File.Text(r)+"` is inverted: callers can withdraw more than they hold", related{r, "inverted check"})
				}
				continue
			case g.Bypass != nil:
				// Whoever takes over the check controls the payment.
			case t.Expr(c.Receiver):
				if payable {
					continue
				}
				if debitsCaller(f) {
					if r := confusedBalanceCheck(f, c); r != nil {
						ps.report(f.File, c.Node, f.Contract, f, "the balance check `"+f.File.Text(r)+"` is inverted: callers can withdraw more than they hold", related{r, "inverted check"})
					}
					continue
				}
			default:
				continue
			}
			ps.report(f.File, c.Node, f.Contract, f, f.QualifiedName()+" sends ether to "+recipient+" and "+why)
		}
	}
}

// confusedBalanceCheck finds `require(amount >= balances[msg.sender])`
// guarding a payment of amount: the comparison is the wrong way round.
func confusedBalanceCheck(f *analysis.Function, c *analysis.Call) solidity.Expression {
	if c.ValueExpr == nil {
		return nil
	}
	amount := squash(f.File.Text(c.ValueExpr))
	var found solidity.Expression
	for _, cond := range f.Conditions() {
		b, ok := cond.(*solidity.BinaryOperation)
		if !ok {
			continue
		}
		var small, big solidity.Expression
		switch b.Operator {
		case ">=", ">":
			small, big = b.RightExpression, b.LeftExpression
		case "<=", "<":
			small, big = b.LeftExpression, b.RightExpression
		default:
			continue
		}
		// Correct: amount <= balance. Inverted: balance <= amount.
		if squash(f.File.Text(big)) == amount && f.Scope().RootState(small) != nil {
			if _, isIndex := small.(*solidity.IndexAccess); isIndex {
				found = b
			}
		}
	}
	return found
}

func unprotectedSelfdestruct(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() || f.Contract.Kind != "contract" || f.IsView() {
			continue
		}
		why := unguardedReason(f)
		if why == "" {
			continue
		}
		for _, c := range f.Calls {
			if c.Kind == analysis.CallBuiltin && (c.Member == "selfdestruct" || c.Member == "suicide") && !blockedByConstantGuard(ps.p, f, c.Node) {
				ps.report(f.File, c.Node, f.Contract, f, f.QualifiedName()+" can destroy the contract and "+why)
			}
		}
		// Through an internal helper.
		for _, c := range f.Calls {
			if c.Callee == nil || c.Kind != analysis.CallInternal {
				continue
			}
			for _, d := range c.Callee.Calls {
				if d.Kind == analysis.CallBuiltin && (d.Member == "selfdestruct" || d.Member == "suicide") {
					ps.report(f.File, c.Node, f.Contract, f, f.QualifiedName()+" reaches selfdestruct through "+c.Callee.QualifiedName()+" and "+why)
				}
			}
		}
	}
}

func txOriginAuth(ps *pass) {
	for _, f := range ps.functions() {
		for _, cond := range f.Conditions() {
			solidity.Inspect(cond, func(n solidity.Node) bool {
				b, ok := n.(*solidity.BinaryOperation)
				if !ok || (b.Operator != "==" && b.Operator != "!=") {
					return true
				}
				l, r := b.LeftExpression, b.RightExpression
				if isGlobal(r, "tx", "origin") {
					l, r = r, l
				}
				// tx.origin == msg.sender is the "caller is an EOA" check,
				// not authorisation.
				if isGlobal(l, "tx", "origin") && !isGlobal(r, "msg", "sender") {
					ps.report(f.File, b, f.Contract, f, "`"+f.File.Text(b)+"` authorises by tx.origin; a contract the user calls can pass it")
				}
				return true
			})
		}
	}
	for _, c := range ps.contracts() {
		for _, m := range c.Modifiers {
			for _, cond := range conditionsOf(m.Def.Body) {
				if contains(cond, func(n solidity.Node) bool { e, ok := n.(solidity.Expression); return ok && isGlobal(e, "tx", "origin") }) &&
					!contains(cond, func(n solidity.Node) bool {
						e, ok := n.(solidity.Expression)
						return ok && isGlobal(e, "msg", "sender")
					}) {
					ps.report(c.File, cond, c, nil, "modifier "+m.Name+" authorises by tx.origin; a contract the user calls can pass it")
				}
			}
		}
	}
}

// guardVarsOf collects the variables some function of c's hierarchy uses to
// check its callers.
func guardVarsOf(p *analysis.Project, c *analysis.Contract) map[*analysis.StateVar]*analysis.Function {
	out := map[*analysis.StateVar]*analysis.Function{}
	for _, f := range p.Functions() {
		if f.Contract == nil || !(f.Contract == c || c.IsDerivedFrom(f.Contract.Name) || f.Contract.IsDerivedFrom(c.Name)) {
			continue
		}
		for _, v := range f.Guard().Vars {
			if out[v] == nil {
				out[v] = f
			}
		}
	}
	return out
}

func missingAccessControl(ps *pass) {
	guardCache := map[*analysis.Contract]map[*analysis.StateVar]*analysis.Function{}
	for _, f := range ps.functions() {
		if !f.IsEntry() || f.IsConstructor() || f.Contract.Kind != "contract" || isInitializerName(f.Name) {
			continue
		}
		g := f.Guard()
		if g.Checked || g.ByName || g.OneShot || f.Def.StateMutability == "payable" {
			continue
		}
		if strings.EqualFold(f.Name, f.Contract.Name) || startsUpper(f.Name) && setsOwnerFromSender(f) {
			continue // reported as wrong-constructor-name
		}
		candidate := false
		for _, v := range f.TaintedWritesAll() {
			if privilegeLike(v) {
				candidate = true
			}
		}
		if !candidate {
			continue
		}
		guards, ok := guardCache[f.Contract]
		if !ok {
			guards = guardVarsOf(ps.p, f.Contract)
			guardCache[f.Contract] = guards
		}
		for _, v := range f.TaintedWritesAll() {
			user := guards[v]
			if user == nil || user == f {
				continue
			}
			if !privilegeLike(v) {
				continue
			}
			ps.report(f.File, spanNode{f.Def.Pos(), f.Def.Pos()}, f.Contract, f,
				f.QualifiedName()+" lets any caller set "+v.Name+", which "+user.QualifiedName()+" uses to authorise its callers")
			break
		}
	}
}

func isInitializerName(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "init") || strings.HasPrefix(l, "setup")
}

func unprotectedInitializer(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() || f.Contract.Kind != "contract" || !isInitializerName(f.Name) || f.IsView() {
			continue
		}
		g := f.Guard()
		// Only initialisers that store what the caller passes (an owner,
		// a token address) hand anything over.
		if g.Checked || g.ByName || g.OneShot || !storesAddress(f) {
			continue
		}
		// A one-shot flag: the function reads a variable it also writes
		// in a condition (require(!initialized); initialized = true).
		if checksOwnWrite(f) {
			continue
		}
		ps.report(f.File, spanNode{f.Def.Pos(), f.Def.Pos()}, f.Contract, f,
			f.QualifiedName()+" initialises state, can be called by anyone and can be called again")
	}
}

// checksOwnWrite reports a condition on a state variable the function
// itself writes: the shape of a run-once flag.
func checksOwnWrite(f *analysis.Function) bool {
	s := f.Scope()
	conds := f.Conditions()
	for _, m := range f.Modifiers {
		conds = append(conds, conditionsOf(m.Def.Body)...)
	}
	for _, c := range conds {
		hit := contains(c, func(n solidity.Node) bool {
			id, ok := n.(*solidity.Identifier)
			if !ok {
				return false
			}
			v := s.State(id.Name)
			if v == nil {
				return false
			}
			for _, w := range f.WritesAll {
				if w == v {
					return true
				}
			}
			return false
		})
		if hit {
			return true
		}
	}
	return false
}

// storesAddress reports an initialiser that stores a caller-chosen address
// (or the caller) into an address variable: an owner, a token, an oracle.
func storesAddress(f *analysis.Function) bool {
	for _, v := range f.TaintedWritesAll() {
		if e, ok := v.Decl.TypeName.(*solidity.ElementaryTypeName); ok && e.Name == "address" {
			return true
		}
		if _, ok := v.Decl.TypeName.(*solidity.UserDefinedTypeName); ok {
			return true
		}
	}
	return setsOwnerFromSender(f)
}

// privilegeLike reports variables that hold who is privileged: an address
// (owner, admin) or a flat set keyed by address (admins[a] = true,
// owners[a] = a). Nested mappings are per-account relations (operator
// approvals), structs and arrays are records and participant lists: anyone
// writing their own entry there is normal.
func privilegeLike(v *analysis.StateVar) bool {
	switch t := v.Decl.TypeName.(type) {
	case *solidity.ElementaryTypeName:
		return t.Name == "address"
	case *solidity.Mapping:
		k, ok := t.KeyType.(*solidity.ElementaryTypeName)
		if !ok || k.Name != "address" {
			return false
		}
		val, ok := t.ValueType.(*solidity.ElementaryTypeName)
		return ok && (val.Name == "bool" || val.Name == "address" || val.Name == "uint" || val.Name == "uint256" || val.Name == "uint8")
	}
	return false
}

package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "reentrancy-eth", Title: "Reentrancy: state written after a call that sends ether",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-107", DASP: findings.DASPReentrancy,
		Description:    "A function sends ether with a call that forwards all gas, then updates state it read before the call. The recipient can re-enter the function (or another one) while the state still has its old value, e.g. withdraw the same balance again.",
		Recommendation: "Apply checks-effects-interactions: update state before the external call, or protect the function with a reentrancy guard (nonReentrant).",
	}, func(ps *pass) { reentrancy(ps, "eth") })
	register(findings.Rule{
		ID: "reentrancy-no-eth", Title: "Reentrancy: state written after an external call",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-107", DASP: findings.DASPReentrancy,
		Description:    "A function calls another contract and afterwards writes state it read before the call. The callee can re-enter while that state is stale.",
		Recommendation: "Move the state update before the external call (checks-effects-interactions) or add a reentrancy guard.",
	}, func(ps *pass) { reentrancy(ps, "no-eth") })
	register(findings.Rule{
		ID: "reentrancy-cross-function", Title: "Cross-function reentrancy",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceLow, SWC: "SWC-107", DASP: findings.DASPReentrancy,
		Description:    "A function writes a state variable after an external call, and another public function of the contract uses that variable. The callee can re-enter through the other function and act on the stale value.",
		Recommendation: "Update state before external calls, or guard every function that shares the state with the same reentrancy lock.",
	}, func(ps *pass) { reentrancy(ps, "cross") })
	register(findings.Rule{
		ID: "reentrancy-read-only", Title: "Read-only reentrancy",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceLow, SWC: "SWC-107", DASP: findings.DASPReentrancy,
		Description:    "A reentrancy-guarded function updates state after an external call, and a view function exposes that state. During the call the view returns a stale value; other protocols reading it (e.g. a price) can be manipulated even though the guard stops direct re-entry.",
		Recommendation: "Finish state updates before external calls, or make the view functions check the reentrancy lock and revert while it is held.",
	}, func(ps *pass) { reentrancy(ps, "read-only") })
}

// hasReentrancyGuard reports a lock modifier (nonReentrant and the like,
// or any modifier that reads and writes the same state around `_`) or an
// explicit _nonReentrantBefore() call.
func hasReentrancyGuard(f *analysis.Function) bool {
	for _, m := range f.Def.Modifiers {
		n := strings.ToLower(m.Name.Name)
		if strings.Contains(n, "reentran") || strings.Contains(n, "lock") || strings.Contains(n, "mutex") || n == "guarded" {
			return true
		}
	}
	for _, m := range f.Modifiers {
		for _, w := range m.Writes {
			for _, r := range m.Reads {
				if w == r && hasPlaceholder(m.Def.Body) && len(m.Calls) > 0 {
					// A flag checked (require) and set around the body.
					for _, c := range m.Calls {
						if c.Kind == analysis.CallBuiltin && (c.Member == "require" || c.Member == "assert") {
							return true
						}
					}
				}
			}
		}
	}
	for _, c := range f.Calls {
		if c.Callee != nil && strings.Contains(strings.ToLower(c.Callee.Name), "nonreentrant") {
			return true
		}
	}
	return false
}

func hasPlaceholder(b *solidity.Block) bool {
	return contains(b, func(n solidity.Node) bool { _, ok := n.(*solidity.PlaceholderStatement); return ok })
}

// reentrantCall reports calls that hand control to another contract with
// enough gas to re-enter: not send/transfer, not view calls.
func reentrantCall(s *analysis.Scope, c *analysis.Call) bool {
	if trustedReceiver(s, c.Receiver) {
		return false
	}
	switch c.Kind {
	case analysis.CallExternal:
		if c.Callee != nil && c.Callee.IsView() {
			return false
		}
		if id, ok := c.Receiver.(*solidity.Identifier); ok && id.Name == "this" {
			return false
		}
		return true
	case analysis.CallLowLevel:
		return c.Member == "call" && !gasStipend(c)
	case analysis.CallDelegatecall:
		return false
	}
	return false
}

// trustedReceiver reports calls on an immutable or constant address: the
// deployer fixed that code (a wrapped token, a registry) and the caller
// cannot swap in a contract that re-enters.
func trustedReceiver(s *analysis.Scope, e solidity.Expression) bool {
	if s == nil {
		return false
	}
	for {
		fc, ok := e.(*solidity.FunctionCall)
		if !ok {
			break
		}
		if len(fc.Arguments) == 1 {
			e = fc.Arguments[0] // address(x), IERC20(x), payable(x)
			continue
		}
		// A getter of immutable state: underlying().transferFrom(...).
		c := s.Classify(fc)
		if c == nil || c.Callee == nil || c.Kind != analysis.CallInternal || len(c.Callee.ReadsAll) == 0 || !c.Callee.IsView() {
			return false
		}
		for _, v := range c.Callee.ReadsAll {
			if !v.Decl.Immutable && !v.Decl.Constant {
				return false
			}
		}
		return true
	}
	id, ok := e.(*solidity.Identifier)
	if !ok {
		return false
	}
	if d := s.Local(id.Name); d != nil {
		return s.CreatedLocally(d)
	}
	v := s.State(id.Name)
	return v != nil && (v.Decl.Immutable || v.Decl.Constant)
}

// gasStipend reports a call limited to a small literal gas amount.
func gasStipend(c *analysis.Call) bool {
	if c.GasExpr == nil {
		return false
	}
	l, ok := c.GasExpr.(*solidity.Literal)
	return ok && len(l.Value) <= 4
}

func sendsEther(c *analysis.Call) bool {
	return c.SendsValue && c.ValueExpr != nil && !literalZero(c.ValueExpr)
}

// nodeEffects lists the reentrant calls a CFG node makes (directly or
// through internal functions) and the state it writes.
type nodeEffects struct {
	calls  []*analysis.Call
	writes []*analysis.StateVar
	// callWrites are writes in the same node that happen after its call:
	// `x = c.f()` assigns the call's result.
	callWrites []*analysis.StateVar
}

func effectsOf(n *analysis.CFGNode, memo map[*analysis.Function][]*analysis.Call) nodeEffects {
	var e nodeEffects
	if n.AST == nil || n.Scope == nil {
		return e
	}
	calls, _, writes := n.Scope.Accesses(n.AST)
	e.writes = writes
	for _, c := range calls {
		if reentrantCall(n.Scope, c) {
			e.calls = append(e.calls, c)
		}
		if c.Callee != nil && (c.Kind == analysis.CallInternal || c.Kind == analysis.CallLibrary) {
			e.writes = append(e.writes, c.Callee.WritesAll...)
			e.calls = append(e.calls, transitiveReentrant(c.Callee, memo, map[*analysis.Function]bool{})...)
		}
	}
	if len(e.calls) > 0 {
		if es, ok := n.AST.(*solidity.ExpressionStatement); ok {
			if a, ok := es.Expression.(*solidity.Assignment); ok && contains(a.RightHandSide, func(x solidity.Node) bool { _, ok := x.(*solidity.FunctionCall); return ok }) {
				e.callWrites = append(e.callWrites, n.Scope.RootState(a.LeftHandSide))
			}
		}
	}
	return e
}

// transitiveReentrant lists reentrant calls made by an internal function
// or anything it calls internally.
func transitiveReentrant(f *analysis.Function, memo map[*analysis.Function][]*analysis.Call, seen map[*analysis.Function]bool) []*analysis.Call {
	if r, ok := memo[f]; ok {
		return r
	}
	if seen[f] {
		return nil
	}
	seen[f] = true
	var out []*analysis.Call
	for _, c := range f.Calls {
		if reentrantCall(f.Scope(), c) {
			out = append(out, c)
		}
		if c.Callee != nil && (c.Kind == analysis.CallInternal || c.Kind == analysis.CallLibrary) {
			out = append(out, transitiveReentrant(c.Callee, memo, seen)...)
		}
	}
	memo[f] = out
	return out
}

// afterCall is one state write that can follow a reentrant call.
type afterCall struct {
	v *analysis.StateVar
	// readBefore is set when v is read before any reentrant call happened
	// on some path: the stale value is then what the function acted on.
	readBefore bool
	// recheckedAfter is set when a condition after the call reads v again
	// (TimelockController's _afterCall): a reentrant change is caught there.
	recheckedAfter bool
	write          *analysis.CFGNode
	call           *analysis.Call
	eth            bool
}

// writesAfterCalls runs a forward may-analysis over the CFG: which
// reentrant calls may have happened before each node; every state write
// at a node reached after a call is returned once per variable.
func writesAfterCalls(f *analysis.Function, memo map[*analysis.Function][]*analysis.Call) []afterCall {
	g := f.CFG()
	eff := make([]nodeEffects, len(g.Nodes))
	anyCall := false
	for i, n := range g.Nodes {
		eff[i] = effectsOf(n, memo)
		if len(eff[i].calls) > 0 {
			anyCall = true
		}
	}
	if !anyCall {
		return nil
	}
	// in[i]: the first reentrant call (and whether any sends ether) that
	// may precede node i.
	type fact struct {
		call *analysis.Call
		eth  bool
	}
	in := make([]fact, len(g.Nodes))
	out := make([]fact, len(g.Nodes))
	// The facts only grow (no call -> a call, no ether -> ether), so
	// sweeping the nodes until nothing changes terminates quickly.
	for changed := true; changed; {
		changed = false
		for i, n := range g.Nodes {
			cur := in[i]
			for _, p := range n.Preds {
				po := out[p.ID]
				if cur.call == nil && po.call != nil {
					cur.call = po.call
				}
				if po.eth && !cur.eth {
					cur.call, cur.eth = po.call, true
				}
			}
			in[i] = cur
			o := cur
			for _, c := range eff[i].calls {
				if o.call == nil {
					o.call = c
				}
				if sendsEther(c) && !o.eth {
					o.call, o.eth = c, true
				}
			}
			if o != out[i] {
				out[i] = o
				changed = true
			}
		}
	}
	// What the function decides on before the first call: state read in
	// conditions (if/while, require/assert, also inside internal helpers)
	// and in the arguments of the call itself. A stale value matters only
	// if something was decided on it.
	before := map[*analysis.StateVar]bool{}
	after := map[*analysis.StateVar]bool{}
	for i, n := range g.Nodes {
		if n.AST == nil || n.Scope == nil {
			continue
		}
		target := before
		if in[i].call != nil {
			target = after
		}
		for _, v := range decisionReads(n) {
			target[v] = true
		}
		if in[i].call == nil {
			for _, c := range eff[i].calls {
				for _, r := range readsThroughLocals(n.Scope, c.Node) {
					before[r] = true
				}
			}
		}
	}
	var res []afterCall
	seen := map[*analysis.StateVar]bool{}
	for i, n := range g.Nodes {
		writes := eff[i].callWrites
		fc := fact{}
		if len(eff[i].calls) > 0 {
			fc = fact{call: eff[i].calls[0], eth: sendsEther(eff[i].calls[0])}
		}
		if in[i].call != nil {
			writes = append(writes, eff[i].writes...)
			fc = fact{call: in[i].call, eth: in[i].eth}
		}
		for _, v := range writes {
			if v == nil || seen[v] || v.Decl.Constant || v.Decl.Immutable {
				continue
			}
			seen[v] = true
			res = append(res, afterCall{v: v, readBefore: before[v], recheckedAfter: after[v], write: n, call: fc.call, eth: fc.eth})
		}
	}
	return res
}

func reentrancy(ps *pass, mode string) {
	memo := map[*analysis.Function][]*analysis.Call{}
	for _, f := range ps.functions() {
		if f.Contract == nil || !f.IsEntry() || f.IsView() || f.Contract.Kind != "contract" {
			continue
		}
		guarded := hasReentrancyGuard(f)
		if guarded != (mode == "read-only") {
			continue
		}
		// A re-entrant call has to pass the same caller check; only the
		// trusted caller's own callee could re-enter.
		if g := f.Guard(); mode != "read-only" && g.Protected() && (g.Identity || g.ByName) {
			continue
		}
		// Cross-function and read-only findings are grouped per function:
		// one stale window, however many variables it leaves stale.
		type group struct {
			first *afterCall
			vars  []string
			via   string
		}
		var grouped *group
		for _, ac := range writesAfterCalls(f, memo) {
			if ac.recheckedAfter {
				continue
			}
			readHere := ac.readBefore
			callNode := solidity.Node(ac.call.Node)
			rel := related{callNode, "external call here"}
			switch mode {
			case "eth", "no-eth":
				if !readHere || ac.eth != (mode == "eth") {
					continue
				}
				ps.report(f.File, ac.write.AST, f.Contract, f,
					"state variable "+ac.v.Name+" is written after the external call "+ac.call.Target+" in "+f.QualifiedName()+"; a reentrant call sees its old value", rel)
			case "cross", "read-only":
				via := ""
				if mode == "cross" && !readHere {
					if g := otherUser(f, ac.v); g != nil {
						via = g.QualifiedName()
					}
				}
				if mode == "read-only" {
					via = viewUser(f.Contract, ac.v)
				}
				if via == "" {
					continue
				}
				if grouped == nil {
					ac := ac
					grouped = &group{first: &ac, via: via}
				}
				grouped.vars = append(grouped.vars, ac.v.Name)
			}
		}
		if grouped != nil {
			ac := grouped.first
			rel := related{ac.call.Node, "external call here"}
			vars := strings.Join(grouped.vars, ", ")
			if mode == "cross" {
				ps.report(f.File, ac.write.AST, f.Contract, f,
					"state ("+vars+") is written after the external call "+ac.call.Target+" in "+f.QualifiedName()+" and used by other functions such as "+grouped.via+", which a reentrant call can reach", rel)
			} else {
				ps.report(f.File, ac.write.AST, f.Contract, f,
					"state ("+vars+") is written after the external call "+ac.call.Target+" in the guarded "+f.QualifiedName()+"; views such as "+grouped.via+" return stale values during the call", rel)
			}
		}
	}
}

// otherUser returns another unguarded, state-changing entry function of
// f's contract that reads v.
func otherUser(f *analysis.Function, v *analysis.StateVar) *analysis.Function {
	for _, g := range f.Contract.EntryFunctions() {
		if g == f || g.IsView() || hasReentrancyGuard(g) {
			continue
		}
		for _, r := range g.ReadsAll {
			if r == v {
				return g
			}
		}
	}
	return nil
}

// viewUser names a view function or public getter that exposes v.
func viewUser(c *analysis.Contract, v *analysis.StateVar) string {
	if v.Decl.Visibility == "public" {
		return "the public getter " + v.Name + "()"
	}
	for _, g := range c.EntryFunctions() {
		if !g.IsView() {
			continue
		}
		for _, r := range g.ReadsAll {
			if r == v {
				return g.QualifiedName()
			}
		}
	}
	return ""
}

// decisionReads lists the state a CFG node decides on: everything a
// condition node reads, and what require/assert arguments and the
// conditions of called internal functions read.
func decisionReads(n *analysis.CFGNode) []*analysis.StateVar {
	if n.Kind == analysis.NodeCond {
		return readsThroughLocals(n.Scope, n.AST)
	}
	var out []*analysis.StateVar
	seen := map[*analysis.Function]bool{}
	var fromFunc func(f *analysis.Function, depth int)
	fromFunc = func(f *analysis.Function, depth int) {
		if seen[f] || depth > 3 || f.Def.Body == nil {
			return
		}
		seen[f] = true
		for _, c := range f.Conditions() {
			calls, reads, _ := f.Scope().Accesses(c)
			out = append(out, reads...)
			for _, k := range calls {
				if k.Callee != nil && (k.Kind == analysis.CallInternal || k.Kind == analysis.CallLibrary) {
					out = append(out, k.Callee.ReadsAll...)
				}
			}
		}
		for _, k := range f.Calls {
			if k.Callee != nil && (k.Kind == analysis.CallInternal || k.Kind == analysis.CallLibrary) {
				fromFunc(k.Callee, depth+1)
			}
		}
	}
	for _, c := range conditionsOf(n.AST) {
		calls, _, _ := n.Scope.Accesses(c)
		out = append(out, readsThroughLocals(n.Scope, c)...)
		for _, k := range calls {
			if k.Callee != nil && (k.Kind == analysis.CallInternal || k.Kind == analysis.CallLibrary) {
				out = append(out, k.Callee.ReadsAll...)
			}
		}
	}
	calls, _, _ := n.Scope.Accesses(n.AST)
	for _, k := range calls {
		if k.Callee != nil && (k.Kind == analysis.CallInternal || k.Kind == analysis.CallLibrary) {
			fromFunc(k.Callee, 0)
		}
	}
	return out
}

// readsThroughLocals lists the state an expression reads, including
// through locals initialised from state (`uint a = credit[x]; require(a > 0)`
// decides on credit).
func readsThroughLocals(s *analysis.Scope, e solidity.Node) []*analysis.StateVar {
	_, reads, _ := s.Accesses(e)
	solidity.Inspect(e, func(n solidity.Node) bool {
		if id, ok := n.(*solidity.Identifier); ok {
			if d := s.Local(id.Name); d != nil {
				if init := s.InitialValue(d); init != nil {
					_, more, _ := s.Accesses(init)
					reads = append(reads, more...)
				}
			}
		}
		return true
	})
	return reads
}

package analysis

import (
	"strings"

	"github.com/solsec/platform/services/internal/solidity"
)

// Guard describes how a function restricts who may call it.
type Guard struct {
	// Checked is set when the function, its modifiers or the internal
	// functions they call compare the caller (msg.sender, _msgSender(),
	// tx.origin) against state: `msg.sender == owner`, `admins[msg.sender]`,
	// `hasRole(r, msg.sender)`.
	Checked bool
	// ByName is set when a modifier's name says it restricts access
	// (onlyOwner, auth, onlyRole, whenAdmin, ...), whatever its body does.
	ByName bool
	// Vars are the state variables the caller is checked against.
	Vars []*StateVar
	// Bypass is an entry function nobody guards that stores a
	// caller-controlled value into one of Vars, so anyone can make
	// themselves pass the check (e.g. a misnamed constructor that sets
	// the owner). BypassVar is the variable.
	Bypass    *Function
	BypassVar *StateVar
	// TxOrigin is set when a check uses tx.origin.
	TxOrigin bool
	// OneShot is set when a modifier only lets the function run once
	// (initializer, only_uninitialized) without checking the caller.
	OneShot bool
	// Identity is set when the caller is compared for equality with a
	// stored address (msg.sender == owner), the strongest form of check;
	// membership checks (admins[msg.sender]) leave it false.
	Identity bool
}

// Protected reports whether only some callers can run the function.
func (g *Guard) Protected() bool { return (g.Checked || g.ByName) && g.Bypass == nil }

// Guard returns how the function restricts its callers.
func (f *Function) Guard() *Guard { return f.guard }

var guardWords = []string{"auth", "admin", "owner", "role", "restricted", "whitelist", "governance", "guardian",
	"manager", "controller", "operator", "minter", "authorized", "permission", "allowed"}

// isOneShotName reports modifiers that make a function run only once.
func isOneShotName(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "initializ") || strings.Contains(l, "uninitiali")
}

func hasConstructor(c *Contract) bool {
	for _, k := range c.Linearization {
		for _, f := range k.Functions {
			if f.IsConstructor() {
				return true
			}
		}
	}
	return false
}

// IsAccessModifierName reports whether a modifier name reads as an access
// restriction.
func IsAccessModifierName(name string) bool {
	l := strings.ToLower(name)
	if strings.HasPrefix(l, "only") {
		return true
	}
	for _, w := range guardWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func (p *Project) computeGuards() {
	fns := p.Functions()
	memo := map[*Function]*Guard{}
	for _, f := range fns {
		g := &Guard{}
		gs := &guardScan{g: g, seen: map[solidity.Node]bool{}, memo: memo}
		if f.Def.Body != nil {
			gs.scan(f.scope, f.Def.Body, nil, 0)
		}
		for _, inv := range f.Def.Modifiers {
			name := inv.Name.Name
			var m *Modifier
			if f.Contract != nil {
				m = f.Contract.LookupModifier(name)
			}
			if m == nil || m.Def.Body == nil {
				// Nothing to read: trust a name that promises a check.
				if IsAccessModifierName(name) {
					g.ByName = true
				}
				continue
			}
			// What this modifier checks on its own decides what it is.
			mg := &Guard{}
			ms := &guardScan{g: mg, seen: map[solidity.Node]bool{}, memo: memo}
			ms.scan(m.scope, m.Def.Body, nil, 0)
			gs.merge(mg)
			switch {
			case isOneShotName(name) && !mg.Checked:
				// initializer, only_uninitialized: a flag, not the caller.
				g.OneShot = true
			case IsAccessModifierName(name) && !mg.Checked:
				// onlyOwner delegating to something the scan cannot follow.
				g.ByName = true
			}
		}
		f.guard = g
	}
	// A check is only as good as the variables behind it: find entry
	// functions that let anyone write them.
	for _, f := range fns {
		g := f.guard
		if len(g.Vars) == 0 || f.Contract == nil {
			continue
		}
		for _, w := range fns {
			// A payable writer sells the role (the highest bidder, the
			// player who paid): that is the contract's rule, not a bypass.
			if w == f || !w.IsEntry() || w.IsConstructor() || w.guard.Checked || w.guard.ByName || !related(f.Contract, w.Contract) || w.Def.StateMutability == "payable" {
				continue
			}
			// A one-shot initializer is a way in only where nothing runs it
			// at deployment: a contract (like Parity's wallet library) with
			// no constructor anywhere in its hierarchy.
			if w.guard.OneShot && hasConstructor(w.Contract) {
				continue
			}
			for _, v := range w.taintedAll {
				if _, isArray := v.Decl.TypeName.(*solidity.ArrayTypeName); isArray {
					continue // participant lists are self-registration
				}
				if containsVar(g.Vars, v) {
					g.Bypass, g.BypassVar = w, v
					break
				}
			}
			if g.Bypass != nil {
				break
			}
		}
	}
}

func related(a, b *Contract) bool {
	return a == b || a.IsDerivedFrom(b.Name) || b.IsDerivedFrom(a.Name)
}

func containsVar(vs []*StateVar, v *StateVar) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

type guardScan struct {
	g    *Guard
	seen map[solidity.Node]bool
	// memo holds what a helper checks when called without the caller's
	// address as an argument: the same for every caller, so scanned once.
	memo map[*Function]*Guard
}

// scan looks for caller checks in body. senders are declarations known to
// hold the caller's address (parameters bound to msg.sender at the call
// site, locals assigned from it); keyed are locals read from storage at
// the caller's key (`uint idx = ownerIndex[msg.sender]`).
func (gs *guardScan) scan(s *scope, body solidity.Node, senders map[*solidity.VariableDeclaration]bool, depth int) {
	if depth > 4 || body == nil {
		return
	}
	if senders == nil {
		senders = map[*solidity.VariableDeclaration]bool{}
	}
	keyed := map[*solidity.VariableDeclaration]*StateVar{}
	solidity.Inspect(body, func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.VariableDeclarationStatement:
			if len(x.Declarations) == 1 && x.Declarations[0] != nil && x.InitialValue != nil {
				d := x.Declarations[0]
				if gs.isSender(s, x.InitialValue, senders) {
					senders[d] = true
				} else if sv := gs.senderKeyed(s, x.InitialValue, senders); sv != nil {
					keyed[d] = sv
				}
			}
		case *solidity.IfStatement:
			gs.condition(s, x.Condition, senders, keyed)
		case *solidity.WhileStatement:
			gs.condition(s, x.Condition, senders, keyed)
		case *solidity.FunctionCall:
			if id, ok := x.Expression.(*solidity.Identifier); ok && (id.Name == "require" || id.Name == "assert") && len(x.Arguments) > 0 {
				gs.condition(s, x.Arguments[0], senders, keyed)
			}
			// Follow internal helpers (_checkOwner(), _checkRole(r, msg.sender)).
			c := s.classify(x)
			if c != nil && c.Callee != nil && (c.Kind == CallInternal || c.Kind == CallLibrary) && c.Callee.Def.Body != nil && !gs.seen[c.Callee.Def] && c.Callee.scope != nil {
				inner := map[*solidity.VariableDeclaration]bool{}
				if ps := c.Callee.Def.Parameters; ps != nil {
					for i, a := range x.Arguments {
						if i < len(ps.Parameters) && gs.isSender(s, a, senders) {
							inner[ps.Parameters[i]] = true
						}
					}
				}
				if len(inner) == 0 && depth == 0 {
					gs.merge(gs.helper(c.Callee))
					return true
				}
				gs.seen[c.Callee.Def] = true
				gs.scan(c.Callee.scope, c.Callee.Def.Body, inner, depth+1)
				delete(gs.seen, c.Callee.Def)
			}
		}
		return true
	})
}

// helper returns what a helper function checks on its own (no caller
// address passed in), scanning it once per project.
func (gs *guardScan) helper(f *Function) *Guard {
	if g, ok := gs.memo[f]; ok {
		return g
	}
	g := &Guard{}
	gs.memo[f] = g // a recursive helper sees the partial result, not a loop
	inner := &guardScan{g: g, seen: map[solidity.Node]bool{f.Def: true}, memo: gs.memo}
	inner.scan(f.scope, f.Def.Body, nil, 1)
	return g
}

func (gs *guardScan) merge(o *Guard) {
	if o.Checked {
		gs.g.Checked = true
	}
	gs.g.Identity = gs.g.Identity || o.Identity
	gs.g.TxOrigin = gs.g.TxOrigin || o.TxOrigin
	gs.g.Vars = appendVars(gs.g.Vars, o.Vars...)
}

// isSender reports expressions that evaluate to the caller's address.
func (gs *guardScan) isSender(s *scope, e solidity.Expression, senders map[*solidity.VariableDeclaration]bool) bool {
	switch x := e.(type) {
	case *solidity.MemberAccess:
		if id, ok := x.Expression.(*solidity.Identifier); ok && s.Local(id.Name) == nil {
			if id.Name == "msg" && x.MemberName == "sender" {
				return true
			}
			if id.Name == "tx" && x.MemberName == "origin" {
				gs.g.TxOrigin = true
				return true
			}
		}
	case *solidity.Identifier:
		if d := s.Local(x.Name); d != nil {
			return senders[d]
		}
	case *solidity.FunctionCall:
		if id, ok := x.Expression.(*solidity.Identifier); ok && strings.Contains(strings.ToLower(id.Name), "msgsender") {
			return true
		}
		// address(msg.sender), uint(msg.sender)
		if _, ok := x.Expression.(*solidity.ElementaryTypeNameExpression); ok && len(x.Arguments) == 1 {
			return gs.isSender(s, x.Arguments[0], senders)
		}
	case *solidity.TupleExpression:
		if len(x.Components) == 1 && x.Components[0] != nil {
			return gs.isSender(s, x.Components[0], senders)
		}
	}
	return false
}

// senderKeyed returns the state variable of `state[...][msg.sender]...`.
func (gs *guardScan) senderKeyed(s *scope, e solidity.Expression, senders map[*solidity.VariableDeclaration]bool) *StateVar {
	hasKey := false
	for cur := e; ; {
		switch x := cur.(type) {
		case *solidity.IndexAccess:
			if x.IndexExpression != nil && gs.isSender(s, x.IndexExpression, senders) {
				hasKey = true
			}
			cur = x.BaseExpression
			continue
		case *solidity.MemberAccess:
			cur = x.Expression
			continue
		}
		break
	}
	if !hasKey {
		return nil
	}
	return s.rootState(e)
}

// condition records the caller checks in a boolean condition.
func (gs *guardScan) condition(s *scope, e solidity.Expression, senders map[*solidity.VariableDeclaration]bool, keyed map[*solidity.VariableDeclaration]*StateVar) {
	switch x := e.(type) {
	case *solidity.TupleExpression:
		if len(x.Components) == 1 && x.Components[0] != nil {
			gs.condition(s, x.Components[0], senders, keyed)
		}
	case *solidity.UnaryOperation:
		if x.Operator == "!" {
			gs.condition(s, x.SubExpression, senders, keyed)
		}
	case *solidity.BinaryOperation:
		switch x.Operator {
		case "&&", "||":
			gs.condition(s, x.LeftExpression, senders, keyed)
			gs.condition(s, x.RightExpression, senders, keyed)
		case "==", "!=":
			l, r := x.LeftExpression, x.RightExpression
			if gs.isSender(s, r, senders) {
				l, r = r, l
			}
			if gs.isSender(s, l, senders) {
				if vars := gs.stateBehind(s, r); len(vars) > 0 {
					gs.record(vars...)
					gs.g.Identity = true
				}
				return
			}
			// owners[msg.sender] != 0, ownerIndex == 0
			if isLiteralish(r) {
				gs.keyedOperand(s, l, senders, keyed)
			} else if isLiteralish(l) {
				gs.keyedOperand(s, r, senders, keyed)
			}
		}
	default:
		gs.keyedOperand(s, e, senders, keyed)
	}
}

// keyedOperand records storage read at the caller's key, or an internal
// predicate called with the caller (hasRole(r, msg.sender)).
func (gs *guardScan) keyedOperand(s *scope, e solidity.Expression, senders map[*solidity.VariableDeclaration]bool, keyed map[*solidity.VariableDeclaration]*StateVar) {
	if id, ok := e.(*solidity.Identifier); ok {
		if d := s.Local(id.Name); d != nil && keyed[d] != nil {
			gs.record(keyed[d])
		}
		return
	}
	if sv := gs.senderKeyed(s, e, senders); sv != nil {
		gs.record(sv)
		return
	}
	if fc, ok := e.(*solidity.FunctionCall); ok {
		c := s.classify(fc)
		if c == nil || c.Callee == nil || (c.Kind != CallInternal && c.Kind != CallExternal && c.Kind != CallLibrary) {
			return
		}
		for _, a := range fc.Arguments {
			if gs.isSender(s, a, senders) {
				if c.Kind == CallExternal {
					gs.g.Checked = true // an external registry decides
					return
				}
				c.Callee.transitive(map[*Function]bool{})
				gs.record(c.Callee.ReadsAll...)
				if len(c.Callee.ReadsAll) == 0 {
					gs.g.Checked = true
				}
				return
			}
		}
	}
}

func (gs *guardScan) record(vars ...*StateVar) {
	gs.g.Checked = true
	gs.g.Vars = appendVars(gs.g.Vars, vars...)
}

// stateBehind lists the state an expression compared with the caller
// reads: a variable, a getter call, a mapping entry.
func (gs *guardScan) stateBehind(s *scope, e solidity.Expression) []*StateVar {
	var out []*StateVar
	solidity.Inspect(e, func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.Identifier:
			out = appendVars(out, s.State(x.Name))
		case *solidity.FunctionCall:
			if c := s.classify(x); c != nil && c.Callee != nil && (c.Kind == CallInternal || c.Kind == CallLibrary) {
				out = appendVars(out, c.Callee.ReadsAll...)
			} else if c != nil && c.Kind == CallExternal {
				gs.g.Checked = true
			}
		}
		return true
	})
	return out
}

func isLiteralish(e solidity.Expression) bool {
	switch x := e.(type) {
	case *solidity.Literal:
		return true
	case *solidity.FunctionCall:
		if _, ok := x.Expression.(*solidity.ElementaryTypeNameExpression); ok && len(x.Arguments) == 1 {
			return isLiteralish(x.Arguments[0])
		}
	}
	return false
}

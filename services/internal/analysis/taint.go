package analysis

import (
	"github.com/solsec/platform/services/internal/solidity"
)

// Taint sources, as reported by Taint.Source.
const (
	SourceParam      = "parameter"
	SourceMsg        = "msg"
	SourceTxOrigin   = "tx.origin"
	SourceReturnData = "external return data"
)

// Taint tells which values in a function a caller controls: parameters of
// entry functions (and of internal functions that receive such values),
// msg.*, tx.origin and what external calls return, propagated through
// assignments to locals. State variables do not carry taint: what is stored
// was checked (or not) where it was written, and a separate detector looks
// at that write.
type Taint struct {
	fn   *Function
	vars map[*solidity.VariableDeclaration]string
}

// Taint returns the function's taint, computed when the project loaded.
func (f *Function) Taint() *Taint { return f.taint }

// Var reports whether a local variable or parameter holds a caller-controlled
// value somewhere in the function.
func (t *Taint) Var(d *solidity.VariableDeclaration) bool {
	_, ok := t.vars[d]
	return ok
}

// Expr reports whether the value of e depends on a caller-controlled value.
// Indexing storage with a tainted key does not taint the value read: the
// value comes from storage, only its location is chosen by the caller.
func (t *Taint) Expr(e solidity.Expression) bool { return t.Source(e) != "" }

// Source returns why e is tainted (one of the Source constants), or "".
func (t *Taint) Source(e solidity.Expression) string {
	if t == nil || e == nil {
		return ""
	}
	s := t.fn.scope
	switch x := e.(type) {
	case *solidity.Identifier:
		if d := s.Local(x.Name); d != nil {
			return t.vars[d]
		}
	case *solidity.MemberAccess:
		if id, ok := x.Expression.(*solidity.Identifier); ok && s.Local(id.Name) == nil {
			switch id.Name {
			case "msg":
				if x.MemberName == "sender" || x.MemberName == "value" || x.MemberName == "data" || x.MemberName == "sig" {
					return SourceMsg
				}
				return ""
			case "tx":
				if x.MemberName == "origin" {
					return SourceTxOrigin
				}
				return ""
			}
		}
		return t.Source(x.Expression)
	case *solidity.IndexAccess:
		if s.rootState(x.BaseExpression) != nil {
			return ""
		}
		return t.Source(x.BaseExpression)
	case *solidity.IndexRangeAccess:
		return t.Source(x.BaseExpression)
	case *solidity.FunctionCall:
		c := s.classify(x)
		if c != nil && c.IsExternal() {
			return SourceReturnData
		}
		if c != nil && c.Kind == CallBuiltin && (c.Member == "require" || c.Member == "assert") {
			return ""
		}
		for _, a := range x.Arguments {
			if src := t.Source(a); src != "" {
				return src
			}
		}
		if c != nil && (c.Kind == CallLibrary || c.Kind == CallBuiltin) && c.Receiver != nil {
			return t.Source(c.Receiver)
		}
	case *solidity.BinaryOperation:
		if src := t.Source(x.LeftExpression); src != "" {
			return src
		}
		return t.Source(x.RightExpression)
	case *solidity.UnaryOperation:
		return t.Source(x.SubExpression)
	case *solidity.Conditional:
		if src := t.Source(x.TrueExpression); src != "" {
			return src
		}
		return t.Source(x.FalseExpression)
	case *solidity.TupleExpression:
		for _, c := range x.Components {
			if src := t.Source(c); src != "" {
				return src
			}
		}
	case *solidity.Assignment:
		return t.Source(x.RightHandSide)
	}
	return ""
}

// computeTaint seeds parameters (when the function is an entry point or the
// caller passed tainted values, see propagateTaint) and propagates through
// local assignments until nothing changes.
func (f *Function) computeTaint(seedParams map[*solidity.VariableDeclaration]bool) {
	t := &Taint{fn: f, vars: map[*solidity.VariableDeclaration]string{}}
	f.taint = t
	if f.Def.Parameters != nil {
		for _, d := range f.Def.Parameters.Parameters {
			if d != nil && (f.IsEntry() || seedParams[d]) {
				t.vars[d] = SourceParam
			}
		}
	}
	if f.Def.Body == nil {
		return
	}
	for changed := true; changed; {
		changed = false
		mark := func(d *solidity.VariableDeclaration, src string) {
			if d != nil && src != "" && t.vars[d] == "" {
				t.vars[d] = src
				changed = true
			}
		}
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			switch x := n.(type) {
			case *solidity.VariableDeclarationStatement:
				if x.InitialValue == nil {
					break
				}
				if tup, ok := x.InitialValue.(*solidity.TupleExpression); ok && len(tup.Components) == len(x.Declarations) {
					for i, d := range x.Declarations {
						mark(d, t.Source(tup.Components[i]))
					}
					break
				}
				src := t.Source(x.InitialValue)
				for _, d := range x.Declarations {
					mark(d, src)
				}
			case *solidity.Assignment:
				src := t.Source(x.RightHandSide)
				for _, lhs := range lvalues(x.LeftHandSide) {
					if id, ok := lhs.(*solidity.Identifier); ok {
						mark(f.scope.Local(id.Name), src)
					}
				}
			case *solidity.TryStatement:
				if x.ReturnParams != nil {
					for _, d := range x.ReturnParams.Parameters {
						mark(d, SourceReturnData)
					}
				}
			}
			return true
		})
	}
}

// propagateTaint computes every function's taint, then passes taint into
// internal callees whose arguments are tainted at some call site, a few
// rounds deep (enough for helper chains; recursion stops early).
func (p *Project) propagateTaint() {
	fns := p.Functions()
	seeds := map[*Function]map[*solidity.VariableDeclaration]bool{}
	for _, f := range fns {
		f.computeTaint(nil)
	}
	for round := 0; round < 3; round++ {
		changed := map[*Function]bool{}
		for _, f := range fns {
			for _, c := range f.Calls {
				g := c.Callee
				if g == nil || (c.Kind != CallInternal && c.Kind != CallLibrary) || g.Def.Parameters == nil {
					continue
				}
				args := c.Node.Arguments
				params := g.Def.Parameters.Parameters
				// A bound library call passes the receiver as the first parameter.
				if c.Kind == CallLibrary && c.Receiver != nil && len(params) == len(args)+1 {
					if f.taint.Expr(c.Receiver) && !seeds[g][params[0]] {
						if seeds[g] == nil {
							seeds[g] = map[*solidity.VariableDeclaration]bool{}
						}
						seeds[g][params[0]] = true
						changed[g] = true
					}
					params = params[1:]
				}
				for i, a := range args {
					if i >= len(params) || params[i] == nil || !f.taint.Expr(a) || seeds[g][params[i]] {
						continue
					}
					if seeds[g] == nil {
						seeds[g] = map[*solidity.VariableDeclaration]bool{}
					}
					seeds[g][params[i]] = true
					changed[g] = true
				}
			}
		}
		if len(changed) == 0 {
			break
		}
		for g := range changed {
			g.computeTaint(seeds[g])
		}
	}
}

// taintedKey reports whether an lvalue indexes storage with a
// caller-controlled key somewhere along its path.
func (f *Function) taintedKey(e solidity.Expression) bool {
	for {
		switch x := e.(type) {
		case *solidity.IndexAccess:
			if f.taint.Expr(x.IndexExpression) {
				return true
			}
			e = x.BaseExpression
		case *solidity.MemberAccess:
			e = x.Expression
		default:
			return false
		}
	}
}

// isZeroLiteral reports false, 0, address(0) and the like.
func isZeroLiteral(e solidity.Expression) bool {
	switch x := e.(type) {
	case *solidity.Literal:
		return x.Value == "false" || x.Value == "0"
	case *solidity.FunctionCall:
		if len(x.Arguments) == 1 {
			if _, ok := x.Expression.(*solidity.ElementaryTypeNameExpression); ok {
				return isZeroLiteral(x.Arguments[0])
			}
		}
	}
	return false
}

// taintedWrites lists the state variables f assigns a caller-controlled
// value to, directly: `owner = msg.sender`, `admins[a] = true` with a
// tainted key does not count (the key is chosen, the value is fixed), but
// `owners[k] = _param` does.
func (f *Function) taintedWrites() []*StateVar {
	var out []*StateVar
	if f.Def.Body == nil {
		return nil
	}
	solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
		if a, ok := n.(*solidity.Assignment); ok {
			valueTainted := f.taint.Expr(a.RightHandSide)
			for _, lhs := range lvalues(a.LeftHandSide) {
				// A caller-chosen key with a non-zero value grants something
				// to whoever the caller names (`isOwner[a] = true`);
				// clearing an entry (`= false`, `= 0`) never does.
				if valueTainted || (f.taintedKey(lhs) && !isZeroLiteral(a.RightHandSide)) {
					out = appendVars(out, f.scope.rootState(lhs))
				}
			}
		}
		if fc, ok := n.(*solidity.FunctionCall); ok {
			// arr.push(tainted) stores the value too.
			if m, ok := fc.Expression.(*solidity.MemberAccess); ok && m.MemberName == "push" && len(fc.Arguments) == 1 && f.taint.Expr(fc.Arguments[0]) {
				out = appendVars(out, f.scope.rootState(m.Expression))
			}
		}
		return true
	})
	return out
}

// TaintedWritesAll lists the state variables the function, or an internal
// function it calls, assigns a caller-controlled value to.
func (f *Function) TaintedWritesAll() []*StateVar { return f.taintedAll }

func (p *Project) computeTaintedWrites() {
	fns := p.Functions()
	direct := map[*Function][]*StateVar{}
	for _, f := range fns {
		direct[f] = f.taintedWrites()
	}
	var visit func(f *Function, seen map[*Function]bool) []*StateVar
	visit = func(f *Function, seen map[*Function]bool) []*StateVar {
		if seen[f] {
			return nil
		}
		seen[f] = true
		out := appendVars(nil, direct[f]...)
		for _, c := range f.Calls {
			if c.Callee != nil && (c.Kind == CallInternal || c.Kind == CallLibrary) {
				out = appendVars(out, visit(c.Callee, seen)...)
			}
		}
		return out
	}
	for _, f := range fns {
		f.taintedAll = visit(f, map[*Function]bool{})
	}
}

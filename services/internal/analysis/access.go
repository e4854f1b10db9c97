package analysis

import (
	"runtime"
	"slices"
	"sync"

	"github.com/solsec/platform/services/internal/solidity"
)

// analyseBodies fills in calls and state accesses of every function and
// modifier, in parallel per contract (each body is independent), then the
// transitive read/write sets.
func (p *Project) analyseBodies() {
	var jobs []func()
	for _, c := range p.Contracts {
		for _, m := range c.Modifiers {
			jobs = append(jobs, func() {
				m.scope = newScope(p, c, c.File, []*solidity.ParameterList{m.Def.Parameters}, m.Def.Body)
				m.Calls, m.Reads, m.Writes, _ = m.scope.accesses(m.Def.Body)
			})
		}
	}
	for _, f := range p.Functions() {
		jobs = append(jobs, func() {
			f.scope = newScope(p, f.Contract, f.File, []*solidity.ParameterList{f.Def.Parameters, f.Def.ReturnParams}, f.Def.Body)
			f.Calls, f.Reads, f.Writes, f.yulSet = f.scope.accesses(f.Def.Body)
		})
	}
	runParallel(jobs)
	// Modifiers resolve after their bodies are analysed; then fold them in.
	for _, f := range p.Functions() {
		if f.Contract == nil {
			continue
		}
		for _, inv := range f.Def.Modifiers {
			if m := f.Contract.LookupModifier(inv.Name.Name); m != nil {
				f.Modifiers = append(f.Modifiers, m)
				f.Reads = appendVars(f.Reads, m.Reads...)
				f.Writes = appendVars(f.Writes, m.Writes...)
			}
		}
		// Calls in modifier arguments happen before the body runs.
		for _, inv := range f.Def.Modifiers {
			for _, a := range inv.Arguments {
				calls, reads, _, _ := f.scope.accesses(a)
				f.Calls = append(calls, f.Calls...)
				f.Reads = appendVars(f.Reads, reads...)
			}
		}
	}
	for _, f := range p.Functions() {
		f.transitive(map[*Function]bool{})
	}
	p.propagateTaint()
	p.computeTaintedWrites()
	p.computeGuards()
	// Build every CFG now so that detectors may run concurrently on a
	// read-only model.
	var cfgJobs []func()
	for _, f := range p.Functions() {
		cfgJobs = append(cfgJobs, func() {
			f.cfg = buildCFG(f)
			if f.Def.Body != nil {
				f.conds = Conditions(f.Def.Body)
			}
		})
	}
	runParallel(cfgJobs)
}

// runParallel runs jobs over GOMAXPROCS workers. A panicking job is
// re-raised in the caller's goroutine after the others finish, so that
// Load's recovery sees it instead of the process dying.
func runParallel(jobs []func()) {
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	next := make(chan func())
	var wg sync.WaitGroup
	var once sync.Once
	var failure any
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				func() {
					defer func() {
						if r := recover(); r != nil {
							once.Do(func() { failure = r })
						}
					}()
					j()
				}()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	if failure != nil {
		panic(failure)
	}
}

func appendVars(dst []*StateVar, vs ...*StateVar) []*StateVar {
	for _, v := range vs {
		if v != nil && !slices.Contains(dst, v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// accesses lists the calls in n and the state variables it reads and
// writes. yulStore reports an assembly sstore (to a slot the model cannot
// name).
func (s *scope) accesses(n solidity.Node) (calls []*Call, reads, writes []*StateVar, yulStore bool) {
	if n == nil {
		return
	}
	var visit func(n solidity.Node) bool
	visit = func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.FunctionCall:
			if c := s.classify(x); c != nil {
				calls = append(calls, c)
				if c.Kind == CallBuiltin && (c.Member == "push" || c.Member == "pop") {
					writes = appendVars(writes, s.rootState(c.Receiver))
				}
				// A library function taking a storage reference writes through it.
				if c.Kind == CallLibrary && c.Receiver != nil && c.Callee != nil && c.Callee.Def.Parameters != nil &&
					len(c.Callee.Def.Parameters.Parameters) > 0 && c.Callee.Def.Parameters.Parameters[0] != nil &&
					c.Callee.Def.Parameters.Parameters[0].Location == "storage" &&
					!c.Callee.IsView() {
					writes = appendVars(writes, s.rootState(c.Receiver))
				}
			}
		case *solidity.Assignment:
			for _, lhs := range lvalues(x.LeftHandSide) {
				writes = appendVars(writes, s.rootState(lhs))
			}
			if x.Operator == "=" {
				// A plain assignment does not read its target: only the
				// keys on the way to it, and the value.
				for _, lhs := range lvalues(x.LeftHandSide) {
					for _, k := range lvalueKeys(lhs) {
						solidity.Inspect(k, visit)
					}
				}
				solidity.Inspect(x.RightHandSide, visit)
				return false
			}
		case *solidity.UnaryOperation:
			switch x.Operator {
			case "++", "--", "delete":
				writes = appendVars(writes, s.rootState(x.SubExpression))
			}
		case *solidity.Identifier:
			if sv := s.State(x.Name); sv != nil {
				reads = appendVars(reads, sv)
			}
		case *solidity.YulFunctionCall:
			if x.FunctionName.Name == "sstore" {
				yulStore = true
			}
		case *solidity.YulIdentifier:
			// `x.slot` and bare state names in assembly touch storage.
			name := x.Name
			if i := indexByte(name, '.'); i >= 0 {
				name = name[:i]
			}
			if sv := s.State(name); sv != nil {
				reads = appendVars(reads, sv)
			}
		}
		return true
	}
	solidity.Inspect(n, visit)
	return
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// lvalueKeys lists the index expressions along an lvalue's path
// (`i` and `j` in `a[i].b[j]`), which an assignment reads.
func lvalueKeys(e solidity.Expression) []solidity.Expression {
	var out []solidity.Expression
	for {
		switch x := e.(type) {
		case *solidity.IndexAccess:
			if x.IndexExpression != nil {
				out = append(out, x.IndexExpression)
			}
			e = x.BaseExpression
		case *solidity.MemberAccess:
			e = x.Expression
		default:
			return out
		}
	}
}

// lvalues splits an assignment target into the expressions assigned:
// `(a, b) = ...` assigns a and b.
func lvalues(e solidity.Expression) []solidity.Expression {
	if t, ok := e.(*solidity.TupleExpression); ok && !t.IsInlineArray {
		var out []solidity.Expression
		for _, c := range t.Components {
			if c != nil {
				out = append(out, lvalues(c)...)
			}
		}
		return out
	}
	return []solidity.Expression{e}
}

// transitive computes ReadsAll/WritesAll through internal and library calls
// and modifiers. Recursion is cut at functions already on the stack; their
// direct sets still count.
func (f *Function) transitive(onStack map[*Function]bool) {
	if f.summary {
		return
	}
	if onStack[f] {
		return
	}
	onStack[f] = true
	defer delete(onStack, f)
	reads := appendVars(nil, f.Reads...)
	writes := appendVars(nil, f.Writes...)
	visit := func(calls []*Call) {
		for _, c := range calls {
			if c.Callee == nil || (c.Kind != CallInternal && c.Kind != CallLibrary) {
				continue
			}
			g := c.Callee
			g.transitive(onStack)
			if g.summary {
				reads = appendVars(reads, g.ReadsAll...)
				writes = appendVars(writes, g.WritesAll...)
			} else {
				reads = appendVars(reads, g.Reads...)
				writes = appendVars(writes, g.Writes...)
			}
		}
	}
	visit(f.Calls)
	for _, m := range f.Modifiers {
		visit(m.Calls)
	}
	f.ReadsAll, f.WritesAll = reads, writes
	f.summary = true
}

// WritesStorageInAssembly reports whether the body uses sstore.
func (f *Function) WritesStorageInAssembly() bool { return f.yulSet }

// Scope exposes name resolution inside the function's body.
func (f *Function) Scope() *Scope { return (*Scope)(f.scope) }

// Scope resolves names and types inside one function or modifier body.
type Scope scope

// State returns the state variable an identifier names, or nil when a local
// shadows it.
func (s *Scope) State(name string) *StateVar { return (*scope)(s).State(name) }

// Local returns the local variable or parameter called name, or nil.
func (s *Scope) Local(name string) *solidity.VariableDeclaration { return (*scope)(s).Local(name) }

// InitialValue returns the value a local was declared with, or nil.
func (s *Scope) InitialValue(d *solidity.VariableDeclaration) solidity.Expression { return s.inits[d] }

// CreatedLocally reports a local holding a contract the function itself
// deployed, whose code is therefore known.
func (s *Scope) CreatedLocally(d *solidity.VariableDeclaration) bool { return s.created[d] }

// IsParam reports whether d is a parameter or return variable.
func (s *Scope) IsParam(d *solidity.VariableDeclaration) bool { return s.params[d] }

// RootState returns the state variable at the root of an lvalue, or nil.
func (s *Scope) RootState(e solidity.Expression) *StateVar { return (*scope)(s).rootState(e) }

// TypeOf returns the declared type of an expression when known, or nil.
func (s *Scope) TypeOf(e solidity.Expression) solidity.TypeName { return (*scope)(s).typeOf(e) }

// Classify returns what a call expression calls, or nil for conversions,
// struct constructors and events.
func (s *Scope) Classify(fc *solidity.FunctionCall) *Call { return (*scope)(s).classify(fc) }

// Accesses lists the calls, state reads and state writes of any node.
func (s *Scope) Accesses(n solidity.Node) (calls []*Call, reads, writes []*StateVar) {
	calls, reads, writes, _ = (*scope)(s).accesses(n)
	return
}

// Scope of a modifier body.
func (m *Modifier) Scope() *Scope { return (*Scope)(m.scope) }

// Conditions returns the boolean conditions checked under n: require and
// assert arguments, if/while/for conditions and ternary conditions, in
// source order.
func Conditions(n solidity.Node) []solidity.Expression {
	var out []solidity.Expression
	if n == nil {
		return nil
	}
	solidity.Inspect(n, func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.IfStatement:
			out = append(out, x.Condition)
		case *solidity.WhileStatement:
			out = append(out, x.Condition)
		case *solidity.DoWhileStatement:
			out = append(out, x.Condition)
		case *solidity.ForStatement:
			if x.Condition != nil {
				out = append(out, x.Condition)
			}
		case *solidity.Conditional:
			out = append(out, x.Condition)
		case *solidity.FunctionCall:
			if id, ok := x.Expression.(*solidity.Identifier); ok && (id.Name == "require" || id.Name == "assert") && len(x.Arguments) > 0 {
				out = append(out, x.Arguments[0])
			}
		}
		return true
	})
	return out
}

// Conditions returns the conditions the function's own body checks
// (see the package-level Conditions), computed once at load.
func (f *Function) Conditions() []solidity.Expression { return f.conds }

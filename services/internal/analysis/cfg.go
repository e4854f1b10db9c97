package analysis

import (
	"github.com/solsec/platform/services/internal/solidity"
)

// CFG node kinds.
const (
	NodeEntry  = "entry"
	NodeExit   = "exit"   // normal return to the caller
	NodeRevert = "revert" // revert/throw: every effect is undone
	NodeStmt   = "stmt"   // a simple statement, evaluated as a whole
	NodeCond   = "cond"   // the condition of if/while/for/do
	NodeJoin   = "join"   // a point where paths meet; evaluates nothing
)

// CFGNode is one step of a function's control flow.
type CFGNode struct {
	ID   int
	Kind string
	// AST is what the node evaluates: a statement, a condition or a loop
	// expression; nil for entry, exit, revert and joins.
	AST solidity.Node
	// Modifier is the modifier whose body the node belongs to, nil for
	// the function's own body.
	Modifier *Modifier
	// Scope resolves names in AST (the modifier's or the function's).
	Scope        *Scope
	Succs, Preds []*CFGNode
}

// CFG is the control-flow graph of a function with its modifiers' bodies
// around it: each modifier's `_` is replaced by the rest of the chain, the
// innermost by the function body, as solc executes them.
type CFG struct {
	Entry, Exit, Revert *CFGNode
	Nodes               []*CFGNode // Entry first; in creation (roughly source) order
}

// CFG returns the function's control-flow graph, built on first use.
// Functions without a body have an Entry linked straight to Exit.
func (f *Function) CFG() *CFG {
	if f.cfg == nil {
		f.cfg = buildCFG(f)
	}
	return f.cfg
}

type loopCtx struct {
	cont   *CFGNode
	breaks *[]*CFGNode
}

type cfgBuilder struct {
	g     *CFG
	fn    *Function
	loops []loopCtx
	// ret is where `return` goes: the node after the placeholder that
	// spliced the function body in, or Exit.
	ret      *CFGNode
	modifier *Modifier
	scope    *Scope
	// placeholder builds what `_` stands for inside the current modifier.
	placeholder func(front []*CFGNode) []*CFGNode
}

func (b *cfgBuilder) node(kind string, ast solidity.Node) *CFGNode {
	n := &CFGNode{ID: len(b.g.Nodes), Kind: kind, AST: ast, Modifier: b.modifier, Scope: b.scope}
	b.g.Nodes = append(b.g.Nodes, n)
	return n
}

func connect(from []*CFGNode, to *CFGNode) {
	for _, f := range from {
		f.Succs = append(f.Succs, to)
		to.Preds = append(to.Preds, f)
	}
}

func buildCFG(f *Function) *CFG {
	g := &CFG{}
	b := &cfgBuilder{g: g, fn: f}
	g.Entry = b.node(NodeEntry, nil)
	g.Exit = &CFGNode{Kind: NodeExit}
	g.Revert = &CFGNode{Kind: NodeRevert}
	front := b.chain(0, []*CFGNode{g.Entry}, g.Exit)
	connect(front, g.Exit)
	g.Exit.ID = len(g.Nodes)
	g.Nodes = append(g.Nodes, g.Exit)
	g.Revert.ID = len(g.Nodes)
	g.Nodes = append(g.Nodes, g.Revert)
	return g
}

// chain builds modifier i wrapped around the rest of the chain, and the
// function body when i is past the last modifier.
func (b *cfgBuilder) chain(i int, front []*CFGNode, ret *CFGNode) []*CFGNode {
	if i >= len(b.fn.Modifiers) {
		saved := *b
		b.ret, b.modifier, b.scope, b.placeholder, b.loops = ret, nil, b.fn.Scope(), nil, nil
		if b.fn.Def.Body != nil {
			front = b.stmt(b.fn.Def.Body, front)
		}
		g := b.g
		*b = saved
		b.g = g
		return front
	}
	m := b.fn.Modifiers[i]
	saved := *b
	b.modifier, b.scope, b.ret, b.loops = m, m.Scope(), b.g.Exit, nil
	b.placeholder = func(front []*CFGNode) []*CFGNode {
		join := b.node(NodeJoin, nil)
		inner := *b
		out := b.chain(i+1, front, join)
		*b = inner
		connect(out, join)
		return []*CFGNode{join}
	}
	if m.Def.Body != nil {
		front = b.stmt(m.Def.Body, front)
	}
	*b = saved
	return front
}

// stmt adds s after the nodes in front and returns the nodes control falls
// through to s's successor from.
func (b *cfgBuilder) stmt(s solidity.Statement, front []*CFGNode) []*CFGNode {
	switch s := s.(type) {
	case nil:
		return front
	case *solidity.Block:
		if s == nil {
			return front
		}
		for _, st := range s.Statements {
			front = b.stmt(st, front)
		}
		return front
	case *solidity.IfStatement:
		c := b.node(NodeCond, s.Condition)
		connect(front, c)
		out := b.stmt(s.TrueBody, []*CFGNode{c})
		if s.FalseBody != nil {
			return append(out, b.stmt(s.FalseBody, []*CFGNode{c})...)
		}
		return append(out, c)
	case *solidity.WhileStatement:
		c := b.node(NodeCond, s.Condition)
		connect(front, c)
		var breaks []*CFGNode
		b.loops = append(b.loops, loopCtx{cont: c, breaks: &breaks})
		body := b.stmt(s.Body, []*CFGNode{c})
		b.loops = b.loops[:len(b.loops)-1]
		connect(body, c)
		return append([]*CFGNode{c}, breaks...)
	case *solidity.DoWhileStatement:
		j := b.node(NodeJoin, nil)
		connect(front, j)
		c := b.node(NodeCond, s.Condition)
		var breaks []*CFGNode
		b.loops = append(b.loops, loopCtx{cont: c, breaks: &breaks})
		body := b.stmt(s.Body, []*CFGNode{j})
		b.loops = b.loops[:len(b.loops)-1]
		connect(body, c)
		connect([]*CFGNode{c}, j)
		return append([]*CFGNode{c}, breaks...)
	case *solidity.ForStatement:
		front = b.stmt(s.Init, front)
		var c *CFGNode
		if s.Condition != nil {
			c = b.node(NodeCond, s.Condition)
		} else {
			c = b.node(NodeJoin, nil)
		}
		connect(front, c)
		var l *CFGNode
		if s.Loop != nil {
			l = b.node(NodeStmt, s.Loop)
		} else {
			l = b.node(NodeJoin, nil)
		}
		var breaks []*CFGNode
		b.loops = append(b.loops, loopCtx{cont: l, breaks: &breaks})
		body := b.stmt(s.Body, []*CFGNode{c})
		b.loops = b.loops[:len(b.loops)-1]
		connect(body, l)
		connect([]*CFGNode{l}, c)
		if s.Condition == nil {
			return breaks
		}
		return append([]*CFGNode{c}, breaks...)
	case *solidity.Break:
		n := b.node(NodeStmt, s)
		connect(front, n)
		if len(b.loops) > 0 {
			lc := b.loops[len(b.loops)-1]
			*lc.breaks = append(*lc.breaks, n)
		}
		return nil
	case *solidity.Continue:
		n := b.node(NodeStmt, s)
		connect(front, n)
		if len(b.loops) > 0 {
			connect([]*CFGNode{n}, b.loops[len(b.loops)-1].cont)
		}
		return nil
	case *solidity.Return:
		n := b.node(NodeStmt, s)
		connect(front, n)
		connect([]*CFGNode{n}, b.ret)
		return nil
	case *solidity.Throw, *solidity.RevertStatement:
		n := b.node(NodeStmt, s)
		connect(front, n)
		connect([]*CFGNode{n}, b.g.Revert)
		return nil
	case *solidity.ExpressionStatement:
		n := b.node(NodeStmt, s)
		connect(front, n)
		if isRevertCall(s.Expression) {
			connect([]*CFGNode{n}, b.g.Revert)
			return nil
		}
		return []*CFGNode{n}
	case *solidity.PlaceholderStatement:
		if b.placeholder != nil {
			return b.placeholder(front)
		}
		return front
	case *solidity.TryStatement:
		n := b.node(NodeStmt, s.ExternalCall)
		connect(front, n)
		out := b.stmt(s.Body, []*CFGNode{n})
		for _, cl := range s.Clauses {
			out = append(out, b.stmt(cl.Body, []*CFGNode{n})...)
		}
		return out
	default:
		n := b.node(NodeStmt, s)
		connect(front, n)
		return []*CFGNode{n}
	}
}

// isRevertCall reports `revert(...)` used as a statement.
func isRevertCall(e solidity.Expression) bool {
	fc, ok := e.(*solidity.FunctionCall)
	if !ok {
		return false
	}
	id, ok := fc.Expression.(*solidity.Identifier)
	return ok && id.Name == "revert"
}

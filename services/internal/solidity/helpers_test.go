package solidity

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mustParse parses src and fails the test on any syntax error.
func mustParse(t *testing.T, src string) *SourceUnit {
	t.Helper()
	u, errs := Parse("test.sol", []byte(src))
	for _, e := range errs {
		t.Errorf("unexpected syntax error: %v", e)
	}
	require.NotNil(t, u)
	checkPositions(t, []byte(src), u)
	return u
}

// find returns the first node of type T in depth-first order.
func find[T Node](t *testing.T, root Node) T {
	t.Helper()
	var found T
	ok := false
	Inspect(root, func(n Node) bool {
		if ok {
			return false
		}
		if v, is := n.(T); is {
			found, ok = v, true
			return false
		}
		return true
	})
	require.True(t, ok, "no %T in tree", found)
	return found
}

// findAll returns every node of type T in depth-first order.
func findAll[T Node](root Node) []T {
	var all []T
	Inspect(root, func(n Node) bool {
		if v, is := n.(T); is {
			all = append(all, v)
		}
		return true
	})
	return all
}

// inFunction wraps statements in a contract function.
func inFunction(body string) string {
	return "contract C {\n function f() public {\n" + body + "\n }\n}\n"
}

// srcOf returns the source text a node spans.
func srcOf(src string, n Node) string { return src[n.Pos().Offset:n.End().Offset] }

// checkPositions asserts that every node's span is inside the source, that
// start <= end, and that line and column agree with the byte offset.
func checkPositions(t testing.TB, src []byte, u *SourceUnit) {
	t.Helper()
	// lineStarts[i] is the offset of line i+1.
	lineStarts := []int{0}
	for i, c := range src {
		if c == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	check := func(n Node, what string, p Position) {
		if p.Offset < 0 || p.Offset > len(src) {
			t.Fatalf("%s %s offset %d out of range [0,%d]", n.NodeKind(), what, p.Offset, len(src))
		}
		line := 0
		for line+1 < len(lineStarts) && lineStarts[line+1] <= p.Offset {
			line++
		}
		want := Position{Offset: p.Offset, Line: line + 1, Column: p.Offset - lineStarts[line] + 1}
		if p != want {
			t.Fatalf("%s %s position %+v, want %+v", n.NodeKind(), what, p, want)
		}
	}
	Inspect(u, func(n Node) bool {
		check(n, "start", n.Pos())
		check(n, "end", n.End())
		if n.End().Offset < n.Pos().Offset {
			t.Fatalf("%s ends (%d) before it starts (%d)", n.NodeKind(), n.End().Offset, n.Pos().Offset)
		}
		return true
	})
}

// sexpr renders an expression as a parenthesised prefix form, to make
// precedence and associativity visible in assertions.
func sexpr(e Expression) string {
	switch e := e.(type) {
	case nil:
		return "_"
	case *Identifier:
		return e.Name
	case *Literal:
		if e.Subdenomination != "" {
			return e.Value + e.Subdenomination
		}
		if e.Kind != "number" && e.Kind != "bool" {
			return `"` + e.Value + `"`
		}
		return e.Value
	case *BinaryOperation:
		return "(" + e.Operator + " " + sexpr(e.LeftExpression) + " " + sexpr(e.RightExpression) + ")"
	case *Assignment:
		return "(" + e.Operator + " " + sexpr(e.LeftHandSide) + " " + sexpr(e.RightHandSide) + ")"
	case *UnaryOperation:
		if e.Prefix {
			return "(" + e.Operator + " " + sexpr(e.SubExpression) + ")"
		}
		return "(post" + e.Operator + " " + sexpr(e.SubExpression) + ")"
	case *Conditional:
		return "(? " + sexpr(e.Condition) + " " + sexpr(e.TrueExpression) + " " + sexpr(e.FalseExpression) + ")"
	case *MemberAccess:
		return sexpr(e.Expression) + "." + e.MemberName
	case *IndexAccess:
		return sexpr(e.BaseExpression) + "[" + sexpr(e.IndexExpression) + "]"
	case *IndexRangeAccess:
		return sexpr(e.BaseExpression) + "[" + sexpr(e.StartExpr) + ":" + sexpr(e.EndExpr) + "]"
	case *FunctionCall:
		args := make([]string, len(e.Arguments))
		for i, a := range e.Arguments {
			args[i] = sexpr(a)
			if e.Names != nil {
				args[i] = e.Names[i] + ":" + args[i]
			}
		}
		return sexpr(e.Expression) + "(" + strings.Join(args, ",") + ")"
	case *FunctionCallOptions:
		opts := make([]string, len(e.Options))
		for i, o := range e.Options {
			opts[i] = e.Names[i] + ":" + sexpr(o)
		}
		return sexpr(e.Expression) + "{" + strings.Join(opts, ",") + "}"
	case *TupleExpression:
		parts := make([]string, len(e.Components))
		for i, c := range e.Components {
			parts[i] = sexpr(c)
		}
		if e.IsInlineArray {
			return "[" + strings.Join(parts, ",") + "]"
		}
		return "(tuple " + strings.Join(parts, ",") + ")"
	case *ElementaryTypeNameExpression:
		if e.TypeName.Payable {
			return e.TypeName.Name + " payable"
		}
		return e.TypeName.Name
	case *NewExpression:
		return "new " + typeString(e.TypeName)
	case *TypeExpression:
		return typeString(e.TypeName)
	}
	return "<" + e.NodeKind() + ">"
}

func typeString(t TypeName) string {
	switch t := t.(type) {
	case *ElementaryTypeName:
		if t.Payable {
			return t.Name + " payable"
		}
		return t.Name
	case *UserDefinedTypeName:
		return t.Name
	case *ArrayTypeName:
		if t.Length != nil {
			return typeString(t.BaseType) + "[" + sexpr(t.Length) + "]"
		}
		return typeString(t.BaseType) + "[]"
	case *Mapping:
		k, v := typeString(t.KeyType), typeString(t.ValueType)
		if t.KeyName != "" {
			k += " " + t.KeyName
		}
		if t.ValueName != "" {
			v += " " + t.ValueName
		}
		return "mapping(" + k + " => " + v + ")"
	case *FunctionTypeName:
		s := "function" + paramTypes(t.Parameters)
		if t.Visibility != "" {
			s += " " + t.Visibility
		}
		if t.StateMutability != "" {
			s += " " + t.StateMutability
		}
		if t.ReturnParams != nil {
			s += " returns " + paramTypes(t.ReturnParams)
		}
		return s
	case nil:
		return "<nil>"
	}
	return "<" + t.NodeKind() + ">"
}

func paramTypes(l *ParameterList) string {
	parts := make([]string, len(l.Parameters))
	for i, p := range l.Parameters {
		parts[i] = typeString(p.TypeName)
	}
	return "(" + strings.Join(parts, ",") + ")"
}

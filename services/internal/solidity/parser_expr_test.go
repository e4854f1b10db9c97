package solidity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exprOf parses `x = EXPR;`-free: the expression statement's expression.
func exprOf(t *testing.T, expr string) Expression {
	t.Helper()
	src := inFunction(expr + ";")
	f := find[*FunctionDefinition](t, mustParse(t, src))
	require.Len(t, f.Body.Statements, 1)
	s, ok := f.Body.Statements[0].(*ExpressionStatement)
	require.True(t, ok, "got %s", f.Body.Statements[0].NodeKind())
	return s.Expression
}

func TestOperatorPrecedenceAndAssociativity(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"a + b * c", "(+ a (* b c))"},
		{"a * b + c", "(+ (* a b) c)"},
		{"a - b - c", "(- (- a b) c)"},
		{"a ** b ** c", "(** a (** b c))"},
		{"-a ** 2", "(** (- a) 2)"},
		{"a << 1 + 2", "(<< a (+ 1 2))"},
		{"a & b | c ^ d", "(| (& a b) (^ c d))"},
		{"a == b | c", "(== a (| b c))"},
		{"a < b == c > d", "(== (< a b) (> c d))"},
		{"a || b && c", "(|| a (&& b c))"},
		{"!a && ~b != 0", "(&& (! a) (!= (~ b) 0))"},
		{"a = b = c", "(= a (= b c))"},
		{"a += b * 2", "(+= a (* b 2))"},
		{"x = c ? a : b", "(= x (? c a b))"},
		{"c ? d ? 1 : 2 : 3", "(? c (? d 1 2) 3)"},
		{"a >>= 1", "(>>= a 1)"},
		{"i++ + ++j", "(+ (post++ i) (++ j))"},
		{"delete a[i]", "(delete a[i])"},
		{"(a + b) * c", "(* (tuple (+ a b)) c)"},
		{"a % b / c", "(/ (% a b) c)"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			assert.Equal(t, tt.want, sexpr(exprOf(t, tt.expr)))
		})
	}
}

func TestPrimaryAndPostfixExpressions(t *testing.T) {
	tests := []struct{ name, expr, want string }{
		{"member and index chain", "a.b[c].d(e)", "a.b[c].d(e)"},
		{"call options then call", "addr.call{value: 1 ether, gas: 2300}(data)", "addr.call{value:1ether,gas:2300}(data)"},
		{"named arguments", "f({a: 1, b: x})", "f(a:1,b:x)"},
		{"new array", "new uint256[](n)", "new uint256[](n)"},
		{"new contract with salt", "new Pool{salt: s}(a)", "new Pool{salt:s}(a)"},
		{"type max", "type(uint256).max", "type(uint256).max"},
		{"payable conversion", "payable(to).transfer(v)", "address payable(to).transfer(v)"},
		{"inline array", "[uint(1), 2, 3]", "[uint(1),2,3]"},
		{"tuple with holes", "(a, , b)", "(tuple a,_,b)"},
		{"index range", "msg.data[4:]", "msg.data[4:_]"},
		{"index range both", "b[:n]", "b[_:n]"},
		{"abi decode with type tuple", "abi.decode(d, (uint[], address))", "abi.decode(d,(tuple uint[_],address))"},
		{"hex and unicode strings", `f(hex"00ff", unicode"é")`, `f("00ff","é")`},
		{"adjacent string concatenation", `f("ab" "cd")`, `f("abcd")`},
		{"number forms", "f(1_000, 0x1F, 1.5e18, 2e-3, .5)", "f(1_000,0x1F,1.5e18,2e-3,.5)"},
		{"ether and time units", "f(1 ether, 2 wei, 3 gwei, 4 seconds, 5 minutes, 6 hours, 7 days, 8 weeks)",
			"f(1ether,2wei,3gwei,4seconds,5minutes,6hours,7days,8weeks)"},
		{"bool literals", "f(true, false)", "f(true,false)"},
		{"function type in expression", "abi.decode(d, (function () external))", "abi.decode(d,(tuple function() external))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sexpr(exprOf(t, tt.expr)))
		})
	}
}

func TestLiteralKinds(t *testing.T) {
	lits := findAll[*Literal](mustParse(t, inFunction(`f(1, "s", hex"01", unicode"u", true);`)))
	require.Len(t, lits, 5)
	kinds := []string{}
	for _, l := range lits {
		kinds = append(kinds, l.Kind)
	}
	assert.Equal(t, []string{"number", "string", "hexString", "unicodeString", "bool"}, kinds)
}

package solidity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatementKinds(t *testing.T) {
	tests := []struct{ name, stmt, kind, text string }{
		{name: "local declaration", stmt: "uint x = 1;", kind: "VariableDeclarationStatement", text: "uint x = 1"},
		{name: "declaration with location", stmt: "bytes memory b;", kind: "VariableDeclarationStatement", text: "bytes memory b"},
		{name: "array of user type", stmt: "S[] storage list = items;", kind: "VariableDeclarationStatement", text: "S[] storage list = items"},
		{name: "dotted type with index", stmt: "Lib.S[2] memory p;", kind: "VariableDeclarationStatement", text: "Lib.S[2] memory p"},
		{name: "mapping storage pointer", stmt: "mapping(uint => uint) storage m = map;", kind: "VariableDeclarationStatement", text: "mapping(uint => uint) storage m = map"},
		{name: "function type local", stmt: "function (uint) pure returns (uint) g = sq;", kind: "VariableDeclarationStatement", text: "function (uint) pure returns (uint) g = sq"},
		{name: "tuple declaration with hole", stmt: "(bool ok, , bytes memory d) = a.call(\"\");", kind: "VariableDeclarationStatement", text: "(bool ok, , bytes memory d) = a.call(\"\")"},
		{name: "tuple assignment", stmt: "(a, b) = (b, a);", kind: "ExpressionStatement", text: "(a, b) = (b, a)"},
		{name: "var", stmt: "var x = 1;", kind: "VariableDeclarationStatement", text: "var x = 1"},
		{name: "var tuple", stmt: "var (a, , c) = f();", kind: "VariableDeclarationStatement", text: "var (a, , c) = f()"},
		{name: "expression", stmt: "x.y[1] = 2;", kind: "ExpressionStatement", text: "x.y[1] = 2"},
		{name: "if else", stmt: "if (a) b(); else { c(); }", kind: "IfStatement", text: "if (a) b(); else { c(); }"},
		{name: "for", stmt: "for (uint i = 0; i < n; i++) { }", kind: "ForStatement", text: "for (uint i = 0; i < n; i++) { }"},
		{name: "for with empty header", stmt: "for (;;) break;", kind: "ForStatement", text: "for (;;) break"},
		{name: "while", stmt: "while (x > 0) x--;", kind: "WhileStatement", text: "while (x > 0) x--"},
		{name: "do while", stmt: "do { x++; } while (x < 3);", kind: "DoWhileStatement", text: "do { x++; } while (x < 3);"},
		{name: "return value", stmt: "return a + b;", kind: "Return", text: "return a + b"},
		{name: "bare return", stmt: "return;", kind: "Return", text: "return;"},
		{name: "throw", stmt: "throw;", kind: "Throw", text: "throw"},
		{name: "emit", stmt: "emit Transfer(a, b, 1);", kind: "EmitStatement", text: "emit Transfer(a, b, 1)"},
		{name: "revert custom error", stmt: "revert Errors.Bad({code: 1});", kind: "RevertStatement", text: "revert Errors.Bad({code: 1})"},
		{name: "revert call", stmt: "revert(\"no\");", kind: "ExpressionStatement", text: "revert(\"no\")"},
		{name: "unchecked block", stmt: "unchecked { i++; }", kind: "Block", text: "unchecked { i++; }"},
		{name: "nested block", stmt: "{ uint a; }", kind: "Block", text: "{ uint a; }"},
		{name: "delete", stmt: "delete balances[a];", kind: "ExpressionStatement", text: "delete balances[a]"},
		{name: "assembly", stmt: "assembly { x := 1 }", kind: "InlineAssembly", text: "assembly { x := 1 }"},
		{name: "try", stmt: "try c.f() returns (uint v) { } catch { }", kind: "TryStatement", text: "try c.f() returns (uint v) { } catch { }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := inFunction(tt.stmt)
			f := find[*FunctionDefinition](t, mustParse(t, src))
			require.Len(t, f.Body.Statements, 1)
			s := f.Body.Statements[0]
			assert.Equal(t, tt.kind, s.NodeKind())
			assert.Equal(t, tt.text, srcOf(src, s))
		})
	}
}

func TestVariableDeclarationDetails(t *testing.T) {
	u := mustParse(t, inFunction("(bool ok, , bytes memory data) = target.call{value: 1}(\"\");\naddress payable to = payable(msg.sender);"))
	stmts := findAll[*VariableDeclarationStatement](u)
	require.Len(t, stmts, 2)
	d := stmts[0].Declarations
	require.Len(t, d, 3)
	assert.Equal(t, "ok", d[0].Name)
	assert.Nil(t, d[1], "a tuple hole is a nil declaration")
	assert.Equal(t, "data", d[2].Name)
	assert.Equal(t, "memory", d[2].Location)
	assert.Equal(t, `target.call{value:1}("")`, sexpr(stmts[0].InitialValue))
	assert.Equal(t, "address payable", typeString(stmts[1].Declarations[0].TypeName))
	assert.Equal(t, "address payable(msg.sender)", sexpr(stmts[1].InitialValue))
}

func TestUncheckedAndPlaceholder(t *testing.T) {
	u := mustParse(t, "contract C { modifier m() { _; } function f() { unchecked { x -= 1; } } }")
	assert.Len(t, findAll[*PlaceholderStatement](u), 1)
	blocks := findAll[*Block](u)
	unchecked := 0
	for _, b := range blocks {
		if b.Unchecked {
			unchecked++
		}
	}
	assert.Equal(t, 1, unchecked)
}

func TestTryCatchClauses(t *testing.T) {
	src := inFunction(`try token.transfer{gas: 5000}(to, 1) returns (bool ok) {
    done = ok;
} catch Error(string memory reason) {
    emit Failed(reason);
} catch Panic(uint code) {
} catch (bytes memory raw) {
}`)
	s := find[*TryStatement](t, mustParse(t, src))
	assert.Equal(t, "token.transfer{gas:5000}(to,1)", sexpr(s.ExternalCall))
	require.NotNil(t, s.ReturnParams)
	assert.Len(t, s.ReturnParams.Parameters, 1)
	require.Len(t, s.Clauses, 3)
	assert.Equal(t, "Error", s.Clauses[0].ErrorName)
	assert.Equal(t, "Panic", s.Clauses[1].ErrorName)
	assert.Equal(t, "", s.Clauses[2].ErrorName)
	assert.Equal(t, "raw", s.Clauses[2].Parameters.Parameters[0].Name)
}

func TestOldSyntaxParses(t *testing.T) {
	src := `pragma solidity ^0.4.11;
contract Old {
    function Old() { owner = msg.sender; }
    function () payable { }
    function get() constant returns (uint) { return now + 1 years; }
    function kill() { if (msg.sender != owner) throw; suicide(owner); }
    function h(uint a) returns (bytes32) { var h = sha3(a); Sent(msg.sender, 1 finney); return h; }
}`
	u := mustParse(t, src)
	fs := findAll[*FunctionDefinition](u)
	require.Len(t, fs, 5)
	assert.Equal(t, FuncConstructor, fs[0].Kind)
	assert.Equal(t, FuncFallback, fs[1].Kind)
	assert.Equal(t, "constant", fs[2].StateMutability)
	assert.Len(t, findAll[*Throw](u), 1)
	lits := findAll[*Literal](u)
	units := []string{}
	for _, l := range lits {
		if l.Subdenomination != "" {
			units = append(units, l.Subdenomination)
		}
	}
	assert.Equal(t, []string{"years", "finney"}, units)
	o := Summarize(u)
	assert.Equal(t, "view", o.Contracts[0].Functions[2].Mutability, "old constant means view")
}

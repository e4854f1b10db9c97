package solidity

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type wantErr struct {
	line, col int
	msg       string
}

func TestSyntaxErrorsAreReportedAndParsingRecovers(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		errs      []wantErr
		functions []string // function names in contract C after recovery
		vars      []string
	}{
		{
			name: "missing semicolon and missing expression in one body",
			src:  "contract C {\n  function f() public {\n    uint x = 1\n    uint256 y = 2;\n    x = ;\n  }\n  function g() public {}\n}\n",
			errs: []wantErr{
				{4, 5, "expected ';' after variable declaration, found 'uint256'"},
				{5, 9, "expected expression, found ';'"},
			},
			functions: []string{"f", "g"},
		},
		{
			name: "missing closing brace of a function",
			src:  "contract C {\n  function f() public {\n    x = 1;\n\n  function g() public {}\n  uint public z;\n}\n",
			errs: []wantErr{
				{5, 3, "expected '}' to close block, found 'function'"},
			},
			functions: []string{"f", "g"},
			vars:      []string{"z"},
		},
		{
			name: "state variable missing semicolon",
			src:  "contract C {\n  uint x\n  function g() public {}\n}\n",
			errs: []wantErr{
				{3, 3, "expected ';' after state variable declaration, found 'function'"},
			},
			functions: []string{"g"},
			vars:      []string{"x"},
		},
		{
			name: "broken header keeps the body and later members",
			src:  "contract C {\n  function f(uint a public {}\n  event E();\n  function g() {}\n}\n",
			errs: []wantErr{
				{2, 21, "expected ')' to close function parameters, found 'public'"},
			},
			functions: []string{"f", "g"},
		},
		{
			name: "garbage member is skipped",
			src:  "contract C {\n  ) ) );\n  function g() {}\n}\n",
			errs: []wantErr{
				{2, 3, "expected function, modifier, event, error, struct, enum, using or state variable declaration in contract C, found ')'"},
			},
			functions: []string{"g"},
		},
		{
			name: "invalid character and unterminated string",
			src:  "contract C {\n  function f() { # x = 1; }\n  string s = \"abc\n;\n  function g() {}\n}\n",
			errs: []wantErr{
				{2, 18, "invalid character '#' in source"},
				{3, 14, "string literal not terminated before end of line"},
			},
			functions: []string{"f", "g"},
			vars:      []string{"s"},
		},
		{
			name: "error inside assembly",
			src:  "contract C {\n  function f() { assembly { let x := } }\n  function g() {}\n}\n",
			errs: []wantErr{
				{2, 38, "expected assembly expression, found '}'"},
			},
			functions: []string{"f", "g"},
		},
		{
			name: "struct header lost leaves an extra closing brace",
			src:  "contract C {\n    uint a;\n    uint b;\n  }\n  function f() public {}\n  uint public z;\n}\n",
			errs: []wantErr{
				{4, 3, "unexpected '}': more members of contract C follow it"},
			},
			functions: []string{"f"},
			vars:      []string{"a", "b", "z"},
		},
		{
			name: "comment text without its opening marker",
			src:  "contract C {\n  * @dev the contract owner can call this function.\n  */\n  function f() public {}\n}\n",
			errs: []wantErr{
				{2, 3, "expected function, modifier, event, error, struct, enum, using or state variable declaration in contract C, found '*'"},
				{2, 5, "invalid character '@' in source"},
			},
			functions: []string{"f"},
		},
		{
			name: "missing contract closing brace",
			src:  "contract C {\n  function f() {}\n",
			errs: []wantErr{
				{3, 1, "expected '}' to close contract C, found end of file"},
			},
			functions: []string{"f"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, errs := Parse("bad.sol", []byte(tt.src))
			require.NotNil(t, u)
			checkPositions(t, []byte(tt.src), u)
			var got []wantErr
			for _, e := range errs {
				assert.Equal(t, "bad.sol", e.File)
				got = append(got, wantErr{e.Pos.Line, e.Pos.Column, e.Msg})
			}
			assert.Equal(t, tt.errs, got)
			var c *ContractDefinition
			for _, n := range u.Nodes {
				if cd, ok := n.(*ContractDefinition); ok && cd.Name == "C" {
					c = cd
				}
			}
			require.NotNil(t, c, "contract C survives")
			var fns, vars []string
			for _, n := range c.Nodes {
				switch n := n.(type) {
				case *FunctionDefinition:
					fns = append(fns, n.Name)
				case *VariableDeclaration:
					vars = append(vars, n.Name)
				}
			}
			assert.Equal(t, tt.functions, fns)
			assert.Equal(t, tt.vars, vars)
		})
	}
}

func TestDeclarationsAfterBrokenContractsSurvive(t *testing.T) {
	src := "pragma solidity ^0.8.0\ncontract A is { }\ncontract B { function f( { } }\nimport ;\ncontract D { uint x; }\n"
	u, errs := Parse("x.sol", []byte(src))
	msgs := []string{}
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	assert.Equal(t, []string{
		"x.sol:2:1: expected ';' after pragma directive, found 'contract'",
		"x.sol:2:15: expected base contract name, found '{'",
		"x.sol:3:26: expected type name, found '{'",
		"x.sol:4:8: expected import path string, '*' or '{' after 'import', found ';'",
	}, msgs)
	names := []string{}
	for _, c := range Summarize(u).Contracts {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"A", "B", "D"}, names)
}

func TestSyntaxErrorFormat(t *testing.T) {
	e := &SyntaxError{File: "a/b.sol", Pos: Position{Offset: 10, Line: 3, Column: 7}, Msg: "expected ';'"}
	assert.Equal(t, "a/b.sol:3:7: expected ';'", e.Error())
}

func TestDeepNestingIsCappedNotACrash(t *testing.T) {
	tests := []struct{ name, src string }{
		{"parentheses", inFunction("x = " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + ";")},
		{"blocks", inFunction(strings.Repeat("{", 50000) + strings.Repeat("}", 50000))},
		{"unary operators", inFunction("x = " + strings.Repeat("!", 100000) + "a;")},
		{"right-associative power", inFunction("x = a" + strings.Repeat(" ** a", 100000) + ";")},
		{"array types", "contract C { uint" + strings.Repeat("[1]", 10) + strings.Repeat("[", 5000) + " x; }"},
		{"assembly blocks", inFunction("assembly " + strings.Repeat("{", 50000) + strings.Repeat("}", 50000))},
		{"nested calls", inFunction("x = " + strings.Repeat("f(", 50000) + strings.Repeat(")", 50000) + ";")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, errs := Parse("deep.sol", []byte(tt.src))
			require.NotNil(t, u)
			require.NotEmpty(t, errs)
			found := false
			for _, e := range errs {
				assert.NotContains(t, e.Msg, "internal parser error")
				if strings.Contains(e.Msg, "nesting too deep") {
					found = true
				}
			}
			if tt.name != "array types" {
				assert.True(t, found, "expected a nesting error, got %v", errs)
			}
		})
	}
}

func TestEveryPrefixOfAValidFileParsesWithoutPanicking(t *testing.T) {
	src := []byte(inFunction(`uint x = a.b(1, {c: 2}) + (d ? e : f[3]);
        try g{value: 1}() returns (uint v) { } catch Error(string memory r) { }
        assembly { let y := add(x, 1) switch y case 0 { } default { } }
        emit E(unicode"é", hex"00");`))
	for i := 0; i <= len(src); i++ {
		u, errs := Parse("prefix.sol", src[:i])
		require.NotNil(t, u)
		for _, e := range errs {
			require.NotContains(t, e.Msg, "internal parser error", "prefix %d", i)
		}
		checkPositions(t, src[:i], u)
	}
}

// TestGarbageInputKeepsErrorListBounded feeds long runs of one fragment; the
// parser must neither cascade one error per token nor lose its footing.
func TestGarbageInputKeepsErrorListBounded(t *testing.T) {
	for _, unit := range []string{"(", ")", "{", "}", "[", "a(", "if (", "uint ", "try ", "; ", "new ",
		"contract ", "function f(", "x = ", "mapping(", "using ", "} contract A {", "(uint a, ", "emit ", "type("} {
		t.Run(unit, func(t *testing.T) {
			src := []byte("contract C { function f() { " + strings.Repeat(unit, 100000/len(unit)))
			u, errs := Parse("garbage.sol", src)
			require.NotNil(t, u)
			assert.LessOrEqual(t, len(errs), maxErrors+1)
			if len(errs) > maxErrors {
				assert.Contains(t, errs[maxErrors].Msg, "too many syntax errors")
			}
			checkPositions(t, src, u)
		})
	}
}

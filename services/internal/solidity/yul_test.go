package solidity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInlineAssemblyIsParsedIntoYulNodes(t *testing.T) {
	src := inFunction(`assembly "evmasm" ("memory-safe") {
    let ptr, len := foo()
    function helper(a, b) -> c, d { c := add(a, b) leave }
    switch calldatasize()
    case 0 { revert(0, 0) }
    case "x" { }
    default { mstore(ptr, helper(1, 2)) }
    for { let i := 0 } lt(i, 10) { i := add(i, 1) } { if eq(i, 5) { break } continue }
    sstore(x.slot, 1)
    ptr := x.offset
    let t:u256 := 0x20:u256
    return(0, 0)
}`)
	u := mustParse(t, src)
	a := find[*InlineAssembly](t, u)
	assert.Equal(t, "evmasm", a.Dialect)
	assert.Equal(t, []string{"memory-safe"}, a.Flags)
	kinds := []string{}
	for _, s := range a.Body.Statements {
		kinds = append(kinds, s.NodeKind())
	}
	assert.Equal(t, []string{"YulVariableDeclaration", "YulFunctionDefinition", "YulSwitch", "YulForLoop",
		"YulExpressionStatement", "YulAssignment", "YulVariableDeclaration", "YulExpressionStatement"}, kinds)

	let := a.Body.Statements[0].(*YulVariableDeclaration)
	require.Len(t, let.Variables, 2)
	assert.Equal(t, "len", let.Variables[1].Name)

	fn := a.Body.Statements[1].(*YulFunctionDefinition)
	assert.Equal(t, "helper", fn.Name)
	assert.Len(t, fn.Parameters, 2)
	assert.Len(t, fn.ReturnValues, 2)
	assert.Len(t, findAll[*YulLeave](fn), 1)

	sw := a.Body.Statements[2].(*YulSwitch)
	require.Len(t, sw.Cases, 3)
	assert.Equal(t, "0", sw.Cases[0].Value.Value)
	assert.Equal(t, "string", sw.Cases[1].Value.Kind)
	assert.Nil(t, sw.Cases[2].Value, "default has no value")

	loop := a.Body.Statements[3].(*YulForLoop)
	assert.Len(t, findAll[*YulBreak](loop), 1)
	assert.Len(t, findAll[*YulContinue](loop), 1)
	assert.Len(t, findAll[*YulIf](loop), 1)

	call := a.Body.Statements[4].(*YulExpressionStatement).Expression.(*YulFunctionCall)
	assert.Equal(t, "sstore", call.FunctionName.Name)
	assert.Equal(t, "x.slot", call.Arguments[0].(*YulIdentifier).Name, "dotted names stay whole")

	asg := a.Body.Statements[5].(*YulAssignment)
	assert.Equal(t, "x.offset", asg.Value.(*YulIdentifier).Name)

	typed := a.Body.Statements[6].(*YulVariableDeclaration)
	assert.Equal(t, "u256", typed.Variables[0].Type)
	assert.Equal(t, "u256", typed.Value.(*YulLiteral).Type)

	ret := a.Body.Statements[7].(*YulExpressionStatement).Expression.(*YulFunctionCall)
	assert.Equal(t, "return", ret.FunctionName.Name, "Solidity keywords are plain Yul names")
}

func TestPre05AssemblyWithBareInstructions(t *testing.T) {
	u := mustParse(t, inFunction("assembly { let v := callvalue jumpi(0x10, iszero(v)) }"))
	let := find[*YulVariableDeclaration](t, u)
	assert.Equal(t, "callvalue", let.Value.(*YulIdentifier).Name)
}

func TestYulPositions(t *testing.T) {
	src := inFunction("assembly {\n    sstore(0, 1)\n}")
	call := find[*YulFunctionCall](t, mustParse(t, src))
	assert.Equal(t, "sstore(0, 1)", srcOf(src, call))
	assert.Equal(t, 5, call.Pos().Column)
}

package solidity

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummarizeAppliesSolcDefaults(t *testing.T) {
	src := `import "./A.sol";
import {B} from "./B.sol";
interface I { function f() ; event E(); }
abstract contract A is I, Lib.Base {
    uint x;
    uint public constant K = 1;
    uint private immutable im;
    uint transient t;
    error Err();
    modifier m() { _; }
    constructor() Lib.Base(1) {}
    function g() constant returns (uint) {}
    function h() external payable m Lib.n {}
    fallback() external {}
    receive() external payable {}
}
contract D is A { constructor() {} }
library L { function k() {} }
function free() pure {}`
	got := Summarize(mustParse(t, src))
	want := `{"imports":["./A.sol","./B.sol"],"contracts":[
{"name":"I","kind":"interface","bases":[],"functions":[
  {"kind":"function","name":"f","visibility":"external","mutability":"nonpayable","modifiers":[]}],
 "stateVariables":[],"events":["E"],"errors":[]},
{"name":"A","kind":"abstract","bases":["I","Lib.Base"],"functions":[
  {"kind":"modifier","name":"m","visibility":"internal","mutability":"nonpayable","modifiers":[]},
  {"kind":"constructor","name":"","visibility":"internal","mutability":"nonpayable","modifiers":["Lib.Base"]},
  {"kind":"function","name":"g","visibility":"public","mutability":"view","modifiers":[]},
  {"kind":"function","name":"h","visibility":"external","mutability":"payable","modifiers":["m","Lib.n"]},
  {"kind":"fallback","name":"","visibility":"external","mutability":"nonpayable","modifiers":[]},
  {"kind":"receive","name":"","visibility":"external","mutability":"payable","modifiers":[]}],
 "stateVariables":[
  {"name":"x","visibility":"internal","mutability":"mutable"},
  {"name":"K","visibility":"public","mutability":"constant"},
  {"name":"im","visibility":"private","mutability":"immutable"},
  {"name":"t","visibility":"internal","mutability":"transient"}],
 "events":[],"errors":["Err"]},
{"name":"D","kind":"contract","bases":["A"],"functions":[
  {"kind":"constructor","name":"","visibility":"public","mutability":"nonpayable","modifiers":[]}],
 "stateVariables":[],"events":[],"errors":[]},
{"name":"L","kind":"library","bases":[],"functions":[
  {"kind":"function","name":"k","visibility":"public","mutability":"nonpayable","modifiers":[]}],
 "stateVariables":[],"events":[],"errors":[]}],
"freeFunctions":[{"kind":"function","name":"free","visibility":"internal","mutability":"pure","modifiers":[]}]}`
	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(b))
}

func TestSummarizeEmptyAndNilNeverProduceNull(t *testing.T) {
	for _, u := range []*SourceUnit{nil, mustParse(t, "")} {
		b, err := json.Marshal(Summarize(u))
		require.NoError(t, err)
		assert.JSONEq(t, `{"imports":[],"contracts":[],"freeFunctions":[]}`, string(b))
	}
	b, err := json.Marshal(Summarize(mustParse(t, "contract C {}")))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "null")
}

func TestAccessorsGroupMembersAndApplyDefaults(t *testing.T) {
	u := mustParse(t, `abstract contract A {
    using L for uint;
    struct S { uint a; }
    enum E { X }
    event Ev();
    error Er();
    uint x;
    uint public constant K = 1;
    modifier m() { _; }
    constructor() {}
    function f() constant {}
}
interface I { function g() view; }`)
	cs := u.Contracts()
	require.Len(t, cs, 2)
	a := cs[0]
	assert.Len(t, a.UsingFor(), 1)
	assert.Len(t, a.Structs(), 1)
	assert.Len(t, a.Enums(), 1)
	assert.Len(t, a.Events(), 1)
	assert.Len(t, a.Errors(), 1)
	assert.Len(t, a.ModifierDefinitions(), 1)
	vars := a.StateVariables()
	require.Len(t, vars, 2)
	assert.Equal(t, "internal", vars[0].EffectiveVisibility())
	assert.Equal(t, "mutable", vars[0].Mutability())
	assert.Equal(t, "constant", vars[1].Mutability())
	fs := a.Functions()
	require.Len(t, fs, 2)
	assert.Equal(t, "internal", fs[0].EffectiveVisibility(a), "constructor of an abstract contract")
	assert.Equal(t, "public", fs[1].EffectiveVisibility(a))
	assert.Equal(t, "view", fs[1].EffectiveMutability())
	assert.Equal(t, "external", cs[1].Functions()[0].EffectiveVisibility(cs[1]))
}

package solidity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPragmaIsSplitIntoNameAndValue(t *testing.T) {
	u := mustParse(t, "pragma solidity >=0.4.0 <0.6.0;\npragma experimental ABIEncoderV2;\npragma abicoder v2;")
	got := findAll[*PragmaDirective](u)
	require.Len(t, got, 3)
	assert.Equal(t, "solidity", got[0].Name)
	assert.Equal(t, ">=0.4.0 <0.6.0", got[0].Value)
	assert.Equal(t, "experimental", got[1].Name)
	assert.Equal(t, "ABIEncoderV2", got[1].Value)
	assert.Equal(t, "abicoder", got[2].Name)
}

func TestImportForms(t *testing.T) {
	tests := []struct {
		name, src, path, alias string
		symbols                []ImportSymbol
	}{
		{name: "plain path", src: `import "./A.sol";`, path: "./A.sol"},
		{name: "single quotes", src: `import '../B.sol';`, path: "../B.sol"},
		{name: "path with unit alias", src: `import "./A.sol" as A;`, path: "./A.sol", alias: "A"},
		{name: "star with alias", src: `import * as Lib from "lib/L.sol";`, path: "lib/L.sol", alias: "Lib"},
		{name: "symbol list with aliases", src: `import {X, Y as Z} from "@oz/Y.sol";`, path: "@oz/Y.sol",
			symbols: []ImportSymbol{{Name: "X"}, {Name: "Y", Alias: "Z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustParse(t, tt.src)
			d := find[*ImportDirective](t, u)
			assert.Equal(t, tt.path, d.Path)
			assert.Equal(t, tt.alias, d.UnitAlias)
			require.Len(t, d.Symbols, len(tt.symbols))
			for i, s := range tt.symbols {
				assert.Equal(t, s.Name, d.Symbols[i].Name)
				assert.Equal(t, s.Alias, d.Symbols[i].Alias)
			}
			assert.Equal(t, tt.src, srcOf(tt.src, d), "import spans the whole directive")
		})
	}
}

func TestContractKindsAndInheritance(t *testing.T) {
	tests := []struct {
		name, src, kind string
		abstract        bool
		bases           []string
		args            []int
	}{
		{name: "contract", src: "contract A {}", kind: "contract"},
		{name: "abstract contract", src: "abstract contract A {}", kind: "contract", abstract: true},
		{name: "interface with base", src: "interface A is B {}", kind: "interface", bases: []string{"B"}, args: []int{0}},
		{name: "library", src: "library A {}", kind: "library"},
		{name: "bases with arguments and dotted path", src: `contract A is B(1, "x"), C.D, E() {}`, kind: "contract",
			bases: []string{"B", "C.D", "E"}, args: []int{2, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := find[*ContractDefinition](t, mustParse(t, tt.src))
			assert.Equal(t, "A", c.Name)
			assert.Equal(t, tt.kind, c.ContractKind)
			assert.Equal(t, tt.abstract, c.Abstract)
			require.Len(t, c.BaseContracts, len(tt.bases))
			for i, b := range tt.bases {
				assert.Equal(t, b, c.BaseContracts[i].BaseName.Name)
				assert.Len(t, c.BaseContracts[i].Arguments, tt.args[i])
			}
		})
	}
}

func TestContractLayoutSpecifier(t *testing.T) {
	c := find[*ContractDefinition](t, mustParse(t, "contract C is A layout at 0x1234 {}"))
	require.Len(t, c.BaseContracts, 1)
	require.NotNil(t, c.Layout)
	assert.Equal(t, "0x1234", sexpr(c.Layout))
}

func TestFunctionHeaders(t *testing.T) {
	tests := []struct {
		name, member, fkind, fname, vis, mut string
		virtual                              bool
		overrides                            []string
		modifiers                            []string
		params, returns                      int
		body                                 bool
	}{
		{name: "plain function", member: "function f(uint a, bytes memory b) public view returns (uint) { }",
			fkind: "function", fname: "f", vis: "public", mut: "view", params: 2, returns: 1, body: true},
		{name: "declaration without body", member: "function f() external;", fkind: "function", fname: "f", vis: "external"},
		{name: "virtual with override list", member: "function f() internal virtual override(A, B.C) {}",
			fkind: "function", fname: "f", vis: "internal", virtual: true, overrides: []string{"A", "B.C"}, body: true},
		{name: "modifiers and base call in order", member: "function f() onlyOwner nonReentrant(1) Lib.m {}",
			fkind: "function", fname: "f", modifiers: []string{"onlyOwner", "nonReentrant", "Lib.m"}, body: true},
		{name: "constructor with base arguments", member: "constructor(uint x) Base(x) payable {}",
			fkind: "constructor", modifiers: []string{"Base"}, mut: "payable", params: 1, body: true},
		{name: "receive", member: "receive() external payable {}", fkind: "receive", vis: "external", mut: "payable", body: true},
		{name: "fallback with parameters", member: "fallback(bytes calldata d) external returns (bytes memory) {}",
			fkind: "fallback", vis: "external", params: 1, returns: 1, body: true},
		{name: "pre-0.6 unnamed fallback", member: "function () payable { }", fkind: "fallback", mut: "payable", body: true},
		{name: "pre-0.4.22 constructor named like the contract", member: "function C(uint a) public {}",
			fkind: "constructor", fname: "C", vis: "public", params: 1, body: true},
		{name: "constant mutability kept as written", member: "function f() constant returns (uint) {}",
			fkind: "function", fname: "f", mut: "constant", returns: 1, body: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "contract C {\n " + tt.member + "\n}"
			f := find[*FunctionDefinition](t, mustParse(t, src))
			assert.Equal(t, tt.fkind, f.Kind)
			assert.Equal(t, tt.fname, f.Name)
			assert.Equal(t, tt.vis, f.Visibility)
			assert.Equal(t, tt.mut, f.StateMutability)
			assert.Equal(t, tt.virtual, f.Virtual)
			if tt.overrides != nil {
				require.NotNil(t, f.Override)
				var names []string
				for _, o := range f.Override.Overrides {
					names = append(names, o.Name)
				}
				assert.Equal(t, tt.overrides, names)
			}
			var mods []string
			for _, m := range f.Modifiers {
				mods = append(mods, m.Name.Name)
			}
			assert.Equal(t, tt.modifiers, mods)
			assert.Len(t, f.Parameters.Parameters, tt.params)
			if tt.returns > 0 {
				require.NotNil(t, f.ReturnParams)
				assert.Len(t, f.ReturnParams.Parameters, tt.returns)
			}
			assert.Equal(t, tt.body, f.Body != nil)
			assert.Equal(t, tt.member, srcOf(src, f), "function spans its whole text")
		})
	}
}

func TestFreeFunctionAndFileLevelDeclarations(t *testing.T) {
	src := `uint256 constant MAX = 10;
type Price is uint128;
using {add as +} for Price global;
error Bad(uint code);
event Log(string msg);
struct S { uint a; mapping(uint => uint) m; }
enum E { A, B, C }
function add(Price a, Price b) pure returns (Price) { return a; }`
	u := mustParse(t, src)
	kinds := []string{}
	for _, n := range u.Nodes {
		kinds = append(kinds, n.NodeKind())
	}
	assert.Equal(t, []string{"VariableDeclaration", "UserDefinedValueTypeDefinition", "UsingForDirective",
		"ErrorDefinition", "EventDefinition", "StructDefinition", "EnumDefinition", "FunctionDefinition"}, kinds)
	assert.True(t, u.Nodes[0].(*VariableDeclaration).Constant)
	assert.False(t, u.Nodes[0].(*VariableDeclaration).StateVariable, "a file-level constant is not a state variable")
	assert.Equal(t, "uint128", typeString(u.Nodes[1].(*UserDefinedValueTypeDefinition).UnderlyingType))
	using := u.Nodes[2].(*UsingForDirective)
	assert.True(t, using.Global)
	require.Len(t, using.FunctionList, 1)
	assert.Equal(t, "+", using.FunctionList[0].Operator)
	assert.Len(t, u.Nodes[5].(*StructDefinition).Members, 2)
	assert.Len(t, u.Nodes[6].(*EnumDefinition).Members, 3)
	assert.Equal(t, FuncFree, u.Nodes[7].(*FunctionDefinition).Kind)
}

func TestUsingForForms(t *testing.T) {
	tests := []struct{ name, src, lib, typ string }{
		{name: "library for type", src: "using SafeMath for uint256;", lib: "SafeMath", typ: "uint256"},
		{name: "library for everything", src: "using L for *;", lib: "L", typ: "<nil>"},
		{name: "dotted library for array", src: "using A.L for bytes32[];", lib: "A.L", typ: "bytes32[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := find[*UsingForDirective](t, mustParse(t, "contract C { "+tt.src+" }"))
			assert.Equal(t, tt.lib, d.LibraryName.Name)
			assert.Equal(t, tt.typ, typeString(d.TypeName))
		})
	}
}

func TestStateVariableAttributes(t *testing.T) {
	tests := []struct {
		name, decl, vname, vis, typ       string
		constant, immutable, transient, o bool
		value                             string
	}{
		{name: "public mapping with named key and value", decl: "mapping(address owner => uint256 balance) public balances;",
			vname: "balances", vis: "public", typ: "mapping(address owner => uint256 balance)"},
		{name: "private immutable", decl: "uint256 private immutable start;", vname: "start", vis: "private", typ: "uint256", immutable: true},
		{name: "constant with value", decl: "bytes32 public constant ROLE = keccak256(\"R\");", vname: "ROLE", vis: "public",
			typ: "bytes32", constant: true, value: `keccak256("R")`},
		{name: "transient storage", decl: "uint transient lock;", vname: "lock", typ: "uint", transient: true},
		{name: "transient used as a name", decl: "uint transient;", vname: "transient", typ: "uint"},
		{name: "public override", decl: "uint public override x;", vname: "x", vis: "public", typ: "uint", o: true},
		{name: "function type", decl: "function (uint) external view returns (bool) public cb;", vname: "cb",
			vis: "public", typ: "function(uint) external view returns (bool)"},
		{name: "address payable array", decl: "address payable[] internal payees;", vname: "payees", vis: "internal", typ: "address payable[]"},
		{name: "nested fixed arrays", decl: "uint[2][3] grid;", vname: "grid", typ: "uint[2][3]"},
		{name: "user-defined dotted type", decl: "Lib.S[] items;", vname: "items", typ: "Lib.S[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := find[*VariableDeclaration](t, mustParse(t, "contract C { "+tt.decl+" }"))
			assert.True(t, v.StateVariable)
			assert.Equal(t, tt.vname, v.Name)
			assert.Equal(t, tt.vis, v.Visibility)
			assert.Equal(t, tt.typ, typeString(v.TypeName))
			assert.Equal(t, tt.constant, v.Constant)
			assert.Equal(t, tt.immutable, v.Immutable)
			assert.Equal(t, tt.transient, v.Transient)
			assert.Equal(t, tt.o, v.Override != nil)
			if tt.value != "" {
				assert.Equal(t, tt.value, sexpr(v.Value))
			}
		})
	}
}

func TestEventsErrorsModifiers(t *testing.T) {
	src := `contract C {
    event Transfer(address indexed from, address indexed to, uint256 value) anonymous;
    error Insufficient(uint256 needed, uint256 have);
    modifier only(address who) virtual { require(msg.sender == who); _; }
    modifier bare { _; }
}`
	u := mustParse(t, src)
	ev := find[*EventDefinition](t, u)
	assert.Equal(t, "Transfer", ev.Name)
	assert.True(t, ev.Anonymous)
	require.Len(t, ev.Parameters.Parameters, 3)
	assert.True(t, ev.Parameters.Parameters[0].Indexed)
	assert.False(t, ev.Parameters.Parameters[2].Indexed)
	er := find[*ErrorDefinition](t, u)
	assert.Equal(t, "Insufficient", er.Name)
	assert.Len(t, er.Parameters.Parameters, 2)
	mods := findAll[*ModifierDefinition](u)
	require.Len(t, mods, 2)
	assert.True(t, mods[0].Virtual)
	assert.Len(t, mods[0].Parameters.Parameters, 1)
	assert.Len(t, findAll[*PlaceholderStatement](mods[0]), 1)
	assert.Equal(t, "bare", mods[1].Name)
}

func TestNatSpecIsAttachedToTheFollowingDeclaration(t *testing.T) {
	src := `/// @title T
/// @notice two lines
contract C {
    /** @notice the value */
    uint public v;
    // an ordinary comment is not NatSpec
    uint w;
    /// @dev event doc
    event E();
    /// @dev error doc
    error Er();
    /// @dev struct doc
    struct S { uint a; }
    /// @dev enum doc
    enum En { A }
    /// @dev modifier doc
    modifier m() { _; }
    /// @param x the x
    function f(uint x) public {}
}`
	u := mustParse(t, src)
	c := find[*ContractDefinition](t, u)
	require.NotNil(t, c.Documentation)
	assert.Equal(t, "@title T\n @notice two lines", c.Documentation.Text)
	assert.Equal(t, 1, c.Documentation.Pos().Line)
	vars := findAll[*VariableDeclaration](u)
	require.NotNil(t, vars[0].Documentation)
	assert.Equal(t, "@notice the value ", vars[0].Documentation.Text)
	assert.Nil(t, vars[1].Documentation, "a plain // comment is not NatSpec")
	assert.Equal(t, "@dev event doc", find[*EventDefinition](t, u).Documentation.Text)
	assert.Equal(t, "@dev error doc", find[*ErrorDefinition](t, u).Documentation.Text)
	assert.Equal(t, "@dev struct doc", find[*StructDefinition](t, u).Documentation.Text)
	assert.Equal(t, "@dev enum doc", find[*EnumDefinition](t, u).Documentation.Text)
	assert.Equal(t, "@dev modifier doc", find[*ModifierDefinition](t, u).Documentation.Text)
	assert.Equal(t, "@param x the x", find[*FunctionDefinition](t, u).Documentation.Text)
}

func TestPositionsAreExact(t *testing.T) {
	src := "pragma solidity ^0.8.0;\n\ncontract Token {\n    uint256 public total;\n    function f() public {\n        total = 1;\n    }\n}\n"
	u := mustParse(t, src)
	c := find[*ContractDefinition](t, u)
	assert.Equal(t, Position{Offset: 25, Line: 3, Column: 1}, c.Pos())
	assert.Equal(t, Position{Offset: len(src) - 1, Line: 8, Column: 2}, c.End(), "end is just past the closing brace")
	assert.Equal(t, "Token", srcOf(src, &Identifier{base: base{c.NameSrc}}))
	v := find[*VariableDeclaration](t, u)
	assert.Equal(t, Position{Offset: 46, Line: 4, Column: 5}, v.Pos())
	assert.Equal(t, "uint256 public total", srcOf(src, v), "like solc, the ';' is not part of the declaration")
	a := find[*Assignment](t, u)
	assert.Equal(t, 6, a.Pos().Line)
	assert.Equal(t, 9, a.Pos().Column)
	assert.Equal(t, "total = 1", srcOf(src, a))
	assert.Equal(t, "total = 1", srcOf(src, find[*ExpressionStatement](t, u)))
}

// TestNatSpecTextIsNormalisedLikeSolc uses texts solc 0.8.37 produced for
// the same comments.
func TestNatSpecTextIsNormalisedLikeSolc(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"/** @notice the value */", "@notice the value "},
		{"/**\n * @title T\n * @dev line two\n */", " @title T\n @dev line two"},
		{"/**\n   @dev no stars\n   second\n*/", "@dev no stars\nsecond"},
		{"/**\n * a\n *\n * b\n */", " a\n b"},
		{"/** x\n * y */", "x\n y "},
		{"///   spaced\n///second\n///  third", "spaced\nsecond\n  third"},
		{"/// a\n///\n/// b", "a\n b"},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			c := find[*ContractDefinition](t, mustParse(t, tt.doc+"\ncontract C {}"))
			require.NotNil(t, c.Documentation)
			assert.Equal(t, tt.want, c.Documentation.Text)
		})
	}
	c := find[*ContractDefinition](t, mustParse(t, "///\ncontract C {}"))
	assert.Nil(t, c.Documentation, "an empty /// is no documentation")
}

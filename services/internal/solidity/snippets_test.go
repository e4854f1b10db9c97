package solidity

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestValidSnippetsParseWithoutErrors is a regression list of valid
// corner cases across Solidity versions, each of which must parse cleanly.
func TestValidSnippetsParseWithoutErrors(t *testing.T) {
	for _, src := range []string{
		"contract C { function f() { uint[] storage a = b; a.push(); } }",
		"contract C { function () external payable { } }",
		"contract C { function() public payable {} }",
		"contract C { constructor () public { } }",
		"contract C { function f() returns (uint) onlyOwner { } }",
		"contract C { function f() { bytes32 h = keccak256(abi.encodePacked(a, b)); } }",
		"contract C { function f() { (uint a, uint b) = (1, 2); (a, b) = (b, a); } }",
		"contract C { function f() { x = y[1:2][0]; } }",
		"contract C { function f() { emit E({a: 1}); } }",
		"contract C { function f() { assembly { a := b } } }",
		"contract C { struct S { function (uint) external f; } }",
		"contract C { uint[] public a = [1, 2]; }",
		"contract C { event E(uint indexed); }",
		"contract C { function f(uint) external; }",
		"contract C { modifier m virtual; }",
		"contract C { function f() { uint x = 1 ether; x = x * 2 wei; } }",
		"contract C { function f() { x = -1; x = +1; } }",
		"contract C { mapping(bytes32 => mapping(address => bool)) private m; }",
		"contract C { function f() view external returns (address payable) {} }",
		"contract C { function f() { address payable[] memory a; } }",
		"contract C { function f() { if (a) {} else if (b) {} else {} } }",
		"contract C { function f() { for (i = 0; ; ) {} } }",
		"contract C { function f() { for (uint i; i < 1; ) { } } }",
		"contract C { function f() { new C(); new C{value: 1}(); } }",
		"contract C { using L for L.S; }",
		"contract C { function f() { string memory s = 'single' ; } }",
		"contract C { function f() { x = 0x00_ff; y = 1_000.5; z = 1e-5; } }",
		"contract C { function f() { x = type(C).creationCode; } }",
		"contract C { function f() { this.f{gas: 1}(); } }",
		"contract C { function f() { bytes memory b = new bytes(10); } }",
		"contract C { function f() { x = a < b ? a : b; } }",
		"contract C { function f() { x = (a); } }",
		"contract C { function f() { [1,2][0]; } }",
		"contract C { function f() { uint[3] memory a = [uint(1), 2, 3]; } }",
		"contract C { function f() { g(x)(y); } }",
		"contract C { function f() { delete a; delete a.b; } }",
		"contract C { function f() { _; } }",
		"contract C { function f() { revert(); require(x); assert(y); } }",
		"contract C { function f() { assembly { function g() {} g() } } }",
		"contract C { function f() { assembly { let x := shl(224, 0x01) if iszero(x) { revert(0,0) } } } }",
		"contract C { function f() { unchecked { ++i; } } }",
		"contract C { Foo.Bar public baz; }",
		"contract C { fallback () external payable virtual override {} }",
		"contract C { receive () external payable virtual {} }",
		"interface I { function f() external view returns (uint256 a, bool); }",
		"contract C { function f() { x = now; y = block.timestamp; } }",
		"contract C { function f() { while (true) { break; } do {} while (false); } }",
		"contract C { function f() { sha3(1); suicide(a); msg.sender.send(1); } }",
		"contract C { function f() { var (a, b) = f(); var (, c) = f(); } }",
		"contract C { uint constant x = 1 years; }",
		"contract C { function f() { throw; } }",
		"library L { function f(S storage s) internal {} }",
		"contract C { function f() pure { int8 x = -128; uint8 y = uint8(x); } }",
		"contract C { function f() { x = a ** -b; } }",
		"contract C { function f() { x = ~a; x = !b; x = a >> 1; x >>= 2; x = a >>> 1; } }",
		"contract C { function f() { emit Log(\"a\" \"b\"); } }",
		"contract C { function f() { bytes memory b = hex\"00\" hex'ff'; } }",
		"contract C { function f() { try new D() returns (D d) {} catch {} } }",
		"contract C { function f() { try this.g() {} catch (bytes memory) {} } }",
		"contract C { event E(address indexed a, uint256 b) anonymous; }",
		"contract C { function f() { x.y.z(); } }",
		"contract C { function f() { (bool s, ) = a.call(\"\"); } }",
		"contract C { function f() { (, , uint c) = g(); } }",
		"contract C { function f() external returns (bytes4) { return this.f.selector; } }",
		"contract C { function f() { x = a.b[c](d); } }",
		"contract C { function f(function() external g) {} }",
		"contract C { function f(mapping(uint => uint) storage m) internal {} }",
		"contract C { error E(); function f() { revert E(); } }",
		"contract C is A, B { function f() public override(A, B) returns (uint) { return super.f(); } }",
		"enum E { A } contract C { E e = E.A; }",
		"contract C { function f() { assembly { mstore(0x40, add(mload(0x40), 0x20)) } } }",
		"contract C { function f() { assembly { let r := staticcall(gas(), 1, 0, 0x80, 0, 0x20) } } }",
		"contract C { function f() { assembly { x := and(y, 0xffffffffffffffffffffffffffffffffffffffff) } } }",
		"contract C { function f() { assembly { switch x case 0x01 {} case \"a\" {} } } }",
		"contract C { function f() { assembly { for {} 1 {} { break } } } }",
		"contract C { function f() { assembly { x := true } } }",
		"contract C { function f() { assembly { let a:bool := true:bool } } }",
		"contract C { function f() { uint x = 1; { uint x = 2; } } }",
		"contract C { function f() { f({}); } }",
		"contract C { function transferFrom(address from, address to) {} }",
		"contract C { function f() { error = 1; } }",
		"contract C { uint public from; function f() { global = 1; layout = 2; at = 3; transient = 4; } }",
	} {
		t.Run(src, func(t *testing.T) { mustParse(t, src) })
	}
}

func TestByteOrderMarkIsSkipped(t *testing.T) {
	u := mustParse(t, "\xEF\xBB\xBFcontract C {}")
	c := find[*ContractDefinition](t, u)
	assert.Equal(t, Position{Offset: 3, Line: 1, Column: 4}, c.Pos())
	assert.Equal(t, "1:4", c.Pos().String())
}

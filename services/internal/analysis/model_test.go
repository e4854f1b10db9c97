package analysis

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadSource loads one file with the given source.
func loadSource(t *testing.T, src string) *Project {
	t.Helper()
	p, err := Load([]string{writeTree(t, map[string]string{"Main.sol": src}) + "/Main.sol"}, LoadOptions{})
	require.NoError(t, err)
	for _, d := range p.Diagnostics {
		require.NotEqual(t, DiagSyntax, d.Kind, d.String())
	}
	return p
}

func fn(t *testing.T, p *Project, qualified string) *Function {
	t.Helper()
	for _, f := range p.Functions() {
		if f.QualifiedName() == qualified {
			return f
		}
	}
	t.Fatalf("no function %s", qualified)
	return nil
}

func varNames(vs []*StateVar) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

func TestC3Linearization(t *testing.T) {
	t.Run("the diamond linearizes as solc does", func(t *testing.T) {
		p := loadSource(t, `
contract A {}
contract B is A {}
contract C is A {}
contract D is B, C {}
`)
		assert.Equal(t, []string{"D", "C", "B", "A"}, names(p.ContractsNamed("D")[0].Linearization))
	})
	t.Run("an impossible order is a diagnostic", func(t *testing.T) {
		p := loadSource(t, `
contract X {}
contract Y is X {}
contract Z is Y, X {}
`)
		require.Len(t, p.Diagnostics, 1)
		assert.Equal(t, DiagInheritance, p.Diagnostics[0].Kind)
		assert.Contains(t, p.Diagnostics[0].Message, "Z")
		assert.Equal(t, []string{"Z"}, names(p.ContractsNamed("Z")[0].Linearization))
	})
	t.Run("a cycle is a diagnostic, not a hang", func(t *testing.T) {
		p := loadSource(t, "contract P is Q {}\ncontract Q is P {}\n")
		assert.NotEmpty(t, p.Diagnostics)
	})
}

const bankSource = `pragma solidity 0.8.26;
interface IToken { function transfer(address to, uint256 v) external returns (bool); }
library SafeMath { function add(uint256 a, uint256 b) internal pure returns (uint256) { return a + b; } }
contract Base {
    address public owner;
    uint256 internal total;
    modifier onlyOwner() { require(msg.sender == owner, "owner"); _; }
    function bump(uint256 v) internal virtual { total += v; }
}
contract Bank is Base {
    using SafeMath for uint256;
    mapping(address => uint256) public balances;
    IToken public token;
    event Paid(address to, uint256 v);
    function deposit() external payable {
        balances[msg.sender] = balances[msg.sender].add(msg.value);
        bump(msg.value);
    }
    function bump(uint256 v) internal override { super.bump(v); }
    function withdraw(uint256 amount) external onlyOwner {
        if (amount > 0) {
            (bool ok, ) = msg.sender.call{value: amount}("");
            require(ok);
        }
        token.transfer(msg.sender, amount);
        address(token).delegatecall("");
        payable(msg.sender).transfer(1);
        balances[msg.sender] -= amount;
        emit Paid(msg.sender, amount);
    }
}
`

func TestSymbolsAndCallGraph(t *testing.T) {
	p := loadSource(t, bankSource)
	bank := p.ContractsNamed("Bank")[0]
	assert.Equal(t, []string{"owner", "total", "balances", "token"}, varNames(bank.AllStateVars()))

	bump := fn(t, p, "Bank.bump")
	require.Len(t, bump.Overrides, 1)
	assert.Equal(t, "Base.bump", bump.Overrides[0].QualifiedName())

	withdraw := fn(t, p, "Bank.withdraw")
	require.Len(t, withdraw.Modifiers, 1)
	assert.Equal(t, "onlyOwner", withdraw.Modifiers[0].Name)

	assert.Subset(t, p.CallGraph(), []Edge{
		{From: "Bank.deposit", To: "SafeMath.add", Kind: CallLibrary},
		{From: "Bank.deposit", To: "Bank.bump", Kind: CallInternal},
		{From: "Bank.bump", To: "Base.bump", Kind: CallInternal},
		{From: "Bank.withdraw", To: "address.call", Kind: CallLowLevel},
		{From: "Bank.withdraw", To: "IToken.transfer", Kind: CallExternal},
		{From: "Bank.withdraw", To: "address.delegatecall", Kind: CallDelegatecall},
		{From: "Bank.withdraw", To: "address.transfer", Kind: CallLowLevel},
	})
	for _, e := range p.CallGraph() {
		assert.NotEqual(t, "Paid", e.To, "events are not calls")
	}
	assert.Equal(t, []Edge{{From: "Bank", To: "Base", Kind: "inherits"}}, p.InheritanceGraph())

	var value *Call
	for _, c := range withdraw.Calls {
		if c.Member == "call" {
			value = c
		}
	}
	require.NotNil(t, value)
	assert.True(t, value.SendsValue)
	assert.Equal(t, "amount", withdraw.File.Text(value.ValueExpr))
}

func TestReadWriteSetsAreTransitive(t *testing.T) {
	p := loadSource(t, bankSource)
	deposit := fn(t, p, "Bank.deposit")
	assert.ElementsMatch(t, []string{"balances"}, varNames(deposit.Writes))
	assert.ElementsMatch(t, []string{"balances", "total"}, varNames(deposit.WritesAll), "Bank.bump -> super.bump writes total")
	withdraw := fn(t, p, "Bank.withdraw")
	assert.Contains(t, varNames(withdraw.Reads), "owner", "the modifier's reads count")
	assert.Contains(t, varNames(withdraw.Writes), "balances")
}

func TestGuards(t *testing.T) {
	p := loadSource(t, bankSource)
	g := fn(t, p, "Bank.withdraw").Guard()
	assert.True(t, g.Protected())
	assert.True(t, g.Identity)
	assert.Equal(t, []string{"owner"}, varNames(g.Vars))
	assert.False(t, fn(t, p, "Bank.deposit").Guard().Protected())

	t.Run("a check anyone can defeat is not protection", func(t *testing.T) {
		p := loadSource(t, `pragma solidity 0.4.24;
contract Pyramid {
    address creator;
    modifier onlyowner { if (msg.sender == creator) _; }
    function DynamicPyramid() public { creator = msg.sender; }
    function collect() public onlyowner { creator.transfer(this.balance); }
}`)
		g := fn(t, p, "Pyramid.collect").Guard()
		assert.True(t, g.Checked)
		require.NotNil(t, g.Bypass)
		assert.Equal(t, "DynamicPyramid", g.Bypass.Name)
		assert.False(t, g.Protected())
	})
}

func TestCFGSplicesModifierBodies(t *testing.T) {
	p := loadSource(t, `pragma solidity 0.8.26;
contract M {
    uint256 x;
    modifier first() { x = 1; _; x = 4; }
    modifier second() { x = 2; _; }
    function f(bool c) external first second {
        if (c) { return; }
        x = 3;
    }
}`)
	g := fn(t, p, "M.f").CFG()
	// Walk every path from entry to exit and record the assignments in
	// order: both modifier prologues, the body, then first's epilogue,
	// also after the early return.
	var walk func(n *CFGNode, seen map[*CFGNode]bool, trace []string) [][]string
	walk = func(n *CFGNode, seen map[*CFGNode]bool, trace []string) [][]string {
		if n == g.Exit {
			return [][]string{trace}
		}
		if seen[n] {
			return nil
		}
		seen[n] = true
		defer delete(seen, n)
		if n.Kind == NodeStmt && n.AST != nil {
			if text := p.Files[0].Text(n.AST); len(text) > 0 && text[0] == 'x' {
				trace = append(append([]string(nil), trace...), text)
			}
		}
		var out [][]string
		for _, s := range n.Succs {
			out = append(out, walk(s, seen, trace)...)
		}
		return out
	}
	traces := walk(g.Entry, map[*CFGNode]bool{}, nil)
	assert.ElementsMatch(t, [][]string{
		{"x = 1", "x = 2", "x = 4"},
		{"x = 1", "x = 2", "x = 3", "x = 4"},
	}, traces)
}

func TestTaint(t *testing.T) {
	p := loadSource(t, `pragma solidity 0.8.26;
interface IOracle { function price() external view returns (uint256); }
contract T {
    uint256 stored;
    IOracle oracle;
    function f(uint256 a) external {
        uint256 b = a * 2;
        uint256 c = stored;
        uint256 d = oracle.price();
        address e = msg.sender;
        uint256 g;
        g = b;
        helper(a, c);
    }
    function helper(uint256 x, uint256 y) internal { stored = x + y; }
}`)
	f := fn(t, p, "T.f")
	tainted := map[string]bool{}
	for name, d := range f.scope.locals {
		tainted[name] = f.Taint().Var(d)
	}
	assert.Equal(t, map[string]bool{"a": true, "b": true, "c": false, "d": true, "e": true, "g": true}, tainted)

	h := fn(t, p, "T.helper")
	assert.True(t, h.Taint().Var(h.scope.Local("x")), "a tainted argument taints the callee's parameter")
	assert.False(t, h.Taint().Var(h.scope.Local("y")))
	assert.Equal(t, []string{"stored"}, varNames(f.TaintedWritesAll()))
}

func TestSymbolLookups(t *testing.T) {
	p := loadSource(t, `pragma solidity 0.8.26;
type Price is uint256;
function scaled(Price p) pure returns (uint256) { return Price.unwrap(p) * 10; }
library Bits { function low(uint256 x) internal pure returns (uint256) { return x & 0xff; } }
contract Base {
    event Moved(address who);
    error Denied(address who);
}
contract Child is Base {
    using Bits for uint256;
    using {scaled} for Price;
    function f(uint256 v, Price p) external returns (uint256) {
        if (v == 0) revert Denied(msg.sender);
        emit Moved(msg.sender);
        return v.low() + p.scaled();
    }
}`)
	child := p.ContractsNamed("Child")[0]
	require.NotNil(t, child.LookupEvent("Moved"), "inherited event")
	require.NotNil(t, child.LookupError("Denied"), "inherited error")
	assert.Nil(t, child.LookupEvent("Nope"))

	calls := map[string]string{}
	for _, c := range fn(t, p, "Child.f").Calls {
		calls[c.Target] = c.Kind
	}
	assert.Equal(t, CallLibrary, calls["Bits.low"], "using L for T binds member calls to the library")
	assert.Equal(t, CallLibrary, calls["scaled"], "using {f} for T binds free functions")
	_, emitted := calls["Moved"]
	assert.False(t, emitted, "emitting an event is not a call")
}

func TestOneShotInitializerBypass(t *testing.T) {
	const wallet = `pragma solidity 0.4.24;
contract Wallet {
    mapping(address => uint256) ownerIndex;
    uint256 numOwners;
    modifier onlyOwner { require(ownerIndex[msg.sender] != 0); _; }
    modifier only_uninitialized { require(numOwners == 0); _; }
    %s
    function initWallet(address owner) public only_uninitialized { numOwners = 1; ownerIndex[owner] = 1; }
    function kill(address to) public onlyOwner { selfdestruct(to); }
}`
	t.Run("without a constructor anyone can initialise and take over", func(t *testing.T) {
		p := loadSource(t, strings.Replace(wallet, "%s", "", 1))
		init := fn(t, p, "Wallet.initWallet").Guard()
		assert.True(t, init.OneShot)
		assert.False(t, init.Checked || init.ByName, "a one-shot flag is not a caller check")
		g := fn(t, p, "Wallet.kill").Guard()
		require.NotNil(t, g.Bypass)
		assert.Equal(t, "initWallet", g.Bypass.Name)
	})
	t.Run("a constructor that initialises at deployment closes the door", func(t *testing.T) {
		p := loadSource(t, strings.Replace(wallet, "%s", "constructor(address o) public { initWallet(o); }", 1))
		assert.Nil(t, fn(t, p, "Wallet.kill").Guard().Bypass)
		assert.True(t, fn(t, p, "Wallet.kill").Guard().Protected())
	})
}

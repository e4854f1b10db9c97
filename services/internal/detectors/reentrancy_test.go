package detectors

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReentrancyShapes covers the ways state can go stale across a call
// that the per-detector fixtures do not: calls hidden in helpers and
// libraries, guards written as helper calls, and re-checks after the call.
func TestReentrancyShapes(t *testing.T) {
	const lib = `
library Pay {
    function send(address payable to, uint256 amount) internal {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "failed");
    }
}
`
	cases := []struct {
		name  string
		src   string
		id    string
		found bool
	}{
		{"a payment through a library helper, then the debit, is reentrancy-eth", lib + `
contract Bank {
    mapping(address => uint256) public credit;
    function withdraw() external {
        uint256 amount = credit[msg.sender];
        require(amount > 0);
        Pay.send(payable(msg.sender), amount);
        credit[msg.sender] = 0;
    }
}`, "reentrancy-eth", true},
		{"the debit inside an internal helper after the call counts as a write", lib + `
contract Bank {
    mapping(address => uint256) public credit;
    function clear() internal { credit[msg.sender] = 0; }
    function withdraw() external {
        require(credit[msg.sender] > 0);
        Pay.send(payable(msg.sender), credit[msg.sender]);
        clear();
    }
}`, "reentrancy-eth", true},
		{"an OpenZeppelin-style guard that calls helpers protects the function", lib + `
abstract contract Guard {
    uint256 private status = 1;
    modifier nonReentrant() { _before(); _; _after(); }
    function _before() private { require(status == 1); status = 2; }
    function _after() private { status = 1; }
}
contract Bank is Guard {
    mapping(address => uint256) public credit;
    function withdraw() external nonReentrant {
        require(credit[msg.sender] > 0);
        Pay.send(payable(msg.sender), credit[msg.sender]);
        credit[msg.sender] = 0;
    }
}`, "reentrancy-eth", false},
		{"state re-checked after the call is safe", `
interface ICallee { function hook() external; }
contract Ops {
    mapping(bytes32 => uint256) public ready;
    function run(bytes32 id, ICallee target) external {
        require(ready[id] == 1);
        target.hook();
        require(ready[id] == 1, "changed during the call");
        ready[id] = 2;
    }
}`, "reentrancy-no-eth", false},
		{"a call to a contract deployed in the same function is trusted", `
contract Child { function init(address a) external {} }
contract Factory {
    mapping(address => address) public children;
    function make() external {
        require(children[msg.sender] == address(0));
        Child c = new Child();
        c.init(msg.sender);
        children[msg.sender] = address(c);
    }
}`, "reentrancy-no-eth", false},
		{"an owner-only function cannot be re-entered by others", `
contract Admin {
    address public owner;
    uint256 public paid;
    function pay(address payable to, uint256 v) external {
        require(msg.sender == owner);
        require(paid + v < 100 ether);
        (bool ok, ) = to.call{value: v}("");
        require(ok);
        paid += v;
    }
}`, "reentrancy-eth", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := withID(scanSource(t, "pragma solidity 0.8.26;\n"+c.src, Options{}), c.id)
			if c.found {
				assert.NotEmpty(t, fs)
			} else {
				assert.Empty(t, fs)
			}
		})
	}
}

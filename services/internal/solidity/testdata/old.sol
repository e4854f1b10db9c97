pragma solidity ^0.4.24;

contract Old {
    address owner;
    uint public total;
    mapping (address => uint) balances;

    event Sent(address to, uint amount);

    function Old() public {
        owner = msg.sender;
    }

    function () payable {
        total += msg.value;
    }

    function get() constant returns (uint) {
        return total;
    }

    function kill() {
        if (msg.sender != owner) throw;
        suicide(owner);
    }

    function hash(uint a) returns (bytes32) {
        var h = sha3(a);
        var (x, , y) = (1, 2, 3);
        uint t = now + 1 years;
        Sent(msg.sender, 1 finney + 2 szabo);
        return h;
    }

    function asm() {
        assembly {
            let v := callvalue
            jumpi(0x10, iszero(v))
        }
    }
}

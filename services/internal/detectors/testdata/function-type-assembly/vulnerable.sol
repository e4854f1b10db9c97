pragma solidity 0.8.26;
contract Jumper {
    struct Hook { function () internal fn; }
    function noop() internal {}
    function run() external payable {
        Hook memory h;
        h.fn = noop;
        assembly { mstore(h, add(mload(h), callvalue())) }
        h.fn();
    }
}

pragma solidity 0.8.26;
contract Temp {
    address public owner;
    constructor() { owner = msg.sender; }
    function kill() external { require(msg.sender == owner); selfdestruct(payable(owner)); }
}

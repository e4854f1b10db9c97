pragma solidity 0.8.26;
contract Faucet {
    address public owner;
    constructor() { owner = msg.sender; }
    function drain() external { require(msg.sender == owner); payable(msg.sender).transfer(address(this).balance); }
}

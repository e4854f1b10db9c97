pragma solidity 0.4.24;
contract Wallet {
    address public owner;
    constructor() public { owner = msg.sender; }
}

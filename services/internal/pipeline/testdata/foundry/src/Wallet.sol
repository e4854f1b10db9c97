// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Wallet authorises transfers by tx.origin: phishable.
contract Wallet {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {}

    function transferTo(address payable to, uint256 amount) external {
        require(tx.origin == owner, "not owner");
        to.transfer(amount);
    }
}

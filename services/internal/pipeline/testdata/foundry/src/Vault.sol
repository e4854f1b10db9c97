// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Owned} from "solmate/Owned.sol";

/// @title Vault keeps ether deposits per account.
contract Vault is Owned {
    mapping(address => uint256) public balances;

    constructor() Owned(msg.sender) {}

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    /// Sends the caller's balance before clearing it: reentrant.
    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        balances[msg.sender] = 0;
    }

    function sweep(address payable to) external onlyOwner {
        to.transfer(address(this).balance);
    }
}

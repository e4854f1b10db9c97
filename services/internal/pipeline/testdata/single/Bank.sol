// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A single-file bank with the two classic mistakes: it sends before it
/// clears the balance, and it lets tx.origin authorise a sweep.
contract Bank {
    mapping(address => uint256) public balances;
    address public owner;

    event Deposited(address indexed account, uint256 amount);

    constructor() {
        owner = msg.sender;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "nothing to withdraw");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        balances[msg.sender] = 0;
    }

    function sweep(address payable to) external {
        require(tx.origin == owner, "not owner");
        to.transfer(address(this).balance);
    }
}

pragma solidity 0.5.17;
contract Vault {
    mapping(address => uint256) public balance;
    function deposit(uint256 amount) public payable {
        balance[msg.sender] == amount;
    }
}

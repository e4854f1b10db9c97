pragma solidity 0.4.24;
contract Bank {
    mapping(address => uint256) public balances;
    function withdraw(uint256 amount) public {
        balances[msg.sender] -= amount;
        msg.sender.transfer(amount);
    }
}

pragma solidity 0.8.26;
contract Wallet {
    address public owner;
    function pay(address payable to, uint256 v) external { require(msg.sender == owner); to.transfer(v); }
}

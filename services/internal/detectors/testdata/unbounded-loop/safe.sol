pragma solidity 0.8.26;
contract Queue {
    address[] public members;
    address public owner;
    uint256 public total;
    function join() external { require(msg.sender == owner); members.push(msg.sender); }
    function count() external { for (uint256 i = 0; i < members.length; i++) { total += 1; } }
}

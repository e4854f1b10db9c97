pragma solidity 0.8.26;
contract Queue {
    address[] public members;
    uint256 public total;
    function join() external { members.push(msg.sender); }
    function count() external { for (uint256 i = 0; i < members.length; i++) { total += 1; } }
}

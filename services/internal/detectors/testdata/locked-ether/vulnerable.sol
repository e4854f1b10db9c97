pragma solidity 0.8.26;
contract Jar {
    mapping(address => uint256) public deposits;
    function deposit() external payable { deposits[msg.sender] += msg.value; }
}

pragma solidity 0.8.26;
contract Bounty {
    address public owner;
    uint256 public reward;
    constructor() { owner = msg.sender; }
    function setReward(uint256 r) external { require(msg.sender == owner); reward = r; }
    function claim(uint256 answer) external {
        require(answer == 42);
        payable(msg.sender).transfer(reward);
    }
}

pragma solidity 0.8.26;
contract Bounty {
    uint256 public immutable reward;
    bool public claimed;
    constructor(uint256 r) { reward = r; }
    function claim(uint256 answer) external {
        require(answer == 42 && !claimed);
        claimed = true;
        payable(msg.sender).transfer(reward);
    }
}

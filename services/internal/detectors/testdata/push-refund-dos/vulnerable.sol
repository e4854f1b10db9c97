pragma solidity 0.8.26;
contract Auction {
    address payable public leader;
    uint256 public highest;
    function bid() external payable {
        require(msg.value > highest, "too low");
        leader.transfer(highest);
        leader = payable(msg.sender);
        highest = msg.value;
    }
}

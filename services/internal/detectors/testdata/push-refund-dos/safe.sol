pragma solidity 0.8.26;
contract Auction {
    address payable public leader;
    uint256 public highest;
    mapping(address => uint256) public refunds;
    function bid() external payable {
        require(msg.value > highest, "too low");
        refunds[leader] += highest;
        leader = payable(msg.sender);
        highest = msg.value;
    }
    function withdraw() external {
        uint256 a = refunds[msg.sender];
        refunds[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: a}("");
        require(ok);
    }
}

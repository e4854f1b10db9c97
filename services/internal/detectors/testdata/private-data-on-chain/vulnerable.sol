pragma solidity 0.8.26;
contract OddEven {
    uint256[] private picks;
    function play(uint256 number) external payable {
        require(msg.value == 1 ether);
        picks.push(number);
    }
}

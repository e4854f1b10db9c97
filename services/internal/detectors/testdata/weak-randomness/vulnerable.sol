pragma solidity 0.8.26;
contract Dice {
    function roll() external view returns (uint256) {
        return uint256(keccak256(abi.encodePacked(block.timestamp, msg.sender))) % 6;
    }
}

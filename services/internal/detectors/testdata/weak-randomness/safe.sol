pragma solidity 0.8.26;
contract Dice {
    mapping(uint256 => uint256) public results;
    function fulfil(uint256 requestId, uint256 vrfWord) external { results[requestId] = vrfWord % 6; }
}

pragma solidity 0.8.26;
contract Store {
    uint256 public limit;
    function set(uint256 limit) external pure returns (uint256) { return limit; }
}

pragma solidity 0.8.26;
contract Store {
    uint256 public limit;
    function set(uint256 newLimit) external { limit = newLimit; }
}

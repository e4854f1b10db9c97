pragma solidity 0.8.26;
contract Box { uint256 private forgotten; uint256 public kept; function set(uint256 v) external { kept = v; } }

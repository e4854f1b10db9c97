pragma solidity 0.8.26;
contract Box { uint256 private stored; function set(uint256 v) external { stored = v; } function get() external view returns (uint256) { return stored; } }

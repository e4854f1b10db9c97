pragma solidity 0.4.24;
contract Base { uint256 public cap = 100; function capOf() public view returns (uint256) { return cap; } }
contract Sale is Base { uint256 public cap = 1000; }

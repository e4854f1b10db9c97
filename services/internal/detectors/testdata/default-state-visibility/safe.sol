pragma solidity 0.8.26;
contract Config { uint256 internal fee = 3; }

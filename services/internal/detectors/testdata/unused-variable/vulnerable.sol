pragma solidity 0.8.26;
contract Calc {
    function add(uint256 a, uint256 b) external pure returns (uint256) { uint256 unused = 1; return a; }
}

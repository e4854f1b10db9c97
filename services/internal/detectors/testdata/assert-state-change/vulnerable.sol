pragma solidity 0.8.26;
contract Counter {
    uint256 public count;
    function bump() internal returns (bool) { count += 1; return true; }
    function run() external { assert(bump()); }
}

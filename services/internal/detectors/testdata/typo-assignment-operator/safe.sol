pragma solidity 0.4.24;
contract Count {
    uint256 public n;
    function inc() public { n += 1; }
}

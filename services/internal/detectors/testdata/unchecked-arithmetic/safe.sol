pragma solidity 0.8.26;
contract Fees {
    uint256 public pot;
    function take(uint256 fee) external {
        require(fee <= pot, "too much");
        unchecked { pot -= fee; }
    }
}

pragma solidity 0.8.26;
contract Sale {
    uint256 public end;
    function buy() external payable { require(block.timestamp < end, "over"); }
}

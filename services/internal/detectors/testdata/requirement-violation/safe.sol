pragma solidity 0.8.26;
contract Pricing {
    function unitPrice(uint256 quantity) public pure returns (uint256) {
        require(quantity > 0, "empty order");
        return 10 / quantity;
    }
    function sample() external pure returns (uint256) { return unitPrice(1); }
}

pragma solidity 0.8.26;
contract Limits {
    function check(uint256 amount) external pure returns (uint256) {
        require(amount < 100, "too much");
        return amount;
    }
}

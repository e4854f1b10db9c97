pragma solidity 0.8.26;
contract Batch {
    uint256[] public items;
    function add(uint256 n) external { for (uint256 i = 0; i < n; i++) { items.push(i); } }
}

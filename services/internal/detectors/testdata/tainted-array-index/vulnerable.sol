pragma solidity 0.8.26;
contract Table {
    uint256[10] private cells;
    function read(uint256 i) external view returns (uint256) { return cells[i]; }
}

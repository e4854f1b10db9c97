pragma solidity 0.8.26;
contract Sale {
    bool public open;
    function buy() external payable { require(open, "over"); }
}

pragma solidity 0.8.26;
contract Payroll {
    address payable[] public staff;
    function payAll() external {
        for (uint256 i = 0; i < staff.length; i++) { staff[i].transfer(1 ether); }
    }
}

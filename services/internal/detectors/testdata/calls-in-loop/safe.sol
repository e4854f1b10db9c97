pragma solidity 0.8.26;
contract Payroll {
    mapping(address => uint256) public owed;
    function withdraw() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        require(ok, "failed");
    }
}

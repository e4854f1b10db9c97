pragma solidity 0.8.26;
contract Bank {
    mapping(address => uint256) public credit;
    function withdraw(uint256 amount) external {
        require(credit[msg.sender] >= amount, "insufficient");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok);
        credit[msg.sender] -= amount;
    }
}

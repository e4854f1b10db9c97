pragma solidity 0.8.26;
contract Bank {
    mapping(address => uint256) public credit;
    bool private locked;
    modifier nonReentrant() { require(!locked); locked = true; _; locked = false; }
    function withdraw(uint256 amount) external nonReentrant {
        require(credit[msg.sender] >= amount, "insufficient");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok);
        credit[msg.sender] -= amount;
    }
    function withdrawCEI(uint256 amount) external {
        require(credit[msg.sender] >= amount, "insufficient");
        credit[msg.sender] -= amount;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok);
    }
}

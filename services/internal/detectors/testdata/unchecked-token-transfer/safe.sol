pragma solidity 0.8.26;
interface IERC20 { function transferFrom(address from, address to, uint256 v) external returns (bool); }
contract Deposits {
    IERC20 public token;
    mapping(address => uint256) public deposited;
    function deposit(uint256 v) external {
        require(token.transferFrom(msg.sender, address(this), v), "transfer failed");
        deposited[msg.sender] += v;
    }
}

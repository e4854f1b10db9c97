pragma solidity 0.8.26;
contract Token {
    mapping(address => mapping(address => uint256)) public allowance;
    function approve(address spender, uint256 value) external returns (bool) {
        require(value == 0 || allowance[msg.sender][spender] == 0, "reset to zero first");
        allowance[msg.sender][spender] = value;
        return true;
    }
}

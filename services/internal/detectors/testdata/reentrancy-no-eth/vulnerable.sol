pragma solidity 0.8.26;
interface IToken { function transfer(address to, uint256 v) external returns (bool); }
contract Claims {
    IToken public token;
    mapping(address => bool) public claimed;
    function claim() external {
        require(!claimed[msg.sender], "claimed");
        token.transfer(msg.sender, 100);
        claimed[msg.sender] = true;
    }
}

pragma solidity 0.4.24;
contract Token {
    mapping(address => uint256) public balanceOf;
    function transfer(address to, uint256 v) public returns (bool) {
        require(balanceOf[msg.sender] >= v);
        balanceOf[msg.sender] -= v;
        balanceOf[to] += v;
        return true;
    }
}

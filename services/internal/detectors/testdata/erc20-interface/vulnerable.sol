pragma solidity 0.8.26;
contract Token {
    mapping(address => uint256) public balances;
    function balanceOf(address a) external view returns (uint256) { return balances[a]; }
    function transfer(address to, uint256 v) external { balances[msg.sender] -= v; balances[to] += v; }
}

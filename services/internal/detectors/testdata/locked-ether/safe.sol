pragma solidity 0.8.26;
contract Jar {
    mapping(address => uint256) public deposits;
    function deposit() external payable { deposits[msg.sender] += msg.value; }
    function withdraw() external {
        uint256 a = deposits[msg.sender];
        deposits[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: a}("");
        require(ok);
    }
}

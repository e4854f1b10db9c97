pragma solidity 0.8.26;
contract Puzzle {
    bytes32 public answerHash;
    constructor(bytes32 h) payable { answerHash = h; }
    function solve(string calldata solution) external {
        require(keccak256(abi.encodePacked(solution)) == answerHash, "wrong");
        payable(msg.sender).transfer(address(this).balance);
    }
}

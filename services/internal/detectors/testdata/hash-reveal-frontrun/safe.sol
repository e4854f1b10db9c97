pragma solidity 0.8.26;
contract Puzzle {
    bytes32 public answerHash;
    mapping(address => bytes32) public commits;
    constructor(bytes32 h) payable { answerHash = h; }
    function commit(bytes32 c) external { commits[msg.sender] = c; }
}

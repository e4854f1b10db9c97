pragma solidity 0.8.26;
contract OddEven {
    bytes32[] private commitments;
    function play(bytes32 commitment) external payable {
        require(msg.value == 1 ether);
        commitments.push(commitment);
    }
}

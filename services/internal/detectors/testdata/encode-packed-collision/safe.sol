pragma solidity 0.8.26;
contract Ids {
    function id(string memory a, string memory b) external pure returns (bytes32) {
        return keccak256(abi.encode(a, b));
    }
}

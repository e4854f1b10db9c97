pragma solidity 0.4.24;
contract Old {
    function hash(bytes32 x) public pure returns (bytes32) { return keccak256(abi.encodePacked(x)); }
}

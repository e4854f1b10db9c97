pragma solidity 0.8.26;
contract Relay {
    mapping(bytes32 => bool) public used;
    function run(bytes32 payload, bytes memory signature) external {
        bytes32 id = keccak256(abi.encodePacked(payload, signature));
        require(!used[id]);
        used[id] = true;
    }
}

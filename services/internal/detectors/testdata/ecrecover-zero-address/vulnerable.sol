pragma solidity 0.8.26;
contract Gate {
    address public signer;
    function open(bytes32 h, uint8 v, bytes32 r, bytes32 s) external view returns (bool) {
        address who = ecrecover(h, v, r, s);
        require(who == signer, "bad signature");
        return true;
    }
}

pragma solidity 0.8.26;
contract Forwarder {
    address public immutable implementation;
    constructor(address impl) { implementation = impl; }
    function forward(bytes calldata data) external {
        (bool ok, ) = implementation.delegatecall(data);
        require(ok);
    }
}

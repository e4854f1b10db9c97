pragma solidity 0.8.26;
contract Forwarder {
    function forward(address target, bytes calldata data) external {
        (bool ok, ) = target.delegatecall(data);
        require(ok);
    }
}

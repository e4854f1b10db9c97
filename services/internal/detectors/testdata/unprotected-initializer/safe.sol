pragma solidity 0.8.26;
contract Proxyable {
    address public owner;
    bool private initialized;
    function initialize(address admin) external {
        require(!initialized, "done");
        initialized = true;
        owner = admin;
    }
}

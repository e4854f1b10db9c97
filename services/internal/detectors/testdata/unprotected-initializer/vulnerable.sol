pragma solidity 0.8.26;
contract Proxyable {
    address public owner;
    function initialize(address admin) external { owner = admin; }
}

pragma solidity 0.8.26;
contract Payout {
    function pay(address payable to) external { to.send(1 ether); }
}

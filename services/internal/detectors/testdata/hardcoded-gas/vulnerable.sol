pragma solidity 0.8.26;
contract Payer {
    function pay(address payable to) external { to.transfer(1 ether); }
}

pragma solidity 0.8.26;
contract Lock {
    function lock() external payable { require(address(this).balance >= msg.value); }
}

pragma solidity 0.4.24;
contract Lottery {
    function _payWinner() { msg.sender.transfer(address(this).balance); }
}

pragma solidity 0.4.24;
contract Lottery {
    function _payWinner() internal { msg.sender.transfer(address(this).balance); }
}

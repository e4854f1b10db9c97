pragma solidity 0.8.26;
contract Temp {
    function kill() external { selfdestruct(payable(msg.sender)); }
}

pragma solidity 0.8.26;
contract Faucet {
    function drain() external { payable(msg.sender).transfer(address(this).balance); }
}

pragma solidity 0.8.26;
contract Cheque {
    address public issuer;
    function cash(uint256 amount, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 h = keccak256(abi.encodePacked(msg.sender, amount));
        address who = ecrecover(h, v, r, s);
        require(who != address(0) && who == issuer);
        payable(msg.sender).transfer(amount);
    }
}

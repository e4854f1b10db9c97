pragma solidity 0.4.24;
contract Registry {
    uint256[] private slots;
    address public owner;
    function popSlot() public { slots.length--; }
    function setSlot(uint256 index, uint256 value) public { slots[index] = value; }
}

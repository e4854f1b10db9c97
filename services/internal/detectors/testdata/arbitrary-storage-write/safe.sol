pragma solidity 0.4.24;
contract Registry {
    uint256[] private slots;
    address public owner;
    function popSlot() public { require(slots.length > 0); slots.length--; }
    function pushSlot(uint256 value) public { slots.push(value); }
    function setSlot(uint256 index, uint256 value) public { require(index < slots.length); slots[index] = value; }
}

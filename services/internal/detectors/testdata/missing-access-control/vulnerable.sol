pragma solidity 0.8.26;
contract Vault {
    address public owner;
    constructor() { owner = msg.sender; }
    function setOwner(address next) external { owner = next; }
    function sweep() external {
        require(msg.sender == owner, "not owner");
        payable(owner).transfer(address(this).balance);
    }
}

pragma solidity 0.8.26;
contract Nft {
    mapping(uint256 => address) internal owners;
    function ownerOf(uint256 id) external view returns (uint256) { return uint256(uint160(owners[id])); }
    function safeTransferFrom(address from, address to, uint256 id) external { require(owners[id] == from); owners[id] = to; }
}

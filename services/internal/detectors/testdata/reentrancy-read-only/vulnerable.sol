pragma solidity 0.8.26;
contract Vault {
    uint256 public totalAssets;
    uint256 public totalShares;
    bool private locked;
    modifier nonReentrant() { require(!locked); locked = true; _; locked = false; }
    function redeem(uint256 shares) external nonReentrant {
        uint256 assets = shares * totalAssets / totalShares;
        (bool ok, ) = msg.sender.call{value: assets}("");
        require(ok);
        totalShares -= shares;
        totalAssets -= assets;
    }
}

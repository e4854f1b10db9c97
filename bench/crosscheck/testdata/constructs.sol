// SPDX-License-Identifier: MIT
// Declarations the OpenZeppelin corpus rarely or never uses, written to
// exercise every outline field in both parsers.
pragma solidity ^0.8.28;

import "./Other.sol";
import "./Other.sol" as OtherFile;
import * as Lib from "./Lib.sol";
import {Token as T, IERC20} from "./Token.sol";

type Price is uint128;
using {add as +} for Price global;

uint256 constant FILE_LIMIT = 10;
event FileLevel(address indexed who);
error FileLevelError(uint256 code);

function add(Price a, Price b) pure returns (Price) {
    return Price.wrap(Price.unwrap(a) + Price.unwrap(b));
}

function helper() view returns (uint256) {
    return block.number;
}

interface IVault {
    event Deposited(address indexed from, uint256 amount);
    error Empty();
    function deposit() external payable;
    function balance(address who) external view returns (uint256);
}

library Math {
    function max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }
    function max(int256 a, int256 b) public pure returns (int256) {
        return a > b ? a : b;
    }
}

abstract contract Owned {
    address public owner;
    uint256 transient lock;
    address private immutable deployer;
    uint256 internal constant VERSION = 2;
    mapping(address account => uint256 balance) public balances;

    error NotOwner(address caller);

    constructor(address initialOwner) {
        owner = initialOwner;
        deployer = msg.sender;
    }

    modifier onlyOwner() virtual {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier nonReentrant {
        require(lock == 0);
        lock = 1;
        _;
        lock = 0;
    }

    function rename(address next) public virtual;
}

contract Vault is Owned(address(1)), IVault, Lib.Base {
    event Withdrawn(address to, uint256 amount);

    constructor() payable Lib.Base(3) {}

    function deposit() external payable override {
        balances[msg.sender] += msg.value;
    }

    function balance(address who) external view returns (uint256) {
        return balances[who];
    }

    function withdraw(uint256 amount) external nonReentrant onlyOwner {
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok);
        emit Withdrawn(msg.sender, amount);
    }

    function rename(address next) public override onlyOwner Owned.nonReentrant {
        owner = next;
    }

    function defaults() {}

    fallback() external payable {}

    receive() external payable {}
}

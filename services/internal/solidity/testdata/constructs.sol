// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
pragma abicoder v2;

import "./A.sol";
import "./B.sol" as B;
import * as C from "./C.sol";
import {D, E as F} from "./D.sol";

/// @dev a file-level constant
uint256 constant MAX = 1_000e18;
type Price is uint128;
using {add as +, eq as ==} for Price global;
error Unauthorized(address caller);
event FreeEvent(uint256 indexed a) anonymous;
struct Pair { uint a; uint b; }
enum Color { Red, Green }

function add(Price a, Price b) pure returns (Price) {
    return Price.wrap(Price.unwrap(a) + Price.unwrap(b));
}

function eq(Price a, Price b) pure returns (bool) {
    return Price.unwrap(a) == Price.unwrap(b);
}

interface IToken {
    function transfer(address to, uint256 amount) external returns (bool);
}

library Math {
    function max(uint a, uint b) internal pure returns (uint) { return a >= b ? a : b; }
}

/**
 * @title Vault
 * @notice Holds funds.
 */
abstract contract Vault is IToken, Base(1, "x"), Lib.Other {
    using Math for uint256;
    using Math for *;

    /// @notice balances by owner
    mapping(address owner => mapping(address spender => uint256 amount)) public allowances;
    uint256 private immutable start;
    uint256 internal transient lock;
    bytes32 public constant ROLE = keccak256("ROLE");
    function (uint) external returns (uint) public callback;
    Pair[] pairs;

    event Deposit(address indexed from, uint256 value);
    error TooLarge(uint256 given, uint256 max);

    modifier onlyOwner() virtual {
        require(msg.sender == owner(), "not owner");
        _;
    }

    constructor(uint256 s) Base(2, "y") payable {
        start = s;
    }

    receive() external payable {}
    fallback(bytes calldata data) external returns (bytes memory) { return data; }

    function owner() public view virtual returns (address);

    function transfer(address to, uint256 amount) external override(IToken, Other) onlyOwner returns (bool ok) {
        if (amount > MAX) revert TooLarge({given: amount, max: MAX});
        unchecked { allowances[msg.sender][to] -= amount; }
        (bool success, bytes memory ret) = to.call{value: amount, gas: 2300}("");
        (, uint256 second) = abi.decode(ret, (uint256, uint256));
        uint[] memory arr = new uint[](3);
        arr[0] = type(uint256).max;
        address payable p = payable(to);
        p.transfer(1 ether);
        emit Deposit(msg.sender, 2 gwei + 3 days);
        try IToken(to).transfer(to, 1) returns (bool r) {
            ok = r;
        } catch Error(string memory reason) {
            revert(reason);
        } catch Panic(uint code) {
            assert(code == 0);
        } catch (bytes memory) {
            ok = false;
        }
        for (uint i = 0; i < arr.length; i++) { if (i == 2) break; else continue; }
        while (second > 0) second--;
        do { second++; } while (second < 3);
        delete pairs;
        string memory s = unicode"héllo" unicode"x";
        bytes memory h = hex"00ff";
        uint x = 1 + 2 * 3 ** 2 ** 1 - (4 << 1) & 0xff | ~uint(0) ^ 5 % 2;
        bool b = !(x >= 1 && x != 2 || x < 3);
        x += x > 0 ? 1 : 2;
        uint[2] memory fixedArr = [uint(1), 2];
        bytes calldata slice = msg.data[4:];
        Pair memory pr = Pair({a: 1, b: 2});
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            function helper(a, b) -> c { c := add(a, b) leave }
            switch calldatasize()
            case 0 { revert(0, 0) }
            default { mstore(ptr, helper(1, 2)) }
            for { let i := 0 } lt(i, 10) { i := add(i, 1) } { if eq(i, 5) { break } continue }
            let a, b := foo()
            sstore(lock.slot, 1)
            tstore(0, true)
            pop(start.offset)
            let s := "abc"
        }
        return success && ok;
    }
}

contract Store layout at 0x1234 {
}

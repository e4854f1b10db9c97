// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20Like} from "./interfaces/IERC20Like.sol";

/// @title A plain fungible token used as a parser benchmark input.
/// @notice Written for the solsec test suite; behaviour is deliberately simple.
contract SimpleToken is IERC20Like {
    /// @notice Token name.
    string public name;
    /// @notice Token symbol.
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    address public owner;
    bool private paused;

    mapping(address account => uint256) private _balances;
    mapping(address account => mapping(address spender => uint256)) private _allowances;
    mapping(address => uint256) public nonces;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed holder, address indexed spender, uint256 value);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error NotOwner(address caller);
    error Paused();
    error ZeroAddress();

    /// @dev Restricts a function to the current owner.
    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier whenNotPaused() {
        if (paused) revert Paused();
        _;
    }

    constructor(string memory name_, string memory symbol_, uint256 supply) {
        name = name_;
        symbol = symbol_;
        owner = msg.sender;
        _mint(msg.sender, supply * 10 ** decimals);
    }

    /// @notice Balance of `account`.
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        return _allowances[holder][spender];
    }

    /// @notice Moves `value` tokens to `to`.
    /// @return true on success.
    function transfer(address to, uint256 value) external whenNotPaused returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert ZeroAddress();
        _allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external whenNotPaused returns (bool) {
        uint256 current = _allowances[from][msg.sender];
        if (current != type(uint256).max) {
            if (current < value) revert InsufficientAllowance(msg.sender, current, value);
            unchecked {
                _allowances[from][msg.sender] = current - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        address previous = owner;
        owner = newOwner;
        emit OwnershipTransferred(previous, newOwner);
    }

    function setPaused(bool value) external onlyOwner {
        paused = value;
    }

    function batchTransfer(address[] calldata recipients, uint256[] calldata amounts) external whenNotPaused {
        require(recipients.length == amounts.length, "length mismatch");
        for (uint256 i = 0; i < recipients.length; ++i) {
            _transfer(msg.sender, recipients[i], amounts[i]);
        }
    }

    function permitHash(address holder, address spender, uint256 value, uint256 deadline) public view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                holder,
                spender,
                value,
                nonces[holder],
                deadline,
                block.chainid
            )
        );
    }

    function _transfer(address from, address to, uint256 value) internal {
        if (to == address(0)) revert ZeroAddress();
        uint256 fromBalance = _balances[from];
        if (fromBalance < value) revert InsufficientBalance(from, fromBalance, value);
        unchecked {
            _balances[from] = fromBalance - value;
            _balances[to] += value;
        }
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) internal {
        totalSupply += value;
        _balances[to] += value;
        emit Transfer(address(0), to, value);
    }

    function _rawBalance(address account) internal view returns (uint256 result) {
        assembly {
            mstore(0x00, account)
            mstore(0x20, _balances.slot)
            result := sload(keccak256(0x00, 0x40))
        }
    }
}

/// @notice Stakes tokens for a reward rate.
contract Staking {
    struct Stake {
        uint128 amount;
        uint64 since;
        uint64 lockedUntil;
    }

    SimpleToken public immutable token;
    uint256 public rewardRate = 1e15;
    mapping(address => Stake) public stakes;
    address[] public stakers;

    event Staked(address indexed who, uint256 amount, uint256 until);
    event Withdrawn(address indexed who, uint256 amount, uint256 reward);

    constructor(SimpleToken token_) {
        token = token_;
    }

    function stake(uint128 amount, uint64 lockDays) external {
        Stake storage s = stakes[msg.sender];
        if (s.amount == 0) stakers.push(msg.sender);
        s.amount += amount;
        s.since = uint64(block.timestamp);
        s.lockedUntil = uint64(block.timestamp + lockDays * 1 days);
        require(token.transferFrom(msg.sender, address(this), amount), "transfer failed");
        emit Staked(msg.sender, amount, s.lockedUntil);
    }

    function pending(address who) public view returns (uint256) {
        Stake memory s = stakes[who];
        uint256 elapsed = block.timestamp > s.since ? block.timestamp - s.since : 0;
        return (uint256(s.amount) * rewardRate * elapsed) / 1e18;
    }

    function withdraw() external {
        Stake memory s = stakes[msg.sender];
        require(block.timestamp >= s.lockedUntil, "locked");
        uint256 reward = pending(msg.sender);
        delete stakes[msg.sender];
        (bool ok, ) = address(token).call(abi.encodeWithSelector(token.transfer.selector, msg.sender, s.amount + reward));
        require(ok, "payout failed");
        emit Withdrawn(msg.sender, s.amount, reward);
    }
}

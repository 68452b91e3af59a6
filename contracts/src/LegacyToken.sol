// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @dev The part of a normal ERC-20 that a deprecated LegacyToken forwards its reads to.
interface ILegacySuccessor {
    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function allowance(address holder, address spender) external view returns (uint256);
}

/// @title LegacyToken
/// @notice Test/demo token reproducing the supply-reading quirks of Tether's Ethereum contract:
///         - `issue`/`redeem` change the owner's balance and totalSupply emitting only
///           `Issue`/`Redeem` (no Transfer from/to address(0));
///         - `destroyBlackFunds` wipes a blacklisted balance emitting only `DestroyedBlackFunds`;
///         - `transfer`, `transferFrom` and `approve` return no value;
///         - `approve` refuses to change one non-zero allowance into another;
///         - after `deprecate(successor)`, `totalSupply`, `balanceOf` and `allowance` answer with
///           the successor's values.
///         Written for Attest's own test chains; not audited, not for mainnet.
/// @dev Differences from Tether, chosen on purpose:
///      - After deprecation every state-changing function (transfer, transferFrom, approve,
///        issue, redeem, destroyBlackFunds) REVERTS instead of forwarding. Tether forwards to
///        `transferByLegacy` etc., which only a purpose-built successor implements; our
///        successors are plain ERC-20s, and forwarding a transfer with the legacy contract as
///        msg.sender would move the wrong holder's funds.
///      - No pause, fee or payload-size checks: they do not affect supply.
contract LegacyToken {
    string public name;
    string public symbol;
    uint8 public decimals;
    address public owner;
    bool public deprecated;
    address public upgradedAddress;

    uint256 private _totalSupply;
    mapping(address => uint256) private _balances;
    mapping(address => mapping(address => uint256)) private _allowed;
    mapping(address => bool) public isBlackListed;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Issue(uint256 amount);
    event Redeem(uint256 amount);
    event Deprecate(address newAddress);
    event AddedBlackList(address user);
    event RemovedBlackList(address user);
    event DestroyedBlackFunds(address indexed user, uint256 balance);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    modifier onlyOwner() {
        require(msg.sender == owner, "LegacyToken: caller is not the owner");
        _;
    }

    modifier notDeprecated() {
        require(!deprecated, "LegacyToken: deprecated, use upgradedAddress");
        _;
    }

    constructor(uint256 initialSupply, string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = msg.sender;
        // Like Tether's constructor: the initial supply appears without any event.
        _totalSupply = initialSupply;
        _balances[msg.sender] = initialSupply;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "LegacyToken: owner is the zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ---- reads (forwarded once deprecated) ----------------------------------------------

    function totalSupply() external view returns (uint256) {
        if (deprecated) {
            return ILegacySuccessor(upgradedAddress).totalSupply();
        }
        return _totalSupply;
    }

    function balanceOf(address who) external view returns (uint256) {
        if (deprecated) {
            return ILegacySuccessor(upgradedAddress).balanceOf(who);
        }
        return _balances[who];
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        if (deprecated) {
            return ILegacySuccessor(upgradedAddress).allowance(holder, spender);
        }
        return _allowed[holder][spender];
    }

    // ---- ERC-20 writes without return values ---------------------------------------------

    function transfer(address to, uint256 value) external notDeprecated {
        require(!isBlackListed[msg.sender], "LegacyToken: sender is blacklisted");
        _transfer(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) external notDeprecated {
        require(!isBlackListed[from], "LegacyToken: sender is blacklisted");
        uint256 allowed = _allowed[from][msg.sender];
        require(allowed >= value, "LegacyToken: transfer amount exceeds allowance");
        if (allowed != type(uint256).max) {
            _allowed[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
    }

    function approve(address spender, uint256 value) external notDeprecated {
        require(value == 0 || _allowed[msg.sender][spender] == 0, "LegacyToken: reset allowance to 0 first");
        _allowed[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function _transfer(address from, address to, uint256 value) private {
        require(to != address(0), "LegacyToken: transfer to the zero address");
        uint256 balance = _balances[from];
        require(balance >= value, "LegacyToken: transfer amount exceeds balance");
        _balances[from] = balance - value;
        _balances[to] += value;
        emit Transfer(from, to, value);
    }

    // ---- issuer operations that emit no Transfer ------------------------------------------

    function issue(uint256 amount) external onlyOwner notDeprecated {
        _totalSupply += amount;
        _balances[owner] += amount;
        emit Issue(amount);
    }

    function redeem(uint256 amount) external onlyOwner notDeprecated {
        require(_balances[owner] >= amount, "LegacyToken: redeem amount exceeds owner balance");
        _totalSupply -= amount;
        _balances[owner] -= amount;
        emit Redeem(amount);
    }

    function addBlackList(address user) external onlyOwner {
        isBlackListed[user] = true;
        emit AddedBlackList(user);
    }

    function removeBlackList(address user) external onlyOwner {
        isBlackListed[user] = false;
        emit RemovedBlackList(user);
    }

    function destroyBlackFunds(address user) external onlyOwner notDeprecated {
        require(isBlackListed[user], "LegacyToken: user is not blacklisted");
        uint256 balance = _balances[user];
        _balances[user] = 0;
        _totalSupply -= balance;
        emit DestroyedBlackFunds(user, balance);
    }

    function deprecate(address upgradedAddress_) external onlyOwner notDeprecated {
        // A successor without code would make every forwarded read revert.
        require(upgradedAddress_.code.length > 0, "LegacyToken: successor is not a contract");
        deprecated = true;
        upgradedAddress = upgradedAddress_;
        emit Deprecate(upgradedAddress_);
    }
}

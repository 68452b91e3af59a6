// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title AttestStablecoin
/// @notice Test/demo ERC-20 shaped like a fiat-backed stablecoin (roles, mint/burn events,
///         pause, blacklist). Written for Attest's own test chains; not audited, not for mainnet.
/// @dev Meant to live behind `AttestProxy`, so all setup happens in `initialize` and the
///      constructor leaves storage untouched. A directly deployed copy is initialised by a
///      separate call. Frozen (blacklisted) balances deliberately stay in `totalSupply`: the
///      supply reader has to report them as their own bucket, as it must for real issuers.
///      New storage must only ever be appended by subclasses (see AttestStablecoinV2).
contract AttestStablecoin {
    string public name;
    string public symbol;
    uint8 public decimals;
    bool public paused;
    bool private _initialized;
    address public owner;
    uint256 public totalSupply;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public isMinter;
    mapping(address => bool) public isBlacklisted;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Mint(address indexed minter, address indexed to, uint256 amount);
    event Burn(address indexed burner, uint256 amount);
    event MinterConfigured(address indexed minter);
    event MinterRemoved(address indexed oldMinter);
    event Pause();
    event Unpause();
    event Blacklisted(address indexed account);
    event UnBlacklisted(address indexed account);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    modifier onlyOwner() {
        require(msg.sender == owner, "AttestStablecoin: caller is not the owner");
        _;
    }

    modifier onlyMinter() {
        require(isMinter[msg.sender], "AttestStablecoin: caller is not a minter");
        _;
    }

    modifier whenNotPaused() {
        require(!paused, "AttestStablecoin: paused");
        _;
    }

    modifier notBlacklisted(address account) {
        require(!isBlacklisted[account], "AttestStablecoin: account is blacklisted");
        _;
    }

    // Intentionally empty: behind a proxy the implementation's own storage is never used.
    constructor() {}

    function initialize(string calldata name_, string calldata symbol_, uint8 decimals_, address owner_) external {
        require(!_initialized, "AttestStablecoin: already initialized");
        require(owner_ != address(0), "AttestStablecoin: owner is the zero address");
        _initialized = true;
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    function version() external pure virtual returns (string memory) {
        return "1";
    }

    // ---- roles -------------------------------------------------------------------------

    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "AttestStablecoin: owner is the zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function configureMinter(address minter) external onlyOwner {
        isMinter[minter] = true;
        emit MinterConfigured(minter);
    }

    function removeMinter(address minter) external onlyOwner {
        isMinter[minter] = false;
        emit MinterRemoved(minter);
    }

    function pause() external onlyOwner {
        paused = true;
        emit Pause();
    }

    function unpause() external onlyOwner {
        paused = false;
        emit Unpause();
    }

    function blacklist(address account) external onlyOwner {
        isBlacklisted[account] = true;
        emit Blacklisted(account);
    }

    function unBlacklist(address account) external onlyOwner {
        isBlacklisted[account] = false;
        emit UnBlacklisted(account);
    }

    // ---- supply ------------------------------------------------------------------------

    function mint(address to, uint256 amount)
        external
        whenNotPaused
        onlyMinter
        notBlacklisted(msg.sender)
        notBlacklisted(to)
        returns (bool)
    {
        require(to != address(0), "AttestStablecoin: mint to the zero address");
        require(amount > 0, "AttestStablecoin: mint amount not greater than 0");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Mint(msg.sender, to, amount);
        emit Transfer(address(0), to, amount);
        return true;
    }

    function burn(uint256 amount) external whenNotPaused onlyMinter notBlacklisted(msg.sender) {
        require(amount > 0, "AttestStablecoin: burn amount not greater than 0");
        uint256 balance = balanceOf[msg.sender];
        require(balance >= amount, "AttestStablecoin: burn amount exceeds balance");
        unchecked {
            balanceOf[msg.sender] = balance - amount;
            totalSupply -= amount;
        }
        emit Burn(msg.sender, amount);
        emit Transfer(msg.sender, address(0), amount);
    }

    // ---- ERC-20 ------------------------------------------------------------------------

    function transfer(address to, uint256 value)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(to)
        returns (bool)
    {
        _transfer(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(from)
        notBlacklisted(to)
        returns (bool)
    {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "AttestStablecoin: transfer amount exceeds allowance");
        if (allowed != type(uint256).max) {
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    // Blocked while paused, as FiatToken does, so a pause freezes every state change.
    function approve(address spender, uint256 value)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(spender)
        returns (bool)
    {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(to != address(0), "AttestStablecoin: transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= value, "AttestStablecoin: transfer amount exceeds balance");
        unchecked {
            balanceOf[from] = balance - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

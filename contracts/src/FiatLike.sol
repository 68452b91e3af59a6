// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title FiatLikeV1
/// @notice Test token with the storage layout and events of Circle's FiatToken V1 (USDC), to run
///         behind a ZosProxy (FiatTokenProxy's layout). Slots, in order: owner; pauser + paused;
///         blacklister; blacklisted; name; symbol; decimals; currency; masterMinter + initialized;
///         balances; allowed; totalSupply_; minters; minterAllowed. Minting needs a minter with an
///         allowance set by the master minter and emits `Mint` AND `Transfer(0x0, to)`; burning
///         emits `Burn` AND `Transfer(burner, 0x0)`. Written from the published layout for Attest's
///         own test chains; not Circle's code, not audited.
contract FiatLikeV1 {
    address internal _owner;
    address public pauser;
    bool public paused;
    address public blacklister;
    mapping(address => bool) internal _blacklisted;
    string public name;
    string public symbol;
    uint8 public decimals;
    string public currency;
    address public masterMinter;
    bool internal initialized;
    mapping(address => uint256) internal balanceAndBlacklistStates; // "balances" until V2.2
    mapping(address => mapping(address => uint256)) internal allowed;
    uint256 internal totalSupply_;
    mapping(address => bool) internal minters;
    mapping(address => uint256) internal minterAllowed;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Mint(address indexed minter, address indexed to, uint256 amount);
    event Burn(address indexed burner, uint256 amount);
    event MinterConfigured(address indexed minter, uint256 minterAllowedAmount);
    event MinterRemoved(address indexed oldMinter);
    event Blacklisted(address indexed account);
    event UnBlacklisted(address indexed account);
    event Pause();
    event Unpause();

    modifier onlyOwner() {
        require(msg.sender == _owner, "FiatLike: caller is not the owner");
        _;
    }

    modifier whenNotPaused() {
        require(!paused, "FiatLike: paused");
        _;
    }

    modifier notBlacklisted(address account) {
        require(!_isBlacklisted(account), "FiatLike: account is blacklisted");
        _;
    }

    function initialize(
        string calldata tokenName,
        string calldata tokenSymbol,
        string calldata tokenCurrency,
        uint8 tokenDecimals,
        address newMasterMinter,
        address newPauser,
        address newBlacklister,
        address newOwner
    ) external {
        require(!initialized, "FiatLike: already initialized");
        name = tokenName;
        symbol = tokenSymbol;
        currency = tokenCurrency;
        decimals = tokenDecimals;
        masterMinter = newMasterMinter;
        pauser = newPauser;
        blacklister = newBlacklister;
        _owner = newOwner;
        initialized = true;
    }

    function owner() external view returns (address) {
        return _owner;
    }

    // ---- minters -------------------------------------------------------------------------

    function configureMinter(address minter, uint256 minterAllowedAmount) external whenNotPaused returns (bool) {
        require(msg.sender == masterMinter, "FiatLike: caller is not the masterMinter");
        minters[minter] = true;
        minterAllowed[minter] = minterAllowedAmount;
        emit MinterConfigured(minter, minterAllowedAmount);
        return true;
    }

    function removeMinter(address minter) external returns (bool) {
        require(msg.sender == masterMinter, "FiatLike: caller is not the masterMinter");
        minters[minter] = false;
        minterAllowed[minter] = 0;
        emit MinterRemoved(minter);
        return true;
    }

    function isMinter(address account) external view returns (bool) {
        return minters[account];
    }

    function minterAllowance(address minter) external view returns (uint256) {
        return minterAllowed[minter];
    }

    function mint(address to, uint256 amount)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(to)
        returns (bool)
    {
        require(minters[msg.sender], "FiatLike: caller is not a minter");
        require(to != address(0), "FiatLike: mint to the zero address");
        require(amount > 0, "FiatLike: mint amount not greater than 0");
        uint256 allowance_ = minterAllowed[msg.sender];
        require(amount <= allowance_, "FiatLike: mint amount exceeds minterAllowance");
        totalSupply_ += amount;
        _setBalance(to, _balanceOf(to) + amount);
        minterAllowed[msg.sender] = allowance_ - amount;
        emit Mint(msg.sender, to, amount);
        emit Transfer(address(0), to, amount);
        return true;
    }

    function burn(uint256 amount) external whenNotPaused notBlacklisted(msg.sender) {
        require(minters[msg.sender], "FiatLike: caller is not a minter");
        uint256 balance = _balanceOf(msg.sender);
        require(amount > 0, "FiatLike: burn amount not greater than 0");
        require(balance >= amount, "FiatLike: burn amount exceeds balance");
        totalSupply_ -= amount;
        _setBalance(msg.sender, balance - amount);
        emit Burn(msg.sender, amount);
        emit Transfer(msg.sender, address(0), amount);
    }

    // ---- blacklist and pause -------------------------------------------------------------

    function blacklist(address account) external {
        require(msg.sender == blacklister, "FiatLike: caller is not the blacklister");
        _setBlacklisted(account, true);
        emit Blacklisted(account);
    }

    function unBlacklist(address account) external {
        require(msg.sender == blacklister, "FiatLike: caller is not the blacklister");
        _setBlacklisted(account, false);
        emit UnBlacklisted(account);
    }

    function isBlacklisted(address account) external view returns (bool) {
        return _isBlacklisted(account);
    }

    function pause() external {
        require(msg.sender == pauser, "FiatLike: caller is not the pauser");
        paused = true;
        emit Pause();
    }

    function unpause() external {
        require(msg.sender == pauser, "FiatLike: caller is not the pauser");
        paused = false;
        emit Unpause();
    }

    // ---- ERC-20 --------------------------------------------------------------------------

    function totalSupply() external view returns (uint256) {
        return totalSupply_;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balanceOf(account);
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        return allowed[holder][spender];
    }

    function approve(address spender, uint256 value)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(spender)
        returns (bool)
    {
        allowed[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

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
        require(value <= allowed[from][msg.sender], "FiatLike: transfer amount exceeds allowance");
        allowed[from][msg.sender] -= value;
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(to != address(0), "FiatLike: transfer to the zero address");
        uint256 balance = _balanceOf(from);
        require(value <= balance, "FiatLike: transfer amount exceeds balance");
        _setBalance(from, balance - value);
        _setBalance(to, _balanceOf(to) + value);
        emit Transfer(from, to, value);
    }

    // ---- storage hooks: V2.2 packs the blacklist flag into the balance word ------------------

    function _balanceOf(address account) internal view virtual returns (uint256) {
        return balanceAndBlacklistStates[account];
    }

    function _setBalance(address account, uint256 balance) internal virtual {
        balanceAndBlacklistStates[account] = balance;
    }

    function _isBlacklisted(address account) internal view virtual returns (bool) {
        return _blacklisted[account];
    }

    function _setBlacklisted(address account, bool flag) internal virtual {
        _blacklisted[account] = flag;
    }
}

interface IERC20Rescue {
    function transfer(address to, uint256 value) external returns (bool);
}

/// @title FiatLikeV2
/// @notice FiatLikeV1 upgraded as USDC went from V1 through V1.1 (Rescuable: the rescuer at the
///         next slot) and V2 (EIP-712 state) to V2.2, where a blacklisted account is the high bit
///         of its balance word and `balanceOf` masks it off. `initializeV2_2` migrates the accounts
///         blacklisted under V1 into the packed form, as the real upgrade does.
contract FiatLikeV2 is FiatLikeV1 {
    address internal _rescuer;
    bytes32 internal _deprecatedCachedDomainSeparator;
    mapping(address => mapping(bytes32 => bool)) internal _authorizationStates;
    mapping(address => uint256) internal _permitNonces;
    uint8 internal _initializedVersion;

    uint256 private constant BLACKLIST_FLAG = 1 << 255;

    event RescuerChanged(address indexed newRescuer);

    function initializeV2_2(address[] calldata accountsToBlacklist, address newRescuer) external {
        require(initialized && _initializedVersion < 3, "FiatLike: cannot initialize V2.2");
        for (uint256 i = 0; i < accountsToBlacklist.length; ++i) {
            address account = accountsToBlacklist[i];
            require(_blacklisted[account], "FiatLike: account was not blacklisted");
            _blacklisted[account] = false;
            balanceAndBlacklistStates[account] |= BLACKLIST_FLAG;
        }
        _rescuer = newRescuer;
        _initializedVersion = 3;
        emit RescuerChanged(newRescuer);
    }

    function version() external pure returns (string memory) {
        return "2.2";
    }

    function rescuer() external view returns (address) {
        return _rescuer;
    }

    /// @notice Rescuable: move ERC-20 tokens sent to this contract by mistake.
    function rescueERC20(address token, address to, uint256 amount) external {
        require(msg.sender == _rescuer, "FiatLike: caller is not the rescuer");
        require(IERC20Rescue(token).transfer(to, amount), "FiatLike: rescue failed");
    }

    function _balanceOf(address account) internal view override returns (uint256) {
        return balanceAndBlacklistStates[account] & ~BLACKLIST_FLAG;
    }

    function _setBalance(address account, uint256 balance) internal override {
        require(balance < BLACKLIST_FLAG, "FiatLike: balance exceeds (2^255 - 1)");
        balanceAndBlacklistStates[account] = (balanceAndBlacklistStates[account] & BLACKLIST_FLAG) | balance;
    }

    function _isBlacklisted(address account) internal view override returns (bool) {
        return balanceAndBlacklistStates[account] & BLACKLIST_FLAG != 0;
    }

    function _setBlacklisted(address account, bool flag) internal override {
        uint256 balance = _balanceOf(account);
        balanceAndBlacklistStates[account] = flag ? balance | BLACKLIST_FLAG : balance;
    }
}

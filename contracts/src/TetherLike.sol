// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title TetherLike
/// @notice Test token with the storage layout and events of Tether's TetherToken on Ethereum
///         (Ownable, ERC20Basic, BasicToken with fees, StandardToken, Pausable, BlackList,
///         TetherToken): owner; _totalSupply; balances; basisPointsRate; maximumFee; allowed;
///         paused; isBlackListed; name; symbol; decimals; upgradedAddress + deprecated.
///         - `issue`/`redeem` change the owner's balance and the supply emitting only `Issue`/`Redeem`;
///         - `destroyBlackFunds` emits `DestroyedBlackFunds(address, uint)` with nothing indexed;
///         - transfers pay a fee (basis points, capped) to the owner: two `Transfer`s;
///         - after `deprecate(successor)`, `totalSupply` and `balanceOf` answer with the successor's.
///         Written from the published interface for Attest's own test chains; not audited.
/// @dev Unlike Tether, writes after deprecation revert rather than forward (`transferByLegacy`
///      exists only on purpose-built successors); reads forward as Tether's do.
contract TetherLike {
    address public owner;
    uint256 public _totalSupply;
    mapping(address => uint256) public balances;
    uint256 public basisPointsRate;
    uint256 public maximumFee;
    mapping(address => mapping(address => uint256)) public allowed;
    bool public paused;
    mapping(address => bool) public isBlackListed;
    string public name;
    string public symbol;
    uint256 public decimals;
    address public upgradedAddress;
    bool public deprecated;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Issue(uint256 amount);
    event Redeem(uint256 amount);
    event Deprecate(address newAddress);
    event Params(uint256 feeBasisPoints, uint256 maxFee);
    event DestroyedBlackFunds(address _blackListedUser, uint256 _balance);
    event AddedBlackList(address _user);
    event RemovedBlackList(address _user);

    modifier onlyOwner() {
        require(msg.sender == owner, "TetherLike: caller is not the owner");
        _;
    }

    modifier live() {
        require(!deprecated && !paused, "TetherLike: deprecated or paused");
        _;
    }

    constructor(uint256 initialSupply, string memory name_, string memory symbol_, uint256 decimals_) {
        owner = msg.sender;
        _totalSupply = initialSupply;
        balances[msg.sender] = initialSupply;
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    function totalSupply() external view returns (uint256) {
        if (deprecated) return TetherLike(upgradedAddress).totalSupply();
        return _totalSupply;
    }

    function balanceOf(address who) external view returns (uint256) {
        if (deprecated) return TetherLike(upgradedAddress).balanceOf(who);
        return balances[who];
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        if (deprecated) return TetherLike(upgradedAddress).allowance(holder, spender);
        return allowed[holder][spender];
    }

    function transfer(address to, uint256 value) external live {
        require(!isBlackListed[msg.sender], "TetherLike: sender is blacklisted");
        _transfer(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) external live {
        require(!isBlackListed[from], "TetherLike: sender is blacklisted");
        uint256 allowance_ = allowed[from][msg.sender];
        require(allowance_ >= value, "TetherLike: allowance");
        if (allowance_ != type(uint256).max) allowed[from][msg.sender] = allowance_ - value;
        _transfer(from, to, value);
    }

    function approve(address spender, uint256 value) external live {
        require(value == 0 || allowed[msg.sender][spender] == 0, "TetherLike: reset allowance to 0 first");
        allowed[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function _transfer(address from, address to, uint256 value) private {
        uint256 fee = (value * basisPointsRate) / 10000;
        if (fee > maximumFee) fee = maximumFee;
        balances[from] -= value;
        balances[to] += value - fee;
        emit Transfer(from, to, value - fee);
        if (fee > 0) {
            balances[owner] += fee;
            emit Transfer(from, owner, fee);
        }
    }

    function setParams(uint256 newBasisPoints, uint256 newMaxFee) external onlyOwner {
        require(newBasisPoints < 20 && newMaxFee < 50 * 10 ** decimals, "TetherLike: fee too high");
        basisPointsRate = newBasisPoints;
        maximumFee = newMaxFee;
        emit Params(basisPointsRate, maximumFee);
    }

    function issue(uint256 amount) external onlyOwner live {
        balances[owner] += amount;
        _totalSupply += amount;
        emit Issue(amount);
    }

    function redeem(uint256 amount) external onlyOwner live {
        require(balances[owner] >= amount, "TetherLike: redeem exceeds owner balance");
        _totalSupply -= amount;
        balances[owner] -= amount;
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

    function destroyBlackFunds(address user) external onlyOwner live {
        require(isBlackListed[user], "TetherLike: not blacklisted");
        uint256 dirtyFunds = balances[user];
        balances[user] = 0;
        _totalSupply -= dirtyFunds;
        emit DestroyedBlackFunds(user, dirtyFunds);
    }

    function deprecate(address upgradedAddress_) external onlyOwner live {
        require(upgradedAddress_.code.length > 0, "TetherLike: successor is not a contract");
        deprecated = true;
        upgradedAddress = upgradedAddress_;
        emit Deprecate(upgradedAddress_);
    }
}

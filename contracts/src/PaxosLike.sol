// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title PaxosLikeV1
/// @notice Test token with the storage layout and events of Paxos's USDP/PYUSD V1 implementation,
///         to run behind a ZosProxy (their AdminUpgradeabilityProxy): initialized; balances;
///         totalSupply_; allowed; owner + paused; assetProtectionRole; frozen; supplyController;
///         proposedOwner. The supply controller mints to itself with `increaseSupply`
///         (`SupplyIncreased` + `Transfer(0x0, …)`) and burns from itself with `decreaseSupply`;
///         the asset-protection role `freeze`s an address and `wipeFrozenAddress` burns its balance
///         (`FrozenAddressWiped`, `SupplyDecreased`, `Transfer(addr, 0x0)`). Written from the
///         published layout for Attest's own test chains; not Paxos's code, not audited.
contract PaxosLikeV1 {
    bool internal initialized;
    mapping(address => uint256) internal balances;
    uint256 internal totalSupply_;
    mapping(address => mapping(address => uint256)) internal allowed;
    address public owner;
    bool public paused;
    address public assetProtectionRole;
    mapping(address => bool) internal frozen;
    address public supplyController;
    address public proposedOwner;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event AddressFrozen(address indexed addr);
    event AddressUnfrozen(address indexed addr);
    event FrozenAddressWiped(address indexed addr);
    event SupplyIncreased(address indexed to, uint256 value);
    event SupplyDecreased(address indexed from, uint256 value);

    modifier onlyOwner() {
        require(msg.sender == owner, "PaxosLike: onlyOwner");
        _;
    }

    modifier onlySupplyController() {
        require(msg.sender == supplyController, "PaxosLike: onlySupplyController");
        _;
    }

    modifier onlyAssetProtectionRole() {
        require(msg.sender == assetProtectionRole, "PaxosLike: onlyAssetProtectionRole");
        _;
    }

    function initialize() external {
        require(!initialized, "PaxosLike: already initialized");
        owner = msg.sender;
        supplyController = msg.sender;
        initialized = true;
    }

    function decimals() external pure returns (uint8) {
        return 6;
    }

    function totalSupply() external view returns (uint256) {
        return totalSupply_;
    }

    function balanceOf(address addr) external view returns (uint256) {
        return balances[addr];
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        return allowed[holder][spender];
    }

    function isFrozen(address addr) external view returns (bool) {
        return frozen[addr];
    }

    function transfer(address to, uint256 value) external returns (bool) {
        require(!paused, "PaxosLike: whenNotPaused");
        require(!frozen[to] && !frozen[msg.sender], "PaxosLike: address frozen");
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        require(!frozen[spender] && !frozen[msg.sender], "PaxosLike: address frozen");
        allowed[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function setAssetProtectionRole(address role) external onlyOwner {
        assetProtectionRole = role;
    }

    function setSupplyController(address controller) external onlyOwner {
        supplyController = controller;
    }

    function increaseSupply(uint256 value) external onlySupplyController returns (bool) {
        _mint(supplyController, value);
        return true;
    }

    function decreaseSupply(uint256 value) external onlySupplyController returns (bool) {
        _burn(supplyController, value);
        return true;
    }

    function freeze(address addr) external onlyAssetProtectionRole {
        frozen[addr] = true;
        emit AddressFrozen(addr);
    }

    function unfreeze(address addr) external onlyAssetProtectionRole {
        frozen[addr] = false;
        emit AddressUnfrozen(addr);
    }

    function wipeFrozenAddress(address addr) external onlyAssetProtectionRole {
        require(frozen[addr], "PaxosLike: address is not frozen");
        uint256 balance = balances[addr];
        balances[addr] = 0;
        totalSupply_ -= balance;
        emit FrozenAddressWiped(addr);
        emit SupplyDecreased(addr, balance);
        emit Transfer(addr, address(0), balance);
    }

    function _move(address from, address to, uint256 value) internal {
        require(to != address(0), "PaxosLike: cannot transfer to address zero");
        require(value <= balances[from], "PaxosLike: insufficient funds");
        balances[from] -= value;
        balances[to] += value;
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) internal {
        totalSupply_ += value;
        balances[to] += value;
        emit SupplyIncreased(to, value);
        emit Transfer(address(0), to, value);
    }

    function _burn(address from, uint256 value) internal {
        require(value <= balances[from], "PaxosLike: insufficient funds");
        balances[from] -= value;
        totalSupply_ -= value;
        emit SupplyDecreased(from, value);
        emit Transfer(from, address(0), value);
    }
}

interface ISupplyControlLike {
    function canMintToAddress(address to, uint256 amount, address sender) external;
    function canBurnFromAddress(address from, address sender) external view;
}

/// @title PaxosLikeV2
/// @notice PaxosLikeV1 upgraded as PYUSD went to PaxosTokenV2: minting and burning are authorised
///         by a separate SupplyControl contract (its address appended to the V1 layout), which
///         holds each minter's limit; mints go straight to an address.
contract PaxosLikeV2 is PaxosLikeV1 {
    address internal _betaDelegateWhitelister;
    mapping(address => bool) internal _betaDelegateWhitelist;
    mapping(address => uint256) internal _nextSeqs;
    bytes32 internal _eip712DomainHash;
    ISupplyControlLike public supplyControl;

    event SupplyControlSet(address indexed supplyControl);

    function setSupplyControl(address control) external onlyOwner {
        supplyControl = ISupplyControlLike(control);
        emit SupplyControlSet(control);
    }

    function increaseSupplyToAddress(uint256 value, address to) external returns (bool) {
        require(!frozen[to], "PaxosLike: address frozen");
        supplyControl.canMintToAddress(to, value, msg.sender);
        _mint(to, value);
        return true;
    }

    function decreaseSupplyFromAddress(uint256 value, address from) external returns (bool) {
        supplyControl.canBurnFromAddress(from, msg.sender);
        _burn(from, value);
        return true;
    }
}

/// @title SupplyControlLike
/// @notice The separate supply-control contract of PYUSD V2: per-minter limits, consumed by mints.
///         Upgradeable the UUPS way behind a UupsProxy (EIP-1967 slot), as Paxos's is.
contract SupplyControlLike is ISupplyControlLike {
    bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    address public admin;
    address public token;
    mapping(address => uint256) public mintLimit;
    mapping(address => bool) public canBurn;

    event LimitSet(address indexed minter, uint256 limit);

    function initialize(address admin_, address token_) external {
        require(admin == address(0), "SupplyControlLike: already initialized");
        admin = admin_;
        token = token_;
    }

    function setLimit(address minter, uint256 limit, bool burner) external {
        require(msg.sender == admin, "SupplyControlLike: not admin");
        mintLimit[minter] = limit;
        canBurn[minter] = burner;
        emit LimitSet(minter, limit);
    }

    function canMintToAddress(address, uint256 amount, address sender) external {
        require(msg.sender == token, "SupplyControlLike: only the token");
        require(mintLimit[sender] >= amount, "SupplyControlLike: over the mint limit");
        mintLimit[sender] -= amount;
    }

    function canBurnFromAddress(address, address sender) external view {
        require(canBurn[sender], "SupplyControlLike: not a burner");
    }

    function proxiableUUID() external pure returns (bytes32) {
        return IMPLEMENTATION_SLOT;
    }

    function upgradeToAndCall(address newImplementation, bytes calldata) external {
        require(msg.sender == admin, "SupplyControlLike: not admin");
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            sstore(slot, newImplementation)
        }
    }
}

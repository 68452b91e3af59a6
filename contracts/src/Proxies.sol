// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @dev Shared delegation for the test proxies below.
abstract contract DelegatingProxy {
    function _target() internal view virtual returns (address);

    fallback() external payable {
        address target = _target();
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    function _init(address logic, bytes memory data) internal {
        if (data.length == 0) return;
        (bool ok, bytes memory result) = logic.delegatecall(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }
}

/// @title UupsProxy
/// @notice A bare EIP-1967 proxy as used with UUPS: the implementation slot
///         keccak256("eip1967.proxy.implementation") - 1, and no admin logic at all: upgrades are
///         the implementation's own `upgradeToAndCall` (see UupsStablecoin).
contract UupsProxy is DelegatingProxy {
    bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    constructor(address logic, bytes memory data) payable {
        require(logic.code.length > 0, "UupsProxy: implementation is not a contract");
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            sstore(slot, logic)
        }
        _init(logic, data);
    }

    function _target() internal view override returns (address impl) {
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            impl := sload(slot)
        }
    }
}

interface IBeaconLike {
    function implementation() external view returns (address);
}

/// @title BeaconProxyLike
/// @notice An EIP-1967 beacon proxy: the beacon at keccak256("eip1967.proxy.beacon") - 1; the
///         implementation is whatever the beacon answers, so one beacon upgrades many proxies.
contract BeaconProxyLike is DelegatingProxy {
    bytes32 internal constant BEACON_SLOT = 0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50;

    constructor(address beacon, bytes memory data) payable {
        bytes32 slot = BEACON_SLOT;
        assembly {
            sstore(slot, beacon)
        }
        _init(IBeaconLike(beacon).implementation(), data);
    }

    function _target() internal view override returns (address) {
        address beacon;
        bytes32 slot = BEACON_SLOT;
        assembly {
            beacon := sload(slot)
        }
        return IBeaconLike(beacon).implementation();
    }
}

/// @title UpgradeableBeaconLike
/// @notice The beacon: holds the implementation for every BeaconProxyLike pointing at it.
contract UpgradeableBeaconLike is IBeaconLike {
    address public implementation;
    address public owner;

    event Upgraded(address indexed implementation);

    constructor(address implementation_) {
        owner = msg.sender;
        upgradeTo(implementation_);
    }

    function upgradeTo(address newImplementation) public {
        require(msg.sender == owner, "UpgradeableBeaconLike: caller is not the owner");
        require(newImplementation.code.length > 0, "UpgradeableBeaconLike: implementation is not a contract");
        implementation = newImplementation;
        emit Upgraded(newImplementation);
    }
}

/// @title ProxiableProxy
/// @notice An EIP-1822 ("Universal Upgradeable Proxy Standard") proxy: the implementation at
///         keccak256("PROXIABLE"), checked against the logic's `proxiableUUID()` on deployment.
contract ProxiableProxy is DelegatingProxy {
    bytes32 internal constant PROXIABLE_SLOT = 0xc5f16f0fcc639fa48a6947836d9850f504798523bf8c9a3a87d5876cf622bcf7;

    constructor(bytes memory constructData, address contractLogic) {
        require(
            IProxiable(contractLogic).proxiableUUID() == PROXIABLE_SLOT, "ProxiableProxy: logic is not proxiable"
        );
        bytes32 slot = PROXIABLE_SLOT;
        assembly {
            sstore(slot, contractLogic)
        }
        _init(contractLogic, constructData);
    }

    function _target() internal view override returns (address impl) {
        bytes32 slot = PROXIABLE_SLOT;
        assembly {
            impl := sload(slot)
        }
    }
}

interface IProxiable {
    function proxiableUUID() external view returns (bytes32);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title ZosProxy
/// @notice Test proxy with the storage layout of the OpenZeppelin 2.x / zos-lib
///         `AdminUpgradeabilityProxy`, which USDC's FiatTokenProxy and Paxos's USDP/PYUSD proxies
///         are: the implementation at keccak256("org.zeppelinos.proxy.implementation") and the admin
///         at keccak256("org.zeppelinos.proxy.admin"), both WITHOUT the "- 1" EIP-1967 later added.
///         Written for Attest's own test chains from the published slot constants; not audited.
/// @dev Transparent rule as in the original: the admin's calls are answered by the proxy, everyone
///      else's are delegated. The admin is whoever deploys the proxy.
contract ZosProxy {
    bytes32 private constant IMPLEMENTATION_SLOT = keccak256("org.zeppelinos.proxy.implementation");
    bytes32 private constant ADMIN_SLOT = keccak256("org.zeppelinos.proxy.admin");

    event Upgraded(address implementation);
    event AdminChanged(address previousAdmin, address newAdmin);

    modifier ifAdmin() {
        if (msg.sender == _admin()) {
            _;
        } else {
            _delegate(_implementation());
        }
    }

    constructor(address implementation_) {
        _setImplementation(implementation_);
        bytes32 slot = ADMIN_SLOT;
        address sender = msg.sender;
        assembly {
            sstore(slot, sender)
        }
    }

    function admin() external ifAdmin returns (address) {
        return _admin();
    }

    function implementation() external ifAdmin returns (address) {
        return _implementation();
    }

    function changeAdmin(address newAdmin) external ifAdmin {
        require(newAdmin != address(0), "ZosProxy: admin is the zero address");
        emit AdminChanged(_admin(), newAdmin);
        bytes32 slot = ADMIN_SLOT;
        assembly {
            sstore(slot, newAdmin)
        }
    }

    function upgradeTo(address newImplementation) external ifAdmin {
        _setImplementation(newImplementation);
    }

    function upgradeToAndCall(address newImplementation, bytes calldata data) external payable ifAdmin {
        _setImplementation(newImplementation);
        (bool ok, bytes memory result) = newImplementation.delegatecall(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }

    fallback() external payable {
        require(msg.sender != _admin(), "ZosProxy: admin cannot fallback to proxy target");
        _delegate(_implementation());
    }

    receive() external payable {
        require(msg.sender != _admin(), "ZosProxy: admin cannot fallback to proxy target");
        _delegate(_implementation());
    }

    function _admin() internal view returns (address a) {
        bytes32 slot = ADMIN_SLOT;
        assembly {
            a := sload(slot)
        }
    }

    function _implementation() internal view returns (address impl) {
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            impl := sload(slot)
        }
    }

    function _setImplementation(address newImplementation) private {
        require(newImplementation.code.length > 0, "ZosProxy: implementation is not a contract");
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            sstore(slot, newImplementation)
        }
        emit Upgraded(newImplementation);
    }

    function _delegate(address target) private {
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}

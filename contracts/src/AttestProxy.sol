// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title AttestProxy
/// @notice Transparent upgradeable proxy for Attest's test tokens, storing its implementation and
///         admin in the EIP-1967 slots so generic proxy resolution (eth_getStorageAt) works on it.
/// @dev Transparent rule: calls from the admin are answered by the proxy itself and never reach
///      the token; calls from anyone else are always delegated, even if their selector matches
///      an admin function. The admin account therefore cannot use the token through the proxy.
///      The admin functions are not `view`, because for non-admin callers they delegate.
contract AttestProxy {
    /// @dev bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)
    bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    /// @dev bytes32(uint256(keccak256("eip1967.proxy.admin")) - 1)
    bytes32 internal constant ADMIN_SLOT = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;

    event Upgraded(address indexed implementation);
    event AdminChanged(address previousAdmin, address newAdmin);

    modifier ifAdmin() {
        if (msg.sender == _admin()) {
            _;
        } else {
            _delegate(_implementation());
        }
    }

    constructor(address implementation_, address admin_, bytes memory initData) payable {
        require(admin_ != address(0), "AttestProxy: admin is the zero address");
        _setImplementation(implementation_);
        _setAdmin(admin_);
        if (initData.length > 0) {
            _delegateInit(implementation_, initData);
        }
    }

    function admin() external ifAdmin returns (address) {
        return _admin();
    }

    function implementation() external ifAdmin returns (address) {
        return _implementation();
    }

    function changeAdmin(address newAdmin) external ifAdmin {
        require(newAdmin != address(0), "AttestProxy: admin is the zero address");
        _setAdmin(newAdmin);
    }

    function upgradeTo(address newImplementation) external ifAdmin {
        _setImplementation(newImplementation);
    }

    function upgradeToAndCall(address newImplementation, bytes calldata data) external payable ifAdmin {
        _setImplementation(newImplementation);
        _delegateInit(newImplementation, data);
    }

    fallback() external payable {
        require(msg.sender != _admin(), "AttestProxy: admin cannot fallback to proxy target");
        _delegate(_implementation());
    }

    receive() external payable {
        require(msg.sender != _admin(), "AttestProxy: admin cannot fallback to proxy target");
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

    function _setAdmin(address newAdmin) private {
        emit AdminChanged(_admin(), newAdmin);
        bytes32 slot = ADMIN_SLOT;
        assembly {
            sstore(slot, newAdmin)
        }
    }

    function _setImplementation(address newImplementation) private {
        // An EOA or empty address as implementation would make every call "succeed" silently.
        require(newImplementation.code.length > 0, "AttestProxy: implementation is not a contract");
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            sstore(slot, newImplementation)
        }
        emit Upgraded(newImplementation);
    }

    function _delegateInit(address target, bytes memory data) private {
        (bool ok, bytes memory result) = target.delegatecall(data);
        if (!ok) {
            // Re-raise the implementation's own revert reason instead of a generic one.
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
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

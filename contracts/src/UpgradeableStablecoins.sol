// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {AttestStablecoin} from "./AttestStablecoin.sol";

/// @title UupsStablecoin
/// @notice AttestStablecoin with UUPS upgrades: the implementation itself writes the EIP-1967 slot
///         of the proxy it runs behind (UupsProxy), after checking the new logic's proxiableUUID.
contract UupsStablecoin is AttestStablecoin {
    bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    event Upgraded(address indexed implementation);

    function proxiableUUID() external pure returns (bytes32) {
        return IMPLEMENTATION_SLOT;
    }

    function upgradeToAndCall(address newImplementation, bytes calldata data) external onlyOwner {
        require(
            UupsStablecoin(newImplementation).proxiableUUID() == IMPLEMENTATION_SLOT,
            "UupsStablecoin: not a UUPS implementation"
        );
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            sstore(slot, newImplementation)
        }
        emit Upgraded(newImplementation);
        if (data.length > 0) {
            (bool ok,) = newImplementation.delegatecall(data);
            require(ok, "UupsStablecoin: upgrade call failed");
        }
    }
}

/// @title ProxiableStablecoin
/// @notice AttestStablecoin as the logic of an EIP-1822 ProxiableProxy: `updateCodeAddress`
///         rewrites the keccak256("PROXIABLE") slot.
contract ProxiableStablecoin is AttestStablecoin {
    bytes32 internal constant PROXIABLE_SLOT = 0xc5f16f0fcc639fa48a6947836d9850f504798523bf8c9a3a87d5876cf622bcf7;

    event CodeUpdated(address indexed newAddress);

    function proxiableUUID() external pure returns (bytes32) {
        return PROXIABLE_SLOT;
    }

    function updateCodeAddress(address newAddress) external onlyOwner {
        require(
            ProxiableStablecoin(newAddress).proxiableUUID() == PROXIABLE_SLOT, "ProxiableStablecoin: not proxiable"
        );
        bytes32 slot = PROXIABLE_SLOT;
        assembly {
            sstore(slot, newAddress)
        }
        emit CodeUpdated(newAddress);
    }
}

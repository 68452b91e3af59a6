// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {AttestStablecoin} from "./AttestStablecoin.sol";

/// @title AttestStablecoinV2
/// @notice Upgrade target for proxied AttestStablecoin deployments. Declares no state variables,
///         so the storage layout is exactly V1's: an upgrade must leave every balance and
///         `totalSupply` as it was, which is what the upgrade test proves.
contract AttestStablecoinV2 is AttestStablecoin {
    function version() external pure override returns (string memory) {
        return "2";
    }

    /// @notice Read-only convenience added by V2: several balances in one call.
    function balancesOf(address[] calldata accounts) external view returns (uint256[] memory balances) {
        balances = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; i++) {
            balances[i] = balanceOf[accounts[i]];
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title AttestMulticall
/// @notice Our own aggregator exposing Multicall3's `aggregate3` ABI, so one `eth_call` reads many
///         values at one block. Development and test chains get its runtime code at Multicall3's
///         canonical address (0xcA11bde05977b3631167028862bE2a173976CA11) through `anvil_setCode`;
///         real chains already have Multicall3 there.
contract AttestMulticall {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice Each call's success and return data; a failed call with allowFailure false reverts all.
    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        uint256 length = calls.length;
        returnData = new Result[](length);
        for (uint256 i = 0; i < length; ++i) {
            Call3 calldata call = calls[i];
            Result memory result = returnData[i];
            (result.success, result.returnData) = call.target.call(call.callData);
            require(result.success || call.allowFailure, "AttestMulticall: call failed");
        }
    }

    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }
}

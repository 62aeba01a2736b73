// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The L1 priority queue as Rollup reads it (implemented by Bridge).
interface IPriorityQueue {
    /// @notice Priority operations taken so far; the next one gets this index.
    function priorityOpsCount() external view returns (uint256);

    /// @notice The rolling hash after the first `count` operations (0 for count 0; 0 beyond the queue).
    function rollingHashAt(uint256 count) external view returns (bytes32);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice What L1 keeps of one batch, as one hash: keccak256(abi.encode(commitment)).
/// @dev Field for field (and in this order) core/batches/commitment.ts `BatchCommitment`.
///      Batch 0 is the genesis: blocks 0..0, no data, no priority operations.
struct BatchCommitment {
    uint64 batchNumber;
    uint64 firstBlock;
    uint64 lastBlock;
    uint64 firstTimestamp;
    uint64 lastTimestamp;
    /// Priority operations (deposits) this batch consumed.
    uint64 priorityOpsCount;
    bytes32 prevStateRoot;
    bytes32 newStateRoot;
    /// keccak256 of the batch data exactly as commitBatches receives it.
    bytes32 txDataHash;
    /// The bridge's rolling hash after every priority operation consumed up to this batch.
    bytes32 priorityOpsRollingHash;
    /// Merkle root of the batch's withdrawal leaves (see Bridge.withdrawalLeaf).
    bytes32 withdrawalsRoot;
}

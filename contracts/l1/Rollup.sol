// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchCommitment} from "./BatchCommitment.sol";
import {IPriorityQueue} from "./IPriorityQueue.sol";
import {IVerifier} from "./IVerifier.sol";

/// @title Rollup: the L1 side of the batch lifecycle (commit, prove, execute), as ZKsync's.
/// @notice The operator commits batches (data as calldata; L1 keeps one hash per batch), proves a
///         contiguous range of committed batches with one aggregated proof the verifier checks,
///         then executes proven batches: their priority operations are checked against the
///         bridge's queue and their withdrawals roots published for Bridge.finalizeWithdrawal.
///         Batch 0 is the genesis, committed, proven and executed from the start. The operator
///         can revert committed batches that are not executed yet (proven ones too) and commit
///         others in their place.
contract Rollup {
    /// @dev keccak256 of core/batches/commitment.ts BATCH_PROOF_DOMAIN, and its BATCH_PROOF_VERSION.
    bytes32 private constant PROOF_DOMAIN = keccak256("edge-rollup batch proof");
    uint256 private constant PROOF_VERSION = 1;

    uint256 public immutable l2ChainId;

    address public owner;
    address public operator;
    IVerifier public verifier;
    IPriorityQueue public bridge;

    // Highest batch number in each state, and priority operations consumed: one storage slot.
    uint64 private _committed;
    uint64 private _proven;
    uint64 private _executed;
    uint64 private _opsCommitted;
    uint64 private _opsExecuted;

    bytes32 public lastExecutedStateRoot;
    mapping(uint256 => bytes32) private _batchHashes;
    mapping(uint256 => bytes32) private _withdrawalsRoots;
    /// @dev Priority operations consumed by batches 1..n, for each committed batch n: what
    ///      _opsCommitted goes back to when batches after n are reverted (0 for the genesis).
    mapping(uint256 => uint256) private _opsCommittedThrough;

    event BatchCommitted(uint256 indexed batchNumber, bytes32 batchHash, uint64 lastBlock);
    event BatchesProven(uint256 firstBatch, uint256 lastBatch);
    event BatchesReverted(uint256 firstBatch, uint256 lastBatch);
    event BatchExecuted(uint256 indexed batchNumber, bytes32 newStateRoot, bytes32 withdrawalsRoot);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event OperatorChanged(address indexed operator);
    event VerifierChanged(address indexed verifier);
    event BridgeSet(address indexed bridge);

    error NotOwner();
    error NotOperator();
    error ZeroAddress();
    error InvalidGenesis();
    error BridgeAlreadySet();
    error BridgeNotSet();
    error NoBatches();
    error DataCountMismatch(uint256 batches, uint256 data);
    error RangeLengthMismatch();
    error WrongLastCommittedBatch();
    error WrongBatchNumber(uint256 expected, uint256 actual);
    error WrongPrevStateRoot(uint256 batchNumber);
    error WrongBlockRange(uint256 batchNumber);
    error WrongTimestamps(uint256 batchNumber);
    error WrongTxDataHash(uint256 batchNumber);
    error TooManyPriorityOps(uint256 batchNumber);
    error WrongPriorityOpsRollingHash(uint256 batchNumber);
    error BatchNotCommitted(uint256 batchNumber);
    error BatchNotProven(uint256 batchNumber);
    error BatchHashMismatch(uint256 batchNumber);
    error InvalidProof();
    error NothingToRevert(uint256 newLastCommitted, uint256 committed);
    error CannotRevertExecuted(uint256 newLastCommitted, uint256 executed);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator();
        _;
    }

    /// @param genesis Batch 0: number 0, no priority operations (rolling hash 0).
    constructor(address initialOwner, address initialOperator, IVerifier initialVerifier, uint256 chainId, BatchCommitment memory genesis) {
        if (initialOwner == address(0) || initialOperator == address(0) || address(initialVerifier) == address(0)) revert ZeroAddress();
        if (genesis.batchNumber != 0 || genesis.priorityOpsCount != 0 || genesis.priorityOpsRollingHash != bytes32(0)) {
            revert InvalidGenesis();
        }
        l2ChainId = chainId;
        owner = initialOwner;
        operator = initialOperator;
        verifier = initialVerifier;
        _batchHashes[0] = keccak256(abi.encode(genesis));
        _withdrawalsRoots[0] = genesis.withdrawalsRoot;
        lastExecutedStateRoot = genesis.newStateRoot;
        emit OwnershipTransferred(address(0), initialOwner);
        emit OperatorChanged(initialOperator);
        emit VerifierChanged(address(initialVerifier));
    }

    // ---------------------------------------------------------------- views

    function committedBatches() external view returns (uint256) {
        return _committed;
    }

    function provenBatches() external view returns (uint256) {
        return _proven;
    }

    function executedBatches() external view returns (uint256) {
        return _executed;
    }

    function totalPriorityOpsCommitted() external view returns (uint256) {
        return _opsCommitted;
    }

    function totalPriorityOpsExecuted() external view returns (uint256) {
        return _opsExecuted;
    }

    /// @notice keccak256(abi.encode(commitment)) of committed batch `batchNumber` (0 if not committed).
    function storedBatchHash(uint256 batchNumber) external view returns (bytes32) {
        // A reverted batch's hash stays in storage until a batch is committed in its place.
        return batchNumber <= _committed ? _batchHashes[batchNumber] : bytes32(0);
    }

    /// @notice The withdrawals root of executed batch `batchNumber` (0 until executed, or if it has none).
    function withdrawalsRoot(uint256 batchNumber) external view returns (bytes32) {
        return _withdrawalsRoots[batchNumber];
    }

    /// @notice keccak256(abi.encode(batch)): the hash L1 stores for a batch.
    function hashBatch(BatchCommitment calldata batch) public pure returns (bytes32) {
        return keccak256(abi.encode(batch));
    }

    /// @notice What the provers of batches firstBatch..lastBatch sign (core/batches/commitment.ts
    ///         batchRangeDigest): keccak256(abi.encode(keccak256("edge-rollup batch proof"), 1,
    ///         l1ChainId, chainId, rollup, firstBatch, lastBatch, keccak256(abi.encodePacked(batchHashes)))).
    ///         The L1 chain id and the rollup's address keep a proof from being replayed elsewhere.
    function rangeDigest(
        uint256 l1ChainId,
        uint256 chainId,
        address rollup,
        uint256 firstBatch,
        uint256 lastBatch,
        bytes32[] memory batchHashes
    )
        public
        pure
        returns (bytes32)
    {
        if (lastBatch < firstBatch || batchHashes.length != lastBatch - firstBatch + 1) revert RangeLengthMismatch();
        return keccak256(
            abi.encode(
                PROOF_DOMAIN,
                PROOF_VERSION,
                l1ChainId,
                chainId,
                rollup,
                firstBatch,
                lastBatch,
                keccak256(abi.encodePacked(batchHashes))
            )
        );
    }

    // ---------------------------------------------------------------- owner

    /// @notice Sets the bridge (the priority queue) once, after deploying it with this rollup.
    function setBridge(address newBridge) external onlyOwner {
        if (newBridge == address(0)) revert ZeroAddress();
        if (address(bridge) != address(0)) revert BridgeAlreadySet();
        bridge = IPriorityQueue(newBridge);
        emit BridgeSet(newBridge);
    }

    function setOperator(address newOperator) external onlyOwner {
        if (newOperator == address(0)) revert ZeroAddress();
        operator = newOperator;
        emit OperatorChanged(newOperator);
    }

    function setVerifier(IVerifier newVerifier) external onlyOwner {
        if (address(newVerifier) == address(0)) revert ZeroAddress();
        verifier = newVerifier;
        emit VerifierChanged(address(newVerifier));
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ---------------------------------------------------------------- lifecycle

    /// @notice Commits `batches`, which continue `lastCommitted` (the last committed batch, as
    ///         committed); `data[i]` is batch i's data, whose keccak256 is its txDataHash.
    function commitBatches(BatchCommitment calldata lastCommitted, BatchCommitment[] calldata batches, bytes[] calldata data)
        external
        onlyOperator
    {
        uint256 n = batches.length;
        if (n == 0) revert NoBatches();
        if (data.length != n) revert DataCountMismatch(n, data.length);
        IPriorityQueue queue = _queue();
        uint256 committed = _committed;
        if (lastCommitted.batchNumber != committed || hashBatch(lastCommitted) != _batchHashes[committed]) {
            revert WrongLastCommittedBatch();
        }
        uint256 available = queue.priorityOpsCount();
        uint256 ops = _opsCommitted;
        BatchCommitment calldata prev = lastCommitted;
        for (uint256 i; i < n; ++i) {
            BatchCommitment calldata b = batches[i];
            uint256 number = b.batchNumber;
            _checkContinues(prev, b, data[i]);
            ops += b.priorityOpsCount;
            if (ops > available) revert TooManyPriorityOps(number);
            if (queue.rollingHashAt(ops) != b.priorityOpsRollingHash) revert WrongPriorityOpsRollingHash(number);
            bytes32 h = hashBatch(b);
            _batchHashes[number] = h;
            _opsCommittedThrough[number] = ops;
            emit BatchCommitted(number, h, b.lastBlock);
            prev = b;
        }
        _committed = prev.batchNumber;
        _opsCommitted = uint64(ops);
    }

    /// @notice Proves the committed batches provenBatches()+1 .. provenBatches()+batches.length
    ///         with one proof of their range digest.
    function proveBatches(BatchCommitment[] calldata batches, bytes calldata proof) external onlyOperator {
        uint256 n = batches.length;
        if (n == 0) revert NoBatches();
        uint256 first = uint256(_proven) + 1;
        uint256 committed = _committed;
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            uint256 number = first + i;
            if (batches[i].batchNumber != number) revert WrongBatchNumber(number, batches[i].batchNumber);
            if (number > committed) revert BatchNotCommitted(number);
            bytes32 h = hashBatch(batches[i]);
            if (h != _batchHashes[number]) revert BatchHashMismatch(number);
            hashes[i] = h;
        }
        uint256 last = first + n - 1;
        if (!verifier.verify(rangeDigest(block.chainid, l2ChainId, address(this), first, last, hashes), proof)) revert InvalidProof();
        _proven = uint64(last);
        emit BatchesProven(first, last);
    }

    /// @notice Executes the proven batches executedBatches()+1 .. executedBatches()+batches.length:
    ///         checks the priority operations they consumed and publishes their withdrawals roots.
    function executeBatches(BatchCommitment[] calldata batches) external onlyOperator {
        uint256 n = batches.length;
        if (n == 0) revert NoBatches();
        IPriorityQueue queue = _queue();
        uint256 first = uint256(_executed) + 1;
        uint256 proven = _proven;
        uint256 ops = _opsExecuted;
        for (uint256 i; i < n; ++i) {
            BatchCommitment calldata b = batches[i];
            uint256 number = first + i;
            if (b.batchNumber != number) revert WrongBatchNumber(number, b.batchNumber);
            if (number > proven) revert BatchNotProven(number);
            if (hashBatch(b) != _batchHashes[number]) revert BatchHashMismatch(number);
            ops += b.priorityOpsCount;
            if (queue.rollingHashAt(ops) != b.priorityOpsRollingHash) revert WrongPriorityOpsRollingHash(number);
            if (b.withdrawalsRoot != bytes32(0)) _withdrawalsRoots[number] = b.withdrawalsRoot;
            emit BatchExecuted(number, b.newStateRoot, b.withdrawalsRoot);
        }
        _executed = uint64(first + n - 1);
        _opsExecuted = uint64(ops);
        lastExecutedStateRoot = batches[n - 1].newStateRoot;
    }

    /// @notice Reverts the committed batches after `newLastCommitted`, proven ones too (as
    ///         ZKsync's revertBatches): they are no longer committed, their priority operations
    ///         are available to the batches committed next. Executed batches stay.
    function revertBatches(uint256 newLastCommitted) external onlyOperator {
        uint256 committed = _committed;
        if (newLastCommitted >= committed) revert NothingToRevert(newLastCommitted, committed);
        if (newLastCommitted < _executed) revert CannotRevertExecuted(newLastCommitted, _executed);
        _committed = uint64(newLastCommitted);
        if (_proven > newLastCommitted) _proven = uint64(newLastCommitted);
        _opsCommitted = uint64(_opsCommittedThrough[newLastCommitted]);
        emit BatchesReverted(newLastCommitted + 1, committed);
    }

    // ---------------------------------------------------------------- internals

    function _queue() private view returns (IPriorityQueue queue) {
        queue = bridge;
        if (address(queue) == address(0)) revert BridgeNotSet();
    }

    /// @dev `b` directly follows `prev`: number, state root, blocks, timestamps; `data` is its data.
    function _checkContinues(BatchCommitment calldata prev, BatchCommitment calldata b, bytes calldata data) private pure {
        uint256 number = b.batchNumber;
        if (number != uint256(prev.batchNumber) + 1) revert WrongBatchNumber(uint256(prev.batchNumber) + 1, number);
        if (b.prevStateRoot != prev.newStateRoot) revert WrongPrevStateRoot(number);
        if (b.firstBlock != uint256(prev.lastBlock) + 1 || b.lastBlock < b.firstBlock) revert WrongBlockRange(number);
        if (b.firstTimestamp < prev.lastTimestamp || b.lastTimestamp < b.firstTimestamp) revert WrongTimestamps(number);
        if (keccak256(data) != b.txDataHash) revert WrongTxDataHash(number);
    }
}

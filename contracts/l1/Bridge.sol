// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPriorityQueue} from "./IPriorityQueue.sol";
import {Rollup} from "./Rollup.sol";

/// @title Bridge: ETH deposits into the L1 priority queue, withdrawals out of executed batches.
/// @notice `deposit` appends a priority operation and its rolling hash; the sequencer includes the
///         operations in queue order and Rollup checks, per batch, the rolling hash of the ones
///         consumed. A withdrawal made on L2 (L2Withdrawals) is a leaf of its batch's withdrawals
///         Merkle tree; once Rollup has executed the batch, anyone can finalize it here with the
///         leaf's proof, and the ETH goes to its L1 recipient, once per withdrawal id.
/// @dev Encodings: core/bridge/priorityOps.ts and core/bridge/withdrawals.ts.
contract Bridge is IPriorityQueue {
    Rollup public immutable rollup;

    /// @inheritdoc IPriorityQueue
    uint256 public priorityOpsCount;
    /// @dev _rollingHashes[n]: the rolling hash after n operations (_rollingHashes[0] = 0).
    mapping(uint256 => bytes32) private _rollingHashes;
    /// @dev Finalized withdrawal ids, 256 to a word.
    mapping(uint256 => uint256) private _finalized;

    event DepositInitiated(
        uint256 indexed index, address indexed l1Sender, address indexed l2Recipient, uint256 amount, bytes32 rollingHash
    );
    event WithdrawalFinalized(uint256 indexed id, address indexed l1Recipient, uint256 amount, uint256 batchNumber);

    error ZeroAddress();
    error NothingToDeposit();
    error ZeroRecipient();
    error BatchNotExecuted(uint256 batchNumber);
    error WithdrawalAlreadyFinalized(uint256 id);
    error InvalidWithdrawalProof();
    error WithdrawalPaymentFailed();

    constructor(Rollup rollupContract) {
        if (address(rollupContract) == address(0)) revert ZeroAddress();
        rollup = rollupContract;
    }

    /// @notice Deposits msg.value to `l2Recipient` on L2, as the next priority operation.
    function deposit(address l2Recipient) external payable {
        if (msg.value == 0) revert NothingToDeposit();
        if (l2Recipient == address(0)) revert ZeroRecipient();
        uint256 index = priorityOpsCount;
        bytes32 rolling = keccak256(
            abi.encode(_rollingHashes[index], priorityOpHash(index, msg.sender, l2Recipient, msg.value))
        );
        _rollingHashes[index + 1] = rolling;
        priorityOpsCount = index + 1;
        emit DepositInitiated(index, msg.sender, l2Recipient, msg.value, rolling);
    }

    /// @inheritdoc IPriorityQueue
    function rollingHashAt(uint256 count) external view returns (bytes32) {
        return _rollingHashes[count];
    }

    function isWithdrawalFinalized(uint256 id) public view returns (bool) {
        return _finalized[id >> 8] & (1 << (id & 0xff)) != 0;
    }

    /// @notice keccak256(abi.encode(index, l1Sender, l2Recipient, amount)).
    function priorityOpHash(uint256 index, address l1Sender, address l2Recipient, uint256 amount)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(index, l1Sender, l2Recipient, amount));
    }

    /// @notice keccak256(abi.encode(id, l2Sender, l1Recipient, amount)): a leaf of a withdrawals tree.
    function withdrawalLeaf(uint256 id, address l2Sender, address l1Recipient, uint256 amount)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(id, l2Sender, l1Recipient, amount));
    }

    /// @notice The root of the tree in which `leaf` sits at `index` with sibling path `proof` (leaf
    ///         to root; bit d of `index` set = the node is a right child at depth d). Indexes
    ///         beyond the tree (index >= 2**proof.length) answer 0, which no root equals.
    function withdrawalsRootFromProof(bytes32 leaf, uint256 index, bytes32[] calldata proof) public pure returns (bytes32) {
        uint256 depth = proof.length;
        if (depth < 256 && index >> depth != 0) return bytes32(0);
        bytes32 node = leaf;
        for (uint256 d; d < depth; ++d) {
            bytes32 sibling = proof[d];
            assembly ("memory-safe") {
                let right := and(shr(d, index), 1)
                // right child: keccak(sibling || node); left child: keccak(node || sibling)
                mstore(mul(right, 0x20), node)
                mstore(mul(sub(1, right), 0x20), sibling)
                node := keccak256(0x00, 0x40)
            }
        }
        return node;
    }

    /// @notice Pays withdrawal `id` (made on L2 by `l2Sender`) to `l1Recipient`, proven by the
    ///         leaf at `index` of executed batch `batchNumber`'s withdrawals tree. Anyone may call.
    function finalizeWithdrawal(
        uint256 batchNumber,
        uint256 id,
        address l2Sender,
        address l1Recipient,
        uint256 amount,
        uint256 index,
        bytes32[] calldata proof
    ) external {
        if (batchNumber > rollup.executedBatches()) revert BatchNotExecuted(batchNumber);
        if (isWithdrawalFinalized(id)) revert WithdrawalAlreadyFinalized(id);
        bytes32 root = rollup.withdrawalsRoot(batchNumber);
        bytes32 leaf = withdrawalLeaf(id, l2Sender, l1Recipient, amount);
        if (root == bytes32(0) || withdrawalsRootFromProof(leaf, index, proof) != root) revert InvalidWithdrawalProof();
        _finalized[id >> 8] |= 1 << (id & 0xff);
        (bool ok,) = l1Recipient.call{value: amount}("");
        if (!ok) revert WithdrawalPaymentFailed();
        emit WithdrawalFinalized(id, l1Recipient, amount, batchNumber);
    }
}

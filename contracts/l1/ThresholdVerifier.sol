// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVerifier} from "./IVerifier.sol";

/// @title ThresholdVerifier: accepts a range digest signed by at least `threshold` registered provers.
/// @notice A proof is k >= threshold concatenated 65-byte r || s || v signatures (v = 27 or 28) over
///         the raw digest (no "\x19Ethereum Signed Message" prefix), in strictly ascending order of
///         signer address, so no prover counts twice. Made by core/batches/commitment.ts
///         encodeThresholdProof. This is a validity attestation by the provers, not a ZK proof.
contract ThresholdVerifier is IVerifier {
    /// @dev secp256k1 group order / 2: a larger s is the malleable twin of a valid signature.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    uint256 private constant SIGNATURE_LENGTH = 65;

    address public owner;
    uint256 public threshold;
    uint256 public proverCount;
    mapping(address => bool) private _isProver;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event ProverAdded(address indexed prover);
    event ProverRemoved(address indexed prover);
    event ThresholdChanged(uint256 threshold);

    error NotOwner();
    error ZeroAddress();
    error AlreadyProver(address prover);
    error NotProver(address prover);
    error InvalidThreshold(uint256 threshold, uint256 proverCount);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor(address initialOwner, address[] memory provers, uint256 initialThreshold) {
        if (initialOwner == address(0)) revert ZeroAddress();
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
        for (uint256 i; i < provers.length; ++i) _addProver(provers[i]);
        _setThreshold(initialThreshold);
    }

    function isProver(address account) external view returns (bool) {
        return _isProver[account];
    }

    function addProver(address prover) external onlyOwner {
        _addProver(prover);
    }

    /// @notice Removing a prover must leave at least `threshold` provers: lower the threshold first.
    function removeProver(address prover) external onlyOwner {
        if (!_isProver[prover]) revert NotProver(prover);
        _isProver[prover] = false;
        uint256 count = proverCount - 1;
        proverCount = count;
        if (threshold > count) revert InvalidThreshold(threshold, count);
        emit ProverRemoved(prover);
    }

    function setThreshold(uint256 newThreshold) external onlyOwner {
        _setThreshold(newThreshold);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @inheritdoc IVerifier
    function verify(bytes32 digest, bytes calldata proof) external view returns (bool) {
        uint256 length = proof.length;
        if (length == 0 || length % SIGNATURE_LENGTH != 0) return false;
        if (length / SIGNATURE_LENGTH < threshold) return false;
        address previous = address(0);
        for (uint256 offset; offset < length; offset += SIGNATURE_LENGTH) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                r := calldataload(add(proof.offset, offset))
                s := calldataload(add(proof.offset, add(offset, 32)))
                v := byte(0, calldataload(add(proof.offset, add(offset, 64))))
            }
            if (v != 27 && v != 28) return false;
            if (uint256(s) > HALF_ORDER) return false;
            address signer = ecrecover(digest, v, r, s);
            // ecrecover answers 0 for an invalid signature; ascending order also excludes 0 and repeats.
            if (signer <= previous || !_isProver[signer]) return false;
            previous = signer;
        }
        return true;
    }

    function _addProver(address prover) private {
        if (prover == address(0)) revert ZeroAddress();
        if (_isProver[prover]) revert AlreadyProver(prover);
        _isProver[prover] = true;
        ++proverCount;
        emit ProverAdded(prover);
    }

    function _setThreshold(uint256 newThreshold) private {
        if (newThreshold == 0 || newThreshold > proverCount) revert InvalidThreshold(newThreshold, proverCount);
        threshold = newThreshold;
        emit ThresholdChanged(newThreshold);
    }
}

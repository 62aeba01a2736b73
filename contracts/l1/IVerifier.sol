// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Checks an aggregated proof for a range of batches. Rollup asks it about the range
///         digest (Rollup.rangeDigest); today ThresholdVerifier (prover signatures), later a zkVM
///         verifier taking its own proof bytes behind the same interface.
interface IVerifier {
    /// @return true if `proof` proves `digest`; false (never a revert) for any proof it refuses.
    function verify(bytes32 digest, bytes calldata proof) external view returns (bool);
}

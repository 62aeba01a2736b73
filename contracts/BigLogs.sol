// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title BigLogs: megabytes of log data within the block gas limit, for the tests of big receipts.
/// @notice `emitLogs(count, size)` fills `size` bytes of memory once and emits them `count` times,
///         as the data of a LOG1 whose topic is the log's index. Word j of the data is
///         (j + 1) * 0x9e3779b97f4a7c15 (mod 2^256): distinct, non-zero words a test can recompute.
///         Memory expansion is quadratic in size, so several logs of a few hundred KB cost far less
///         gas than one huge log.
contract BigLogs {
    function emitLogs(uint256 count, uint256 size) external {
        assembly {
            for { let off := 0 } lt(off, size) { off := add(off, 32) } {
                mstore(off, mul(add(shr(5, off), 1), 0x9e3779b97f4a7c15))
            }
            for { let k := 0 } lt(k, count) { k := add(k, 1) } {
                log1(0, size, k)
            }
            // Memory from 0 was overwritten, the free memory pointer with it: end here.
            stop()
        }
    }
}

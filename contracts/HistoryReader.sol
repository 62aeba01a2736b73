// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title HistoryReader: reads block hashes two ways, for the tests of EIP-2935.
/// @notice `hashes(from, count)` answers, for each block from `from` on, the hash EIP-2935's history
///         contract serves (its `get`: a staticcall with the 32-byte block number) and BLOCKHASH's.
///         A number the history contract refuses (it reverts outside its window) reads as zero.
contract HistoryReader {
    address constant HISTORY = 0x0000F90827F1C53a10cb7A02335B175320002935;

    function fromHistory(uint256 number) public view returns (bytes32) {
        (bool ok, bytes memory out) = HISTORY.staticcall(abi.encode(number));
        if (!ok || out.length != 32) return bytes32(0);
        return abi.decode(out, (bytes32));
    }

    function hashes(uint256 from, uint256 count) external view returns (bytes32[] memory history, bytes32[] memory blockHashes) {
        history = new bytes32[](count);
        blockHashes = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            history[i] = fromHistory(from + i);
            blockHashes[i] = blockhash(from + i);
        }
    }
}

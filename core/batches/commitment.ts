import { concatBytes } from '@ethereumjs/util';
import { encodeAbiParameters } from 'viem';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import { signerOf } from '../proving/signatures.ts';

/**
 * What L1 stores for one batch, as one hash: Rollup.sol's `BatchCommitment` struct field for
 * field, in this order. Batch 0 is the genesis (blocks 0..0, no data).
 */
export interface BatchCommitment {
  batchNumber: bigint;
  firstBlock: bigint;
  lastBlock: bigint;
  firstTimestamp: bigint;
  lastTimestamp: bigint;
  /** Priority operations (deposits) this batch consumed. */
  priorityOpsCount: bigint;
  prevStateRoot: Hex;
  newStateRoot: Hex;
  /** keccak256 of the batch data exactly as L1 receives it (compressed; see batchData.ts). */
  txDataHash: Hex;
  /** The priority queue's rolling hash after every operation consumed up to this batch. */
  priorityOpsRollingHash: Hex;
  /** Merkle root of the batch's withdrawal leaves (core/bridge/withdrawals.ts). */
  withdrawalsRoot: Hex;
}

export const BATCH_COMMITMENT_ABI = [
  {
    type: 'tuple',
    components: [
      { name: 'batchNumber', type: 'uint64' },
      { name: 'firstBlock', type: 'uint64' },
      { name: 'lastBlock', type: 'uint64' },
      { name: 'firstTimestamp', type: 'uint64' },
      { name: 'lastTimestamp', type: 'uint64' },
      { name: 'priorityOpsCount', type: 'uint64' },
      { name: 'prevStateRoot', type: 'bytes32' },
      { name: 'newStateRoot', type: 'bytes32' },
      { name: 'txDataHash', type: 'bytes32' },
      { name: 'priorityOpsRollingHash', type: 'bytes32' },
      { name: 'withdrawalsRoot', type: 'bytes32' },
    ],
  },
] as const;

/** keccak256(abi.encode(commitment)): the one hash per batch L1 stores. */
export function batchHash(c: BatchCommitment): Hex {
  return keccakHex(encodeAbiParameters(BATCH_COMMITMENT_ABI, [c]));
}

/** Domain and version of aggregated (batch range) proofs; part of what is signed. */
export const BATCH_PROOF_DOMAIN = 'edge-rollup batch proof';
export const BATCH_PROOF_VERSION = 1n;

export interface BatchRange {
  /** The L1's chain id (`block.chainid`): a proof for one L1 is useless on another. */
  l1ChainId: bigint;
  /** L2 chain id. */
  chainId: bigint;
  /** The L1 rollup contract the proof is for: a proof for one deployment is useless to another. */
  rollup: Hex;
  firstBatch: bigint;
  lastBatch: bigint;
  /** batchHash of each batch firstBatch..lastBatch, in order. */
  batchHashes: Hex[];
}

/**
 * keccak256(abi.encode(keccak256(domain), version, l1ChainId, chainId, rollup, firstBatch,
 * lastBatch, keccak256(abi.encodePacked(batchHashes)))): the digest every prover of an aggregated
 * proof signs and Rollup.sol recomputes (with block.chainid) before asking the verifier.
 */
export function batchRangeDigest(r: BatchRange): Hex {
  if (BigInt(r.batchHashes.length) !== r.lastBatch - r.firstBatch + 1n) throw new RangeError('one batch hash per batch of the range');
  const rangeHash = keccakHex(concatBytes(...r.batchHashes.map(hexToBytes)));
  return keccakHex(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'bytes32' },
      ],
      [keccakHex(new TextEncoder().encode(BATCH_PROOF_DOMAIN)), BATCH_PROOF_VERSION, r.l1ChainId, r.chainId, r.rollup, r.firstBatch, r.lastBatch, rangeHash],
    ),
  );
}

/**
 * The aggregated proof ThresholdVerifier.sol checks: the provers' 65-byte signatures over the
 * range digest, concatenated in strictly ascending order of signer address (so no signer counts
 * twice). A zkVM verifier behind the same IVerifier would take its own proof bytes instead.
 */
export function encodeThresholdProof(digest: Hex, signatures: Hex[]): Hex {
  const bySigner = signatures.map((s) => ({ s, signer: BigInt(signerOf(digest, s)) }));
  bySigner.sort((a, b) => (a.signer < b.signer ? -1 : a.signer > b.signer ? 1 : 0));
  for (let i = 1; i < bySigner.length; i++)
    if (bySigner[i].signer === bySigner[i - 1].signer) throw new Error('a prover signed twice: one signature per prover');
  return bytesToHex(concatBytes(...bySigner.map((x) => hexToBytes(x.s))));
}

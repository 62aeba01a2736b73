import { bigIntToBytes, concatBytes, setLengthLeft } from '@ethereumjs/util';
import { encodeBlockData } from '../batches/batchData.ts';
import { rollingHashOf } from '../bridge/priorityOps.ts';
import { type Withdrawal, withdrawalLeaf } from '../bridge/withdrawals.ts';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccak, keccakHex } from '../chain/keccak.ts';
import type { Reexecution } from './reexecute.ts';
import { addressOf, signDigest, signerOf } from './signatures.ts';
import type { BlockTrace } from './trace.ts';

/**
 * Domain and version of block statements; part of what is signed. Version 2 added the priority
 * queue's rolling hashes around the block, its operation count, and the hashes of its withdrawals
 * and of its batch data: what aggregation checks batch commitments against. Version 3 added the
 * parent hash, which aggregation chains from block to block (and which the prover checked the
 * block's base fee, timestamp and BLOCKHASH answers against).
 */
export const BLOCK_STATEMENT_VERSION = 3;
const DOMAIN = 'edge-rollup block proof';

/** What a prover attests for one block after re-executing it from its trace. */
export interface BlockStatement {
  chainId: bigint;
  blockNumber: bigint;
  blockHash: Hex;
  /** The hash of the parent header the prover checked the block's environment against. */
  parentHash: Hex;
  preStateRoot: Hex;
  postStateRoot: Hex;
  receiptsRoot: Hex;
  traceHash: Hex;
  priorityOpsRollingHashBefore: Hex;
  priorityOpsRollingHashAfter: Hex;
  priorityOpsCount: bigint;
  /** keccak256 of the block's withdrawal leaves, concatenated in order. */
  withdrawalsHash: Hex;
  /** keccak256 of encodeBlockData(block): its share of the batch data L1 receives. */
  blockDataHash: Hex;
}

export interface BlockProof {
  statement: BlockStatement;
  /** keccak of the statement's encoding: the digest signed. */
  digest: Hex;
  /** 65-byte r || s || v (v = 27 or 28), as Solidity's ecrecover takes it. */
  signature: Hex;
  prover: Hex;
}

const word = (n: bigint) => setLengthLeft(bigIntToBytes(n), 32);

/**
 * keccak256(keccak256(domain) || version || chainId || number || blockHash || parentHash || preStateRoot ||
 * postStateRoot || receiptsRoot || traceHash || rollingHashBefore || rollingHashAfter ||
 * priorityOpsCount || withdrawalsHash || blockDataHash), each field 32 bytes.
 */
export function statementDigest(s: BlockStatement): Hex {
  return bytesToHex(
    keccak(
      concatBytes(
        keccak(new TextEncoder().encode(DOMAIN)),
        word(BigInt(BLOCK_STATEMENT_VERSION)),
        word(s.chainId),
        word(s.blockNumber),
        hexToBytes(s.blockHash),
        hexToBytes(s.parentHash),
        hexToBytes(s.preStateRoot),
        hexToBytes(s.postStateRoot),
        hexToBytes(s.receiptsRoot),
        hexToBytes(s.traceHash),
        hexToBytes(s.priorityOpsRollingHashBefore),
        hexToBytes(s.priorityOpsRollingHashAfter),
        word(s.priorityOpsCount),
        hexToBytes(s.withdrawalsHash),
        hexToBytes(s.blockDataHash),
      ),
    ),
  );
}

/** keccak256 of the leaves concatenated: binds a block's withdrawals, in order. */
export function withdrawalsHash(withdrawals: Withdrawal[]): Hex {
  return keccakHex(concatBytes(...withdrawals.map((w) => hexToBytes(withdrawalLeaf(w)))));
}

/** The statement for a block re-executed from `trace` (whose encoding is `traceBytes`). */
export function statementFor(trace: BlockTrace, result: Reexecution, traceBytes: Uint8Array): BlockStatement {
  return {
    chainId: trace.chainId,
    blockNumber: trace.env.number,
    blockHash: result.blockHash,
    parentHash: trace.env.parentHash,
    preStateRoot: trace.preStateRoot,
    postStateRoot: result.stateRoot,
    receiptsRoot: result.receiptsRoot,
    traceHash: keccakHex(traceBytes),
    priorityOpsRollingHashBefore: trace.priorityOpsRollingHashBefore,
    priorityOpsRollingHashAfter: rollingHashOf(trace.priorityOpsRollingHashBefore, trace.priorityOps),
    priorityOpsCount: BigInt(trace.priorityOps.length),
    withdrawalsHash: withdrawalsHash(result.withdrawals),
    blockDataHash: keccakHex(
      encodeBlockData({
        number: trace.env.number,
        timestamp: trace.env.timestamp,
        priorityOps: BigInt(trace.priorityOps.length),
        transactions: trace.transactions,
      }),
    ),
  };
}

export function signStatement(statement: BlockStatement, privateKey: Hex): BlockProof {
  const digest = statementDigest(statement);
  return { statement, digest, signature: signDigest(digest, privateKey), prover: addressOf(privateKey) };
}

/** The address that signed a proof's digest, as ecrecover on L1 would find it. */
export function recoverProver(proof: Pick<BlockProof, 'digest' | 'signature'>): Hex {
  return signerOf(proof.digest, proof.signature);
}

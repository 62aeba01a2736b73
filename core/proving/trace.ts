import { RLP } from '@ethereumjs/rlp';
import { bigIntToUnpaddedBytes, bytesToBigInt, concatBytes } from '@ethereumjs/util';
import type { PriorityOp } from '../bridge/priorityOps.ts';
import type { Withdrawal } from '../bridge/withdrawals.ts';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import type { BlockEnv } from '../execution/executeBlock.ts';

/**
 * First byte of every trace blob; a decoder refuses versions it does not know. Version 2 added the
 * block's L1 priority operations and the withdrawals it made; version 3 the chain of ancestor
 * headers, from the parent back to the oldest block BLOCKHASH read.
 */
export const TRACE_VERSION = 3;

/**
 * Most headers a trace carries: the parent and its ancestors back to the oldest block BLOCKHASH can
 * reach (the 256 blocks before the traced one).
 */
export const MAX_TRACE_HEADERS = 256;

/**
 * Everything a stateless prover needs to re-execute one block: its environment, its transactions,
 * the pre-state as trie nodes and code (each verified by its hash against the pre-state root),
 * the block hashes BLOCKHASH read, the ancestor headers that vouch for them and for the block's
 * environment, and what the sequencer claims came out.
 */
export interface BlockTrace {
  chainId: bigint;
  env: BlockEnv;
  preStateRoot: Hex;
  /** The priority queue's rolling hash before the block's operations. */
  priorityOpsRollingHashBefore: Hex;
  /** L1 priority operations applied at the block's start, continuing the queue. */
  priorityOps: PriorityOp[];
  transactions: Hex[];
  nodes: Uint8Array[];
  codes: Uint8Array[];
  /** BLOCKHASH answers the block's execution got, by block number. */
  blockHashes: [bigint, Hex][];
  /**
   * RLP of the parent header and of each ancestor before it, newest first, back to the oldest block
   * in `blockHashes` (at most MAX_TRACE_HEADERS): each hashes to the parentHash of the one before,
   * the first to `env.parentHash`.
   */
  headers: Uint8Array[];
  claimed: BlockClaims;
}

/** What executing a block produced, as its header commits to it. */
export interface BlockClaims {
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  gasUsed: bigint;
  blockHash: Hex;
  withdrawals: Withdrawal[];
}

export function claimsOf(header: RpcBlockHeader, withdrawals: Withdrawal[]): BlockClaims {
  return {
    withdrawals,
    stateRoot: header.stateRoot,
    transactionsRoot: header.transactionsRoot,
    receiptsRoot: header.receiptsRoot,
    logsBloom: header.logsBloom,
    gasUsed: BigInt(header.gasUsed),
    blockHash: header.hash,
  };
}

const int = (n: bigint) => bigIntToUnpaddedBytes(n);
const b = (h: Hex) => hexToBytes(h);

export function encodeTrace(t: BlockTrace): Uint8Array {
  const e = t.env;
  const c = t.claimed;
  const body = RLP.encode([
    int(t.chainId),
    [int(e.number), b(e.parentHash), int(e.timestamp), int(e.baseFeePerGas), int(e.gasLimit), b(e.coinbase), b(e.prevRandao)],
    b(t.preStateRoot),
    b(t.priorityOpsRollingHashBefore),
    t.priorityOps.map((op) => [int(op.index), b(op.l1Sender), b(op.l2Recipient), int(op.amount)]),
    t.transactions.map(b),
    t.nodes,
    t.codes,
    t.blockHashes.map(([n, h]) => [int(n), b(h)]),
    t.headers,
    [
      b(c.stateRoot),
      b(c.transactionsRoot),
      b(c.receiptsRoot),
      b(c.logsBloom),
      int(c.gasUsed),
      b(c.blockHash),
      c.withdrawals.map((w) => [int(w.id), b(w.l2Sender), b(w.l1Recipient), int(w.amount)]),
    ],
  ]);
  return concatBytes(new Uint8Array([TRACE_VERSION]), body);
}

export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
}

export function decodeTrace(bytes: Uint8Array): BlockTrace {
  if (bytes[0] !== TRACE_VERSION) throw new TraceFormatError(`unknown trace version ${bytes[0]}, this prover reads version ${TRACE_VERSION}`);
  let decoded: unknown;
  try {
    decoded = RLP.decode(bytes.subarray(1));
  } catch (e) {
    throw new TraceFormatError(`trace is not valid RLP: ${(e as Error).message}`);
  }
  try {
    return traceFrom(decoded);
  } catch (e) {
    throw new TraceFormatError(`trace does not have the version ${TRACE_VERSION} shape: ${(e as Error).message}`);
  }
}

function traceFrom(decoded: unknown): BlockTrace {
  if (!Array.isArray(decoded) || decoded.length !== 11) throw new Error('the body is not a list of 11 fields');
  const [chainId, env, pre, rollingBefore, ops, txs, nodes, codes, hashes, headers, claimed] = decoded as [
    Uint8Array,
    Uint8Array[],
    Uint8Array,
    Uint8Array,
    Uint8Array[][],
    Uint8Array[],
    Uint8Array[],
    Uint8Array[],
    Uint8Array[][],
    Uint8Array[],
    [...Uint8Array[], Uint8Array[][]],
  ];
  if (!Array.isArray(headers) || !headers.every((h) => h instanceof Uint8Array)) throw new Error('headers must be a list of byte strings');
  if (headers.length > MAX_TRACE_HEADERS) throw new Error(`${headers.length} headers, more than ${MAX_TRACE_HEADERS}`);
  if (hashes.length > MAX_TRACE_HEADERS) throw new Error(`${hashes.length} BLOCKHASH answers, more than ${MAX_TRACE_HEADERS}`);
  const big = (x: Uint8Array) => {
    if (!(x instanceof Uint8Array)) throw new Error('expected bytes, found a list');
    return bytesToBigInt(x);
  };
  const hex = (x: Uint8Array) => {
    if (!(x instanceof Uint8Array)) throw new Error('expected bytes, found a list');
    return bytesToHex(x);
  };
  return {
    chainId: big(chainId),
    env: {
      number: big(env[0]),
      parentHash: hex(env[1]),
      timestamp: big(env[2]),
      baseFeePerGas: big(env[3]),
      gasLimit: big(env[4]),
      coinbase: hex(env[5]),
      prevRandao: hex(env[6]),
    },
    preStateRoot: hex(pre),
    priorityOpsRollingHashBefore: hex(rollingBefore),
    priorityOps: ops.map(([index, from, to, amount]) => ({ index: big(index), l1Sender: hex(from), l2Recipient: hex(to), amount: big(amount) })),
    transactions: txs.map((x) => hex(x)),
    nodes,
    codes,
    blockHashes: hashes.map(([n, h]) => [big(n), hex(h)]),
    headers,
    claimed: {
      stateRoot: hex(claimed[0] as Uint8Array),
      transactionsRoot: hex(claimed[1] as Uint8Array),
      receiptsRoot: hex(claimed[2] as Uint8Array),
      logsBloom: hex(claimed[3] as Uint8Array),
      gasUsed: big(claimed[4] as Uint8Array),
      blockHash: hex(claimed[5] as Uint8Array),
      withdrawals: (claimed[6] as Uint8Array[][]).map(([id, from, to, amount]) => ({
        id: big(id),
        l2Sender: hex(from),
        l1Recipient: hex(to),
        amount: big(amount),
      })),
    },
  };
}

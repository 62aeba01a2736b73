import { RLP } from '@ethereumjs/rlp';
import { bigIntToUnpaddedBytes, bytesToBigInt, concatBytes } from '@ethereumjs/util';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import type { BlockEnv } from '../execution/executeBlock.ts';

/** First byte of every trace blob; a decoder refuses versions it does not know. */
export const TRACE_VERSION = 1;

/**
 * Everything a stateless prover needs to re-execute one block: its environment, its transactions,
 * the pre-state as trie nodes and code (each verified by its hash against the pre-state root),
 * the block hashes BLOCKHASH read, and what the sequencer claims came out.
 */
export interface BlockTrace {
  chainId: bigint;
  env: BlockEnv;
  preStateRoot: Hex;
  transactions: Hex[];
  nodes: Uint8Array[];
  codes: Uint8Array[];
  blockHashes: [bigint, Hex][];
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
}

export function claimsOf(header: RpcBlockHeader): BlockClaims {
  return {
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
    t.transactions.map(b),
    t.nodes,
    t.codes,
    t.blockHashes.map(([n, h]) => [int(n), b(h)]),
    [b(c.stateRoot), b(c.transactionsRoot), b(c.receiptsRoot), b(c.logsBloom), int(c.gasUsed), b(c.blockHash)],
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
  const [chainId, env, pre, txs, nodes, codes, hashes, claimed] = decoded as [
    Uint8Array,
    Uint8Array[],
    Uint8Array,
    Uint8Array[],
    Uint8Array[],
    Uint8Array[],
    Uint8Array[][],
    Uint8Array[],
  ];
  const big = (x: Uint8Array) => bytesToBigInt(x);
  return {
    chainId: big(chainId),
    env: {
      number: big(env[0]),
      parentHash: bytesToHex(env[1]),
      timestamp: big(env[2]),
      baseFeePerGas: big(env[3]),
      gasLimit: big(env[4]),
      coinbase: bytesToHex(env[5]),
      prevRandao: bytesToHex(env[6]),
    },
    preStateRoot: bytesToHex(pre),
    transactions: txs.map((x) => bytesToHex(x)),
    nodes,
    codes,
    blockHashes: hashes.map(([n, h]) => [big(n), bytesToHex(h)]),
    claimed: {
      stateRoot: bytesToHex(claimed[0]),
      transactionsRoot: bytesToHex(claimed[1]),
      receiptsRoot: bytesToHex(claimed[2]),
      logsBloom: bytesToHex(claimed[3]),
      gasUsed: big(claimed[4]),
      blockHash: bytesToHex(claimed[5]),
    },
  };
}

import { RLP } from '@ethereumjs/rlp';
import { bigIntToUnpaddedBytes, bytesToBigInt } from '@ethereumjs/util';
import { deflateSync, inflateSync } from 'fflate';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';

/** What L1 receives of one block: enough, with the L1 priority queue, to replay the chain. */
export interface BlockData {
  number: bigint;
  timestamp: bigint;
  /** Priority operations applied at the block's start, in queue order. */
  priorityOps: bigint;
  /** Signed transactions, as submitted. */
  transactions: Hex[];
}

/** First byte of batch data; a reader refuses versions it does not know. */
export const BATCH_DATA_VERSION = 1;

const int = (n: bigint) => bigIntToUnpaddedBytes(n);

/** RLP([[number, timestamp, priorityOps, [tx...]]...]) of one block, uncompressed: its share of a batch. */
export function encodeBlockData(b: BlockData): Uint8Array {
  return RLP.encode([int(b.number), int(b.timestamp), int(b.priorityOps), b.transactions.map(hexToBytes)]);
}

/**
 * A batch's data as L1 receives it in calldata: a version byte, then the raw-deflate of the RLP
 * list of its blocks' data. fflate is pure JavaScript and pinned, so the sequencer (workerd) and
 * any checker (Node) produce the same bytes, and L1 hashes exactly what it was sent.
 */
export function encodeBatchData(blocks: Uint8Array[]): Uint8Array {
  const body = deflateSync(RLP.encode(blocks.map((b) => RLP.decode(b) as Uint8Array[])), { level: 6 });
  const out = new Uint8Array(body.length + 1);
  out[0] = BATCH_DATA_VERSION;
  out.set(body, 1);
  return out;
}

export function decodeBatchData(data: Uint8Array): BlockData[] {
  if (data[0] !== BATCH_DATA_VERSION) throw new Error(`unknown batch data version ${data[0]}`);
  const blocks = RLP.decode(inflateSync(data.subarray(1))) as unknown as [Uint8Array, Uint8Array, Uint8Array, Uint8Array[]][];
  return blocks.map(([n, t, p, txs]) => ({
    number: bytesToBigInt(n),
    timestamp: bytesToBigInt(t),
    priorityOps: bytesToBigInt(p),
    transactions: txs.map((x) => bytesToHex(x) as Hex),
  }));
}

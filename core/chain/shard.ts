import { type Hex, hexToBytes } from './hex.ts';
import { keccak } from './keccak.ts';

/** The D1 state shard that holds an address's (or a code hash's) rows: first byte of its keccak. */
export function shardOf(key: Hex, shards: number): number {
  return keccak(hexToBytes(key))[0] % shards;
}

import { type Hex, hexToBytes } from './hex.ts';
import { keccak } from './keccak.ts';
import type { RpcLog } from './types.ts';

/**
 * Most addresses one log filter may name, and most alternatives per topic position. With the
 * block range and the row limit, the D1 query of the largest filter binds 2 + 32 + 4 * 16 + 1 = 99
 * parameters: within the 100 that D1 and Durable Object SQLite allow per statement.
 */
export const MAX_LOG_ADDRESSES = 32;
export const MAX_LOG_TOPIC_ALTERNATIVES = 16;
export const MAX_LOG_TOPIC_POSITIONS = 4;

export interface LogFilter {
  addresses: Hex[];
  /** Per position: null matches any topic, else any of the listed ones. */
  topics: (Hex[] | null)[];
}

export function matchesLog(log: RpcLog, f: LogFilter): boolean {
  if (f.addresses.length > 0 && !f.addresses.includes(log.address.toLowerCase() as Hex)) return false;
  for (let i = 0; i < f.topics.length; i++) {
    const want = f.topics[i];
    if (!want || want.length === 0) continue;
    const have = log.topics[i]?.toLowerCase() as Hex | undefined;
    if (!have || !want.includes(have)) return false;
  }
  return true;
}

/** Bytes of log data and topics: what the result-size limit of eth_getLogs counts. */
export function logSize(log: RpcLog): number {
  return (log.data.length - 2) / 2 + 32 * log.topics.length;
}

/** The three bits a value sets in a 2048-bit logs bloom (Yellow Paper M3:2048), as [byte, mask]. */
function bloomBits(value: Hex): [number, number][] {
  const h = keccak(hexToBytes(value));
  const out: [number, number][] = [];
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 2047;
    out.push([255 - (bit >> 3), 1 << (bit & 7)]);
  }
  return out;
}

/**
 * A test of a block's logsBloom that is false only when no log of the block can match `f`: the
 * block has logs (an empty bloom has no bit set), and every group (the addresses, each topic
 * position with alternatives) has a member in the bloom. The bits are computed once per filter, so
 * a block costs a few byte reads.
 */
export function bloomMatcher(f: LogFilter): (logsBloom: Hex) => boolean {
  const groups = [f.addresses, ...f.topics].filter((g): g is Hex[] => !!g && g.length > 0).map((g) => g.map(bloomBits));
  return (logsBloom) => {
    if (groups.length === 0) return !/^0x0*$/.test(logsBloom);
    const bloom = hexToBytes(logsBloom);
    return groups.every((g) => g.some((bits) => bits.every(([byte, mask]) => (bloom[byte] & mask) !== 0)));
  };
}

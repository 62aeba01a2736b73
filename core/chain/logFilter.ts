import type { Hex } from './hex.ts';
import type { RpcLog } from './types.ts';

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

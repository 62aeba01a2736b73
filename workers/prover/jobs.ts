import type { Hex } from '../../core/chain/hex.ts';

/** One proving job per sealed block. The message names the blob, never carries it (128 KB limit). */
export interface ProvingJob {
  block: number;
  blockHash: Hex;
  /** R2 key of the trace blob: immutable, one per block and hash. */
  key: string;
  /** keccak256 of the blob: the consumer refuses any other bytes. */
  traceHash: Hex;
}

export function traceKey(chainId: bigint, block: number, blockHash: Hex): string {
  return `traces/v1/${chainId}/${String(block).padStart(12, '0')}-${blockHash}.bin`;
}

export const PROVING_DEAD_LETTER_QUEUE = 'edge-rollup-proving-dlq';

import type { Hex } from '../chain/hex.ts';

/** One proving job per sealed block. The message names the blob, never carries it (128 KB limit). */
export interface ProvingJob {
  block: number;
  blockHash: Hex;
  /** R2 key of the trace blob: immutable, one per block and hash. */
  key: string;
  /** keccak256 of the blob: the consumer refuses any other bytes. */
  traceHash: Hex;
  /** Set on a job sent again by the proving reconciler (core/proving/reconcile.ts): its resend count. */
  resend?: number;
}

export function traceKey(chainId: bigint, block: number, blockHash: Hex): string {
  return `traces/v1/${chainId}/${String(block).padStart(12, '0')}-${blockHash}.bin`;
}

/** Queue sendBatch takes at most 100 messages. */
export const QUEUE_BATCH_MAX = 100;

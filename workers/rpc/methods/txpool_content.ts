import { expectParams } from '../params.ts';
import { bySender, poolTransactions } from '../txpool.ts';
import type { Handler } from './types.ts';

/** Pooled transactions by sender and nonce, pending and queued; at most MAX_TXPOOL_LISTED (README, Limits). */
export const txpool_content: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  const { pending, queued } = await poolTransactions(c);
  return { pending: bySender(pending, (t) => t), queued: bySender(queued, (t) => t) };
};

import { toQuantity } from '../../../core/chain/hex.ts';
import type { PoolContent } from '../../../core/txpool/pool.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** How many pooled transactions can run in turn (pending) and how many wait behind a nonce gap (queued). */
export const txpool_status: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  const content = (await c.sequencer.txpoolContent(0)) as PoolContent;
  return { pending: toQuantity(content.pendingCount), queued: toQuantity(content.queuedCount) };
};

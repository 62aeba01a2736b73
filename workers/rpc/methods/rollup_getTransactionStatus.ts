import { toQuantity } from '../../../core/chain/hex.ts';
import type { TransactionStatus } from '../../../core/sequencer/sequencer.ts';
import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Where a transaction ended, so that an acknowledged one never vanishes without a trace:
 * `included` (with `blockNumber`, `blockHash`), `pending` (in the pool), `dropped` (taken out of
 * the pool without a block: `reason`, and `droppedAt` in unix seconds; the sender's nonce was not
 * consumed, so it may be sent again) or `unknown` (never acknowledged, or dropped longer ago than
 * the record keeps: 7 days, the newest 100,000 drops). A transaction whose block the sequencer
 * pruned (core/sequencer/prune.ts) is found in the D1 index.
 */
export const rollup_getTransactionStatus: Handler = async (params, c) => {
  const [h] = expectParams(params, 1, 1);
  const hash = hash32(h, 'transaction hash');
  let s = (await c.sequencer.transactionStatus(hash)) as TransactionStatus;
  if (s.status === 'unknown') {
    const r = await c.index.receipt(hash);
    if (r) s = { status: 'included', blockNumber: BigInt(r.blockNumber), blockHash: r.blockHash };
  }
  switch (s.status) {
    case 'included':
      return { status: s.status, blockNumber: toQuantity(s.blockNumber), blockHash: s.blockHash };
    case 'dropped':
      return { status: s.status, reason: s.reason, droppedAt: toQuantity(Math.floor(s.droppedAt / 1000)) };
    default:
      return { status: s.status };
  }
};

import { address, expectParams } from '../params.ts';
import { poolTransactions } from '../txpool.ts';
import type { Handler } from './types.ts';

/** One sender's pooled transactions by nonce (all of them: a sender holds at most 1024). */
export const txpool_contentFrom: Handler = async (params, c) => {
  const [a] = expectParams(params, 1, 1);
  const { pending, queued } = await poolTransactions(c, address(a));
  const byNonce = (txs: typeof pending) => Object.fromEntries(txs.map((t) => [BigInt(t.nonce).toString(), t]));
  return { pending: byNonce(pending), queued: byNonce(queued) };
};

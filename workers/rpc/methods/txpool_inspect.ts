import { getAddress } from 'viem';
import type { RpcTransaction } from '../../../core/chain/types.ts';
import { expectParams } from '../params.ts';
import { bySender, poolTransactions } from '../txpool.ts';
import type { Handler } from './types.ts';

/** Geth's one-line summary of a pooled transaction. */
function summary(t: RpcTransaction): string {
  const to = t.to ? getAddress(t.to) : 'contract creation';
  return `${to}: ${BigInt(t.value)} wei + ${BigInt(t.gas)} gas × ${BigInt(t.maxFeePerGas ?? t.gasPrice)} wei`;
}

/** The pool as txpool_content, each transaction summarised in a line; at most MAX_TXPOOL_LISTED. */
export const txpool_inspect: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  const { pending, queued } = await poolTransactions(c);
  return { pending: bySender(pending, summary), queued: bySender(queued, summary) };
};

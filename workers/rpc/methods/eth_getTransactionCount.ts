import { toQuantity } from '../../../core/chain/hex.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import { address, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** With "pending", counts the sender's gap-free transactions waiting in the pool too. */
export const eth_getTransactionCount: Handler = async (params, c) => {
  const [a, tag] = expectParams(params, 1, 2);
  const addr = address(a);
  if (tag === 'pending') return toQuantity((await c.sequencer.pendingNonce(addr)) as bigint);
  const n = await c.existingBlock(tag);
  const fromSequencer = async () => {
    const r = await c.sequencer.account(addr, n);
    if ('error' in r) throw fromErrorObject(r.error);
    return r.ok.nonce;
  };
  if (!(await c.servedByIndex(n))) return toQuantity(await fromSequencer());
  return toQuantity(await c.indexed(async () => (await c.index.account(addr, Number(n)))?.nonce ?? 0n, fromSequencer));
};

import { toQuantity } from '../../../core/chain/hex.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import { address, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getBalance: Handler = async (params, c) => {
  const [a, tag] = expectParams(params, 1, 2);
  const addr = address(a);
  const n = await c.existingBlock(tag);
  const fromSequencer = async () => {
    const r = await c.sequencer.account(addr, n);
    if ('error' in r) throw fromErrorObject(r.error);
    return r.ok.balance;
  };
  if (!(await c.servedByIndex(n))) return toQuantity(await fromSequencer());
  return toQuantity(await c.indexed(async () => (await c.index.account(addr, Number(n)))?.balance ?? 0n, fromSequencer));
};

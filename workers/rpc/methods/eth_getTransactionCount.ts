import { toQuantity } from '../../../core/chain/hex.ts';
import { accountAt } from '../accountAt.ts';
import { address, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** With "pending", counts the sender's gap-free transactions waiting in the pool too. */
export const eth_getTransactionCount: Handler = async (params, c) => {
  const [a, tag] = expectParams(params, 1, 2);
  const addr = address(a);
  if (tag === 'pending') return toQuantity((await c.sequencer.pendingNonce(addr)) as bigint);
  return toQuantity((await accountAt(c, addr, await c.existingBlock(tag))).nonce);
};

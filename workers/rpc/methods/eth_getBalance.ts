import { toQuantity } from '../../../core/chain/hex.ts';
import { accountAt } from '../accountAt.ts';
import { address, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getBalance: Handler = async (params, c) => {
  const [a, tag] = expectParams(params, 1, 2);
  const addr = address(a);
  return toQuantity((await accountAt(c, addr, await c.existingBlock(tag))).balance);
};

import { toQuantity } from '../../../core/chain/hex.ts';
import { blockByNumber } from '../blocks.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getBlockTransactionCountByNumber: Handler = async (params, c) => {
  const [tag] = expectParams(params, 1, 1);
  const block = await blockByNumber(c, await c.blockNumber(tag), false);
  return block ? toQuantity(block.transactions.length) : null;
};

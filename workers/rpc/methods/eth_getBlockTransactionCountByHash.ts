import { toQuantity } from '../../../core/chain/hex.ts';
import { blockByHash } from '../blocks.ts';
import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getBlockTransactionCountByHash: Handler = async (params, c) => {
  const [h] = expectParams(params, 1, 1);
  const block = await blockByHash(c, hash32(h, 'block hash'), false);
  return block ? toQuantity(block.transactions.length) : null;
};

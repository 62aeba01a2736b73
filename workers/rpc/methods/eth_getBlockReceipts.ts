import { blockByHash, blockByNumber, receiptsOf } from '../blocks.ts';
import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getBlockReceipts: Handler = async (params, c) => {
  const [tag] = expectParams(params, 1, 1);
  const byHash = typeof tag === 'string' && tag.length === 66;
  const block = byHash ? await blockByHash(c, hash32(tag), false) : await blockByNumber(c, await c.blockNumber(tag), false);
  return block ? receiptsOf(c, block) : null;
};

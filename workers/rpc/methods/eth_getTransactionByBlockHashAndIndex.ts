import { blockByHash } from '../blocks.ts';
import { expectParams, hash32, quantity } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getTransactionByBlockHashAndIndex: Handler = async (params, c) => {
  const [h, i] = expectParams(params, 2, 2);
  const index = Number(quantity(i, 'index'));
  const block = await blockByHash(c, hash32(h, 'block hash'), true);
  return block?.transactions[index] ?? null;
};

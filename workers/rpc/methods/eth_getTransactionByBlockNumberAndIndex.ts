import { blockByNumber } from '../blocks.ts';
import { expectParams, quantity } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getTransactionByBlockNumberAndIndex: Handler = async (params, c) => {
  const [tag, i] = expectParams(params, 2, 2);
  const index = Number(quantity(i, 'index'));
  const block = await blockByNumber(c, await c.blockNumber(tag), true);
  return block?.transactions[index] ?? null;
};

import { blockByNumber } from '../blocks.ts';
import { bool, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getBlockByNumber: Handler = async (params, c) => {
  const [tag, full] = expectParams(params, 1, 2);
  return blockByNumber(c, await c.blockNumber(tag), bool(full, 'hydrated transactions flag'));
};

import { toQuantity } from '../../../core/chain/hex.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_blockNumber: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  return toQuantity(await c.headNumber());
};

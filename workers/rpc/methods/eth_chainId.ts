import { toQuantity } from '../../../core/chain/hex.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_chainId: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  return toQuantity(c.config.chainId);
};

import { toQuantity } from '../../../core/chain/hex.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** Blocks are not full and ordering is by arrival: a token tip is enough (0.001 gwei). */
export const SUGGESTED_PRIORITY_FEE = 1_000_000n;

export const eth_maxPriorityFeePerGas: Handler = async (params) => {
  expectParams(params, 0, 0);
  return toQuantity(SUGGESTED_PRIORITY_FEE);
};

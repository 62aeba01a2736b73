import { toQuantity } from '../../../core/chain/hex.ts';
import { expectParams } from '../params.ts';
import { SUGGESTED_PRIORITY_FEE } from './eth_maxPriorityFeePerGas.ts';
import type { Handler } from './types.ts';

/** The next block's base fee plus the suggested tip. */
export const eth_gasPrice: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  return toQuantity(((await c.sequencer.nextBaseFee()) as bigint) + SUGGESTED_PRIORITY_FEE);
};

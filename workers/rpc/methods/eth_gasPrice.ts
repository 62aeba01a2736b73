import { toQuantity } from '../../../core/chain/hex.ts';
import { expectParams } from '../params.ts';
import { SUGGESTED_PRIORITY_FEE } from './eth_maxPriorityFeePerGas.ts';
import type { Handler } from './types.ts';

/**
 * A legacy gas price that eth_estimateGas accepts and the next blocks include: the greater of the
 * head's base fee and the next block's (with one block's rise), plus the suggested tip.
 */
export const eth_gasPrice: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  return toQuantity(((await c.sequencer.gasPriceBaseFee()) as bigint) + SUGGESTED_PRIORITY_FEE);
};

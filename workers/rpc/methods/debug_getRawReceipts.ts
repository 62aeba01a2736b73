import { rawReceipt } from '../../../core/chain/rawForms.ts';
import { existingBlockByParam, receiptsOf } from '../blocks.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** The EIP-2718 encodings of a block's receipts, in order, by number, tag or hash. */
export const debug_getRawReceipts: Handler = async (params, c) => {
  const [tag] = expectParams(params, 1, 1);
  return (await receiptsOf(c, await existingBlockByParam(c, tag, false))).map(rawReceipt);
};

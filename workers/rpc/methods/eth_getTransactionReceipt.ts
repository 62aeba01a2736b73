import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/** D1 first; a receipt of a block sealed but not yet indexed comes from the sequencer. */
export const eth_getTransactionReceipt: Handler = async (params, c) => {
  const [h] = expectParams(params, 1, 1);
  const hash = hash32(h);
  return (await c.index.receipt(hash)) ?? (await c.sequencer.receipt(hash));
};

import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/** D1 first; the sequencer answers for transactions not indexed yet, pending ones included. */
export const eth_getTransactionByHash: Handler = async (params, c) => {
  const [h] = expectParams(params, 1, 1);
  const hash = hash32(h);
  return (await c.index.transaction(hash)) ?? (await c.sequencer.transaction(hash));
};

import { expectParams, hash32 } from '../params.ts';
import { rawTransactionByHash } from './eth_getRawTransactionByHash.ts';
import type { Handler } from './types.ts';

/** Geth's debug name for eth_getRawTransactionByHash. */
export const debug_getRawTransaction: Handler = async (params, c) => {
  const [h] = expectParams(params, 1, 1);
  return rawTransactionByHash(c, hash32(h));
};

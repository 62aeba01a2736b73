import { toQuantity } from '../../../core/chain/hex.ts';
import { fromErrorObject, InvalidParamsError } from '../../../core/errors.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** Accepts "pending" (cast sends it) and call objects with input and/or data, nonce, chainId, to: null. */
export const eth_estimateGas: Handler = async (params, c) => {
  const [call, tag, overrides] = expectParams(params, 1, 3);
  if (overrides !== undefined && overrides !== null && Object.keys(overrides as object).length > 0) {
    throw new InvalidParamsError('state overrides are not supported');
  }
  const req = callRequest(call);
  const n = await c.existingBlock(tag);
  const r = await c.sequencer.estimateGas(req, n);
  if ('error' in r) throw fromErrorObject(r.error);
  return toQuantity(r.ok);
};

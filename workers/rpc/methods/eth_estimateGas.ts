import { toQuantity } from '../../../core/chain/hex.ts';
import type { Outcome } from '../../../core/errors.ts';
import { fromErrorObject, InvalidParamsError } from '../../../core/errors.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Accepts "pending" (cast sends it) and call objects with input and/or data, nonce, chainId,
 * to: null. Searches within RPC_GAS_CAP, in a Simulator Durable Object.
 */
export const eth_estimateGas: Handler = async (params, c) => {
  const [call, tag, overrides] = expectParams(params, 1, 3);
  if (overrides !== undefined && overrides !== null && Object.keys(overrides as object).length > 0) {
    throw new InvalidParamsError('state overrides are not supported');
  }
  const req = callRequest(call);
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.estimateGas(req, block) as Promise<Outcome<bigint>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return toQuantity(r.ok);
};

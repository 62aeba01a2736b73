import type { Hex } from '../../../core/chain/hex.ts';
import type { Outcome } from '../../../core/errors.ts';
import { fromErrorObject, InvalidParamsError } from '../../../core/errors.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** Executes in a Simulator Durable Object, within RPC_GAS_CAP and RPC_EVM_TIMEOUT_MS. */
export const eth_call: Handler = async (params, c) => {
  const [call, tag, overrides] = expectParams(params, 1, 4);
  if (overrides !== undefined && overrides !== null && Object.keys(overrides as object).length > 0) {
    throw new InvalidParamsError('state and block overrides are not supported');
  }
  const req = callRequest(call);
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.call(req, block) as Promise<Outcome<Hex>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

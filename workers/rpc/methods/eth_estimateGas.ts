import { toQuantity } from '../../../core/chain/hex.ts';
import type { Outcome } from '../../../core/errors.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import { parseBlockOverrides, parseStateOverrides } from '../../../core/simulation/overrides.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Accepts "pending" (cast sends it) and call objects with input and/or data, nonce, chainId,
 * to: null; state overrides (3rd param) and block overrides (4th) as geth. Searches within
 * RPC_GAS_CAP, in a Simulator Durable Object.
 */
export const eth_estimateGas: Handler = async (params, c) => {
  const [call, tag, stateOverrides, blockOverrides] = expectParams(params, 1, 4);
  const req = callRequest(call);
  const overrides = { state: parseStateOverrides(stateOverrides), block: parseBlockOverrides(blockOverrides) };
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.estimateGas(req, block, overrides) as Promise<Outcome<bigint>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return toQuantity(r.ok);
};

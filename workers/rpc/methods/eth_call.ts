import type { Hex } from '../../../core/chain/hex.ts';
import type { Outcome } from '../../../core/errors.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import { parseBlockOverrides, parseStateOverrides } from '../../../core/simulation/overrides.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** Executes in a Simulator Durable Object, within RPC_GAS_CAP and RPC_EVM_TIMEOUT_MS; state and block overrides as geth. */
export const eth_call: Handler = async (params, c) => {
  const [call, tag, stateOverrides, blockOverrides] = expectParams(params, 1, 4);
  const req = callRequest(call);
  const overrides = { state: parseStateOverrides(stateOverrides), block: parseBlockOverrides(blockOverrides) };
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.call(req, block, overrides) as Promise<Outcome<Hex>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

import { fromErrorObject, type Outcome } from '../../../core/errors.ts';
import { parseBlockOverrides, parseStateOverrides } from '../../../core/simulation/overrides.ts';
import { traceRequest } from '../../../core/tracing/index.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Geth's debug_traceCall: a call object at a block, executed as eth_call is (Simulator Durable
 * Object, RPC_GAS_CAP, RPC_EVM_TIMEOUT_MS) with a tracer watching; geth's `stateOverrides` and
 * `blockOverrides` in the config, as eth_call's 3rd and 4th parameters (core/simulation/overrides.ts).
 */
export const debug_traceCall: Handler = async (params, c) => {
  const [call, tag, config] = expectParams(params, 1, 3);
  const { stateOverrides, blockOverrides, ...rest } = (config ?? {}) as Record<string, unknown>;
  const overrides = { state: parseStateOverrides(stateOverrides), block: parseBlockOverrides(blockOverrides) };
  const trace = traceRequest(config === undefined || config === null ? config : rest);
  const req = callRequest(call);
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.traceCall(req, block, trace, overrides) as Promise<Outcome<unknown>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

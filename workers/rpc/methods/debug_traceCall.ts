import { fromErrorObject, InvalidParamsError, type Outcome } from '../../../core/errors.ts';
import { traceRequest } from '../../../core/tracing/index.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0);

/**
 * Geth's debug_traceCall: a call object at a block, executed as eth_call is (Simulator Durable
 * Object, RPC_GAS_CAP, RPC_EVM_TIMEOUT_MS) with a tracer watching. Geth's stateOverrides and
 * blockOverrides are refused (-32602) until eth_call takes overrides.
 */
export const debug_traceCall: Handler = async (params, c) => {
  const [call, tag, config] = expectParams(params, 1, 3);
  const { stateOverrides, blockOverrides, ...rest } = (config ?? {}) as Record<string, unknown>;
  if (!isEmpty(stateOverrides) || !isEmpty(blockOverrides))
    throw new InvalidParamsError('stateOverrides and blockOverrides are not supported by debug_traceCall');
  const trace = traceRequest(config === undefined || config === null ? config : rest);
  const req = callRequest(call);
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.traceCall(req, block, trace) as Promise<Outcome<unknown>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

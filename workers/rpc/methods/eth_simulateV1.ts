import type { Outcome } from '../../../core/errors.ts';
import { fromErrorObject, InvalidParamsError, RpcError } from '../../../core/errors.ts';
import { parseBlockOverrides, parseStateOverrides } from '../../../core/simulation/overrides.ts';
import { MAX_SIMULATE_BLOCKS, MAX_SIMULATE_CALLS, SimErrorCode, type SimulatedBlock, type SimulateRequest } from '../../../core/simulation/simulateV1.ts';
import { bool, callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

const object = (v: unknown, name: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidParamsError(`invalid ${name}: expected an object`);
  return v as Record<string, unknown>;
};

/** Parses eth_simulateV1's first parameter, refusing more blocks or calls than a request may hold before parsing them. */
export function simulateRequest(v: unknown): SimulateRequest {
  const o = object(v, 'simulation options');
  const blocks = o.blockStateCalls;
  if (!Array.isArray(blocks)) throw new InvalidParamsError('invalid blockStateCalls: expected an array');
  if (blocks.length === 0) throw new InvalidParamsError('empty input');
  if (blocks.length > MAX_SIMULATE_BLOCKS) throw new RpcError(SimErrorCode.clientLimit, 'too many blocks');
  let calls = 0;
  const blockStateCalls = blocks.map((b: unknown) => {
    const block = object(b ?? {}, 'block state call');
    const list = block.calls ?? [];
    if (!Array.isArray(list)) throw new InvalidParamsError('invalid calls: expected an array');
    calls += list.length;
    if (calls > MAX_SIMULATE_CALLS) throw new RpcError(SimErrorCode.clientLimit, `too many calls: at most ${MAX_SIMULATE_CALLS}`);
    return {
      blockOverrides: parseBlockOverrides(block.blockOverrides),
      stateOverrides: parseStateOverrides(block.stateOverrides),
      calls: list.map(callRequest),
    };
  });
  return {
    blockStateCalls,
    traceTransfers: bool(o.traceTransfers ?? undefined, 'traceTransfers'),
    validation: bool(o.validation ?? undefined, 'validation'),
    returnFullTransactions: bool(o.returnFullTransactions ?? undefined, 'returnFullTransactions'),
  };
}

/**
 * Simulates a chain of blocks on top of a block, as geth does: in a Simulator Durable Object,
 * within RPC_GAS_CAP over all calls and RPC_EVM_TIMEOUT_MS over the whole request.
 */
export const eth_simulateV1: Handler = async (params, c) => {
  const [opts, tag] = expectParams(params, 1, 2);
  const req = simulateRequest(opts);
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.simulateV1(req, block) as Promise<Outcome<SimulatedBlock[]>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

import type { Hex } from '../../../core/chain/hex.ts';
import { fromErrorObject, type Outcome, ServerError } from '../../../core/errors.ts';
import { traceRequest } from '../../../core/tracing/index.ts';
import type { TxTrace } from '../../../core/tracing/replay.ts';
import { blockByHash, blockByNumber } from '../blocks.ts';
import type { RpcContext } from '../context.ts';
import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Traces every transaction of block `n` (at most RPC_TRACE_BLOCK_MAX_TXS), re-executed from its
 * trace blob in a Simulator Durable Object within its gas cap and time limit. The genesis block
 * has no parent state to run from: -32000 "genesis is not traceable", as geth.
 */
export async function traceBlock(c: RpcContext, n: bigint, config: unknown): Promise<TxTrace[]> {
  const trace = traceRequest(config);
  if (n === 0n) throw new ServerError('genesis is not traceable');
  const block = await blockByNumber(c, n, false);
  if (!block) throw new ServerError(`block #${n} not found`);
  if (block.transactions.length === 0) return [];
  const r = await c.simulate((s) => s.traceBlock(Number(n), block.hash as Hex, trace) as Promise<Outcome<TxTrace[]>>);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
}

/** Geth's debug_traceBlockByHash; an unknown hash is -32000 "block <hash> not found". */
export const debug_traceBlockByHash: Handler = async (params, c) => {
  const [h, config] = expectParams(params, 1, 2);
  const hash = hash32(h);
  const block = await blockByHash(c, hash, false);
  if (!block) throw new ServerError(`block ${hash} not found`);
  return traceBlock(c, BigInt(block.number), config);
};

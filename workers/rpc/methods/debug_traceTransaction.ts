import type { Hex } from '../../../core/chain/hex.ts';
import type { RpcReceipt } from '../../../core/chain/types.ts';
import { fromErrorObject, type Outcome, ServerError } from '../../../core/errors.ts';
import { traceRequest } from '../../../core/tracing/index.ts';
import type { TxTrace } from '../../../core/tracing/replay.ts';
import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Geth's debug_traceTransaction: the transaction's block is re-executed from its trace blob in a
 * Simulator Durable Object, up to the simulator's gas cap and time limit, with the tracer the
 * config names (the struct logger by default). An unknown hash is -32000 "transaction not found".
 */
export const debug_traceTransaction: Handler = async (params, c) => {
  const [h, config] = expectParams(params, 1, 2);
  const hash = hash32(h);
  const trace = traceRequest(config);
  const receipt = (await c.index.receipt(hash)) ?? ((await c.sequencer.receipt(hash)) as RpcReceipt | null);
  if (!receipt) throw new ServerError('transaction not found');
  const block = Number(BigInt(receipt.blockNumber));
  const index = Number(BigInt(receipt.transactionIndex));
  const r = await c.simulate((s) => s.traceBlock(block, receipt.blockHash as Hex, trace, index) as Promise<Outcome<TxTrace[]>>);
  if ('error' in r) throw fromErrorObject(r.error);
  if (r.ok.length !== 1) throw new ServerError(`transaction ${hash} was not found in the re-execution of block ${block}`);
  return r.ok[0].result;
};

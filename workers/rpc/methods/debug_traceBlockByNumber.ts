import { ServerError } from '../../../core/errors.ts';
import { expectParams } from '../params.ts';
import { traceBlock } from './debug_traceBlockByHash.ts';
import type { Handler } from './types.ts';

/** Geth's debug_traceBlockByNumber: `[{ txHash, result }]` for every transaction of the block (see traceBlock). */
export const debug_traceBlockByNumber: Handler = async (params, c) => {
  const [tag, config] = expectParams(params, 1, 2);
  const n = await c.blockNumber(tag);
  if (n > (await c.headNumber())) throw new ServerError(`block #${n} not found`);
  return traceBlock(c, n, config);
};

import { fromErrorObject, InvalidParamsError } from '../../../core/errors.ts';
import { MAX_FEE_HISTORY_PERCENTILES } from '../../../core/sequencer/feeHistory.ts';
import { expectParams, quantity } from '../params.ts';
import type { Handler } from './types.ts';

/** Base fees, block usage and tip percentiles of up to 1024 blocks; the work per block is bounded (core/sequencer/feeHistory.ts). */
export const eth_feeHistory: Handler = async (params, c) => {
  const [count, newest, percentiles] = expectParams(params, 2, 3);
  const blockCount = typeof count === 'number' ? count : Number(quantity(count, 'block count'));
  if (!Number.isInteger(blockCount) || blockCount < 0) throw new InvalidParamsError('invalid block count');
  if (
    percentiles !== undefined &&
    percentiles !== null &&
    (!Array.isArray(percentiles) || percentiles.length > MAX_FEE_HISTORY_PERCENTILES || percentiles.some((p) => typeof p !== 'number'))
  ) {
    throw new InvalidParamsError(`invalid reward percentiles: want at most ${MAX_FEE_HISTORY_PERCENTILES} numbers`);
  }
  const n = await c.existingBlock(newest);
  const r = await c.sequencer.feeHistory(blockCount, n, (percentiles as number[] | null) ?? []);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

import { fromErrorObject, InvalidParamsError } from '../../../core/errors.ts';
import { expectParams, quantity } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_feeHistory: Handler = async (params, c) => {
  const [count, newest, percentiles] = expectParams(params, 2, 3);
  const blockCount = typeof count === 'number' ? count : Number(quantity(count, 'block count'));
  if (!Number.isInteger(blockCount) || blockCount < 0) throw new InvalidParamsError('invalid block count');
  if (
    percentiles !== undefined &&
    percentiles !== null &&
    (!Array.isArray(percentiles) || percentiles.length > 100 || percentiles.some((p) => typeof p !== 'number'))
  ) {
    throw new InvalidParamsError('invalid reward percentiles: want at most 100 numbers');
  }
  const n = await c.existingBlock(newest);
  const r = await c.sequencer.feeHistory(blockCount, n, (percentiles as number[] | null) ?? []);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

import { fromErrorObject, InvalidParamsError } from '../../../core/errors.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_call: Handler = async (params, c) => {
  const [call, tag, overrides] = expectParams(params, 1, 4);
  if (overrides !== undefined && overrides !== null && Object.keys(overrides as object).length > 0) {
    throw new InvalidParamsError('state and block overrides are not supported');
  }
  const req = callRequest(call);
  const n = await c.existingBlock(tag);
  const r = await c.sequencer.call(req, n);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
};

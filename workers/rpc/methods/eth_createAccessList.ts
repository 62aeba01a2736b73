import { toQuantity } from '../../../core/chain/hex.ts';
import type { Outcome } from '../../../core/errors.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import type { AccessListResult } from '../../../core/simulation/simulator.ts';
import { callRequest, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_createAccessList: Handler = async (params, c) => {
  const [call, tag] = expectParams(params, 1, 2);
  const req = callRequest(call);
  const block = await c.executionBlock(tag);
  const r = await c.simulate((s) => s.createAccessList(req, block) as Promise<Outcome<AccessListResult>>);
  if ('error' in r) throw fromErrorObject(r.error);
  const { accessList, gasUsed, error } = r.ok;
  return error ? { accessList, gasUsed: toQuantity(gasUsed), error } : { accessList, gasUsed: toQuantity(gasUsed) };
};

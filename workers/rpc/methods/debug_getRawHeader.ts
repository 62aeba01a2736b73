import { rawHeader } from '../../../core/chain/rawForms.ts';
import { existingBlockByParam } from '../blocks.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** The RLP of a block's header, by number, tag or hash. */
export const debug_getRawHeader: Handler = async (params, c) => {
  const [tag] = expectParams(params, 1, 1);
  return rawHeader(await existingBlockByParam(c, tag, false), c.config.chainId);
};

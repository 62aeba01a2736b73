import { rawBlock } from '../../../core/chain/rawForms.ts';
import type { RpcTransaction } from '../../../core/chain/types.ts';
import { existingBlockByParam } from '../blocks.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** The RLP of a whole block (at most 2,000 transactions and 512 KiB of them), by number, tag or hash. */
export const debug_getRawBlock: Handler = async (params, c) => {
  const [tag] = expectParams(params, 1, 1);
  const block = await existingBlockByParam(c, tag, true);
  return rawBlock(block, block.transactions as RpcTransaction[], c.config.chainId);
};

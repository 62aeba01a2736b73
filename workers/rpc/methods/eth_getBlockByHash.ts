import { blockByHash } from '../blocks.ts';
import { bool, expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getBlockByHash: Handler = async (params, c) => {
  const [h, full] = expectParams(params, 1, 2);
  return blockByHash(c, hash32(h, 'block hash'), bool(full, 'hydrated transactions flag'));
};

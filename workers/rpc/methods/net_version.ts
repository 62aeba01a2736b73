import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const net_version: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  return c.config.chainId.toString();
};

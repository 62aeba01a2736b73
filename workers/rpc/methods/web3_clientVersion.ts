import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const CLIENT_VERSION = 'edge-rollup/v0.1.0/workers';

export const web3_clientVersion: Handler = async (params) => {
  expectParams(params, 0, 0);
  return CLIENT_VERSION;
};

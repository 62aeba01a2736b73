import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** The node holds no keys: clients sign locally and send raw transactions. */
export const eth_accounts: Handler = async (params) => {
  expectParams(params, 0, 0);
  return [];
};

import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const net_listening: Handler = async (params) => {
  expectParams(params, 0, 0);
  return true;
};

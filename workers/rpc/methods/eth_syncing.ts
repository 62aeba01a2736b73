import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** The sequencer is the chain's source of truth: it is never syncing. */
export const eth_syncing: Handler = async (params) => {
  expectParams(params, 0, 0);
  return false;
};

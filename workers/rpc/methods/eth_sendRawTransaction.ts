import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Decodes, checks the signature and recovers the sender here at the edge; the sequencer only
 * checks nonce and balance. The hash is returned once the transaction is durable in the sequencer.
 */
export const eth_sendRawTransaction: Handler = async (params, c) => {
  const [raw] = expectParams(params, 1, 1);
  const checked = await c.check(raw);
  return c.submit(checked);
};

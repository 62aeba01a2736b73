import type { Hex } from '../../core/chain/hex.ts';
import { fromErrorObject } from '../../core/errors.ts';
import type { RpcContext } from './context.ts';

/**
 * Balance and nonce of an account at a sealed block: from the D1 state shards when the block is
 * indexed (the sequencer when that read fails), otherwise from the sequencer.
 */
export async function accountAt(c: RpcContext, address: Hex, n: bigint): Promise<{ balance: bigint; nonce: bigint }> {
  const fromSequencer = async () => {
    const r = await c.sequencer.account(address, n);
    if ('error' in r) throw fromErrorObject(r.error);
    return r.ok;
  };
  if (!(await c.servedByIndex(n))) return fromSequencer();
  return c.indexed(async () => {
    const a = await c.index.account(address, Number(n));
    return { balance: a?.balance ?? 0n, nonce: a?.nonce ?? 0n };
  }, fromSequencer);
}

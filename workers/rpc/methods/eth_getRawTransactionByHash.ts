import type { Hex } from '../../../core/chain/hex.ts';
import { rawTransaction } from '../../../core/chain/rawForms.ts';
import type { RpcTransaction } from '../../../core/chain/types.ts';
import type { RpcContext } from '../context.ts';
import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/** A transaction's EIP-2718 encoding, included or pending; null when unknown (as geth). */
export async function rawTransactionByHash(c: RpcContext, hash: Hex): Promise<Hex | null> {
  const tx = (await c.index.transaction(hash)) ?? ((await c.sequencer.transaction(hash)) as RpcTransaction | null);
  return tx ? rawTransaction(tx, c.config.chainId) : null;
}

export const eth_getRawTransactionByHash: Handler = async (params, c) => {
  const [h] = expectParams(params, 1, 1);
  return rawTransactionByHash(c, hash32(h));
};

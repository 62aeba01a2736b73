import { getAddress } from 'viem';
import { formatTransaction } from '../../core/chain/format.ts';
import type { Hex } from '../../core/chain/hex.ts';
import type { RpcTransaction } from '../../core/chain/types.ts';
import { parseRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { MAX_TXPOOL_LISTED, type PoolContent } from '../../core/txpool/pool.ts';
import type { RpcContext } from './context.ts';

/** Geth's txpool layout: sender (checksummed) -> nonce (decimal) -> entry. */
export type BySender<T> = Record<string, Record<string, T>>;

/** The pool's transactions (at most MAX_TXPOOL_LISTED of them), decoded here at the edge, not in the sequencer. */
export async function poolTransactions(c: RpcContext, sender?: Hex): Promise<{ pending: RpcTransaction[]; queued: RpcTransaction[] }> {
  const content = (await c.sequencer.txpoolContent(MAX_TXPOOL_LISTED, sender)) as PoolContent;
  const decode = (list: PoolContent['pending']) => list.map((t) => formatTransaction(parseRawTransaction(t.raw, c.config.chainId), t.hash, t.sender, null));
  return { pending: decode(content.pending), queued: decode(content.queued) };
}

export function bySender<T>(txs: RpcTransaction[], entry: (t: RpcTransaction) => T): BySender<T> {
  const out: BySender<T> = {};
  for (const t of txs) {
    const from = getAddress(t.from);
    out[from] ??= {};
    out[from][BigInt(t.nonce).toString()] = entry(t);
  }
  return out;
}

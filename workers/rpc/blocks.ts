import type { Hex } from '../../core/chain/hex.ts';
import type { RpcReceipt } from '../../core/chain/types.ts';
import type { RpcBlock } from '../index-db/reader.ts';
import type { RpcContext } from './context.ts';

/** A block by number: D1 when indexed, else the sequencer. Null beyond the head. */
export async function blockByNumber(c: RpcContext, n: bigint, full: boolean): Promise<RpcBlock | null> {
  if (n > (await c.headNumber())) return null;
  return (await c.index.blockByNumber(Number(n), full)) ?? ((await c.sequencer.block(n, full)) as RpcBlock | null);
}

export async function blockByHash(c: RpcContext, hash: Hex, full: boolean): Promise<RpcBlock | null> {
  return (await c.index.blockByHash(hash, full)) ?? ((await c.sequencer.blockByHash(hash, full)) as RpcBlock | null);
}

export async function receiptsOf(c: RpcContext, block: RpcBlock): Promise<RpcReceipt[]> {
  const n = Number(BigInt(block.number));
  if (block.transactions.length === 0) return [];
  const fromIndex = await c.index.blockReceipts(n);
  if (fromIndex.length === block.transactions.length) return fromIndex;
  return ((await c.sequencer.blockReceipts(BigInt(n))) as RpcReceipt[] | null) ?? [];
}

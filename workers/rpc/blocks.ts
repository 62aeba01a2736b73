import type { Hex } from '../../core/chain/hex.ts';
import type { RpcReceipt } from '../../core/chain/types.ts';
import { ServerError } from '../../core/errors.ts';
import type { RpcBlock } from '../index-db/reader.ts';
import type { RpcContext } from './context.ts';
import { hash32 } from './params.ts';

/**
 * A block by number: D1 when indexed, else the sequencer. Null beyond the head. The sequencer
 * prunes blocks D1 holds (core/sequencer/prune.ts), so a block up to the head that neither
 * answers was pruned while D1 failed: -32000, never null (which would say it does not exist).
 */
export async function blockByNumber(c: RpcContext, n: bigint, full: boolean): Promise<RpcBlock | null> {
  if (n > (await c.headNumber())) return null;
  const block = (await c.index.blockByNumber(Number(n), full)) ?? ((await c.sequencer.block(n, full)) as RpcBlock | null);
  if (!block) throw unavailable(n);
  return block;
}

function unavailable(n: bigint | number): ServerError {
  return new ServerError(`block ${n} is pruned from the sequencer and the index could not serve it: retry`);
}

export async function blockByHash(c: RpcContext, hash: Hex, full: boolean): Promise<RpcBlock | null> {
  return (await c.index.blockByHash(hash, full)) ?? ((await c.sequencer.blockByHash(hash, full)) as RpcBlock | null);
}

export async function receiptsOf(c: RpcContext, block: RpcBlock): Promise<RpcReceipt[]> {
  const n = Number(BigInt(block.number));
  if (block.transactions.length === 0) return [];
  const fromIndex = await c.index.blockReceipts(n);
  if (fromIndex.length === block.transactions.length) return fromIndex;
  const fromSequencer = (await c.sequencer.blockReceipts(BigInt(n))) as RpcReceipt[] | null;
  if (!fromSequencer) throw unavailable(n);
  return fromSequencer;
}

/**
 * A block by geth's BlockNumberOrHash (debug_getRaw*): a 32-byte hash, a tag or number, or an
 * EIP-1898 object. A block that does not exist is an error, as geth answers.
 */
export async function existingBlockByParam(c: RpcContext, tag: unknown, full: boolean): Promise<RpcBlock> {
  const block = typeof tag === 'string' && tag.length === 66 ? await blockByHash(c, hash32(tag), full) : await blockByNumber(c, await c.blockNumber(tag), full);
  if (!block) throw new ServerError(`block ${typeof tag === 'string' ? tag : JSON.stringify(tag)} not found`);
  return block;
}

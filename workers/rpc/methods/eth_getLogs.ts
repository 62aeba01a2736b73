import type { Hex } from '../../../core/chain/hex.ts';
import { type LogFilter, logSize, MAX_LOG_ADDRESSES, MAX_LOG_TOPIC_ALTERNATIVES, MAX_LOG_TOPIC_POSITIONS } from '../../../core/chain/logFilter.ts';
import type { RpcLog } from '../../../core/chain/types.ts';
import { fromErrorObject, InvalidParamsError, LimitExceededError, ServerError } from '../../../core/errors.ts';
import { checkLogResults, MAX_LOG_BLOCK_RANGE, MAX_LOG_RESULTS } from '../../../core/sequencer/logs.ts';
import { retryRead } from '../../../core/storage/retry.ts';
import { blockByHash } from '../blocks.ts';
import type { RpcContext } from '../context.ts';
import { address, expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/** An eth_getLogs filter object, checked (also eth_newFilter's and the logs subscription's). */
export function parseFilter(v: unknown): { filter: LogFilter; fromBlock?: unknown; toBlock?: unknown; blockHash?: Hex } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidParamsError('invalid filter: expected an object');
  const o = v as Record<string, unknown>;
  const rawAddresses = o.address === undefined || o.address === null ? [] : Array.isArray(o.address) ? o.address : [o.address];
  if (rawAddresses.length > MAX_LOG_ADDRESSES) throw new InvalidParamsError(`exceed max addresses: at most ${MAX_LOG_ADDRESSES} per filter`);
  const addresses = rawAddresses.map((a) => address(a));
  if (o.topics !== undefined && o.topics !== null && !Array.isArray(o.topics)) throw new InvalidParamsError('invalid topics: expected an array');
  const rawTopics = (o.topics as unknown[] | undefined) ?? [];
  if (rawTopics.length > MAX_LOG_TOPIC_POSITIONS) throw new InvalidParamsError(`exceed max topics: at most ${MAX_LOG_TOPIC_POSITIONS} positions`);
  const topics = rawTopics.map((t) => {
    if (t === null) return null;
    const alternatives = Array.isArray(t) ? t : [t];
    if (alternatives.length > MAX_LOG_TOPIC_ALTERNATIVES) {
      throw new InvalidParamsError(`exceed max topics: at most ${MAX_LOG_TOPIC_ALTERNATIVES} alternatives per topic position`);
    }
    return alternatives.map((x) => hash32(x, 'topic'));
  });
  if (o.blockHash !== undefined && (o.fromBlock !== undefined || o.toBlock !== undefined)) {
    throw new InvalidParamsError('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other');
  }
  return {
    filter: { addresses, topics },
    fromBlock: o.fromBlock,
    toBlock: o.toBlock,
    blockHash: o.blockHash === undefined ? undefined : hash32(o.blockHash, 'blockHash'),
  };
}

/**
 * Indexed blocks from D1, a failing read retried a few times (core/storage/retry.ts); one that keeps
 * failing is an error, never a reason to scan the range elsewhere.
 */
async function indexedLogs(c: RpcContext, from: bigint, to: bigint, filter: LogFilter): Promise<RpcLog[]> {
  try {
    return await retryRead(() =>
      c.index.logs({ fromBlock: Number(from), toBlock: Number(to), addresses: filter.addresses, topics: filter.topics, limit: MAX_LOG_RESULTS }),
    );
  } catch (e) {
    console.warn('eth_getLogs: D1 read failed:', String(e));
    throw new ServerError('log index unavailable: retry later');
  }
}

/** Blocks sealed but not yet indexed: one Sequencer call, which bounds its own work (core/sequencer/logs.ts). */
async function unindexedLogs(c: RpcContext, from: bigint, to: bigint, filter: LogFilter): Promise<RpcLog[]> {
  const r = await c.sequencer.logs(from, to, filter);
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
}

/**
 * Logs from D1 for indexed blocks and from the Sequencer for the blocks after them, both read at
 * once. The filter's size, the block range, the blocks not yet indexed and the result (count and
 * bytes) are limited: core/chain/logFilter.ts, core/sequencer/logs.ts.
 */
export const eth_getLogs: Handler = async (params, c) => {
  const [f] = expectParams(params, 1, 1);
  const { filter, fromBlock, toBlock, blockHash } = parseFilter(f);
  let from: bigint;
  let to: bigint;
  if (blockHash) {
    const block = await blockByHash(c, blockHash, false);
    if (!block) throw new InvalidParamsError('unknown block');
    from = to = BigInt(block.number);
  } else {
    const head = await c.headNumber();
    from = await c.blockNumber(fromBlock ?? 'latest');
    to = await c.blockNumber(toBlock ?? 'latest');
    if (from > to) throw new InvalidParamsError('invalid block range params');
    if (to > head) throw new InvalidParamsError('block range extends beyond current head block');
    if (to - from + 1n > MAX_LOG_BLOCK_RANGE) throw new LimitExceededError(`block range too large: at most ${MAX_LOG_BLOCK_RANGE} blocks per query`);
  }
  const indexed = BigInt(await c.index.indexedHead());
  const [older, newer] = await Promise.all([
    from <= indexed ? indexedLogs(c, from, to < indexed ? to : indexed, filter) : [],
    to > indexed ? unindexedLogs(c, from > indexed ? from : indexed + 1n, to, filter) : [],
  ]);
  const logs = [...older, ...newer];
  checkLogResults(
    logs.length,
    logs.reduce((n, l) => n + logSize(l), 0),
  );
  return logs;
};

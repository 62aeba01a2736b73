import type { Hex } from '../../../core/chain/hex.ts';
import { type LogFilter, matchesLog } from '../../../core/chain/logFilter.ts';
import type { RpcLog, RpcReceipt } from '../../../core/chain/types.ts';
import { InvalidParamsError, LimitExceededError } from '../../../core/errors.ts';
import { blockByHash } from '../blocks.ts';
import type { RpcContext } from '../context.ts';
import { address, expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/** Widest block range one query may span. */
export const MAX_LOG_BLOCK_RANGE = 10_000n;
/** Most logs one query may return. */
export const MAX_LOG_RESULTS = 10_000;

function parseFilter(v: unknown): { filter: LogFilter; fromBlock?: unknown; toBlock?: unknown; blockHash?: Hex } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidParamsError('invalid filter: expected an object');
  const o = v as Record<string, unknown>;
  const addresses = o.address === undefined || o.address === null ? [] : (Array.isArray(o.address) ? o.address : [o.address]).map((a) => address(a));
  if (o.topics !== undefined && o.topics !== null && !Array.isArray(o.topics)) throw new InvalidParamsError('invalid topics: expected an array');
  const rawTopics = (o.topics as unknown[] | undefined) ?? [];
  if (rawTopics.length > 4) throw new InvalidParamsError('invalid topics: at most 4 positions');
  const topics = rawTopics.map((t) => (t === null ? null : (Array.isArray(t) ? t : [t]).map((x) => hash32(x, 'topic'))));
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

async function logsFromSequencer(c: RpcContext, from: bigint, to: bigint, filter: LogFilter, out: RpcLog[]): Promise<void> {
  for (let n = from; n <= to; n++) {
    const receipts = ((await c.sequencer.blockReceipts(n)) as RpcReceipt[] | null) ?? [];
    for (const r of receipts) for (const l of r.logs) if (matchesLog(l, filter)) out.push(l);
    if (out.length > MAX_LOG_RESULTS) return;
  }
}

/**
 * Logs from D1 for indexed blocks, from the sequencer for blocks sealed but not yet indexed.
 * The block range and the result count are limited (see MAX_LOG_BLOCK_RANGE, MAX_LOG_RESULTS).
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
  const logs: RpcLog[] = [];
  if (from <= indexed) {
    const last = to < indexed ? to : indexed;
    const query = { fromBlock: Number(from), toBlock: Number(last), addresses: filter.addresses, topics: filter.topics, limit: MAX_LOG_RESULTS };
    const fromSequencer = async () => {
      const out: RpcLog[] = [];
      await logsFromSequencer(c, from, last, filter, out);
      return out;
    };
    logs.push(...(await c.indexed(() => c.index.logs(query), fromSequencer)));
  }
  if (to > indexed && logs.length <= MAX_LOG_RESULTS) await logsFromSequencer(c, from > indexed ? from : indexed + 1n, to, filter, logs);
  if (logs.length > MAX_LOG_RESULTS) throw new LimitExceededError(`query returned more than ${MAX_LOG_RESULTS} results`);
  return logs;
};

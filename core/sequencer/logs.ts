import { bloomMatcher, type LogFilter, logSize, matchesLog } from '../chain/logFilter.ts';
import type { RpcLog } from '../chain/types.ts';
import { InvalidParamsError, LimitExceededError } from '../errors.ts';
import { headersBetween } from './headers.ts';
import type { SequencerCore } from './sequencer.ts';

/** Widest block range one eth_getLogs query may span. */
export const MAX_LOG_BLOCK_RANGE = 10_000n;
/** Most logs one query may return... */
export const MAX_LOG_RESULTS = 10_000;
/**
 * ...and most bytes of log data and topics: the answer stays a small part of a Worker's or Durable
 * Object's 128 MB as JSON, and still holds all of a full block's (at 8 gas per byte, 30M gas hold
 * at most 3.75 MB of data).
 */
export const MAX_LOG_RESULT_BYTES = 8 * 1024 * 1024;
/**
 * Most blocks not yet indexed in D1 that one query may reach: the Sequencer filters those itself,
 * on the thread that seals blocks. The index normally trails the head by a few blocks.
 */
export const MAX_UNINDEXED_LOG_BLOCKS = 256n;
/**
 * Of those, the receipts the Sequencer reads (of blocks whose bloom may match) hold at most this
 * many full blocks of gas: a receipt's size is bounded by its gas, so this bounds the scan's bytes
 * and CPU. One block never exceeds it, so a one-block query always gets its answer.
 */
export const LOG_SCAN_FULL_BLOCKS = 2n;

/** The limit errors of eth_getLogs, shared by the D1 and the Sequencer sides. */
export function checkLogResults(count: number, bytes: number): void {
  if (count > MAX_LOG_RESULTS) throw new LimitExceededError(`query returned more than ${MAX_LOG_RESULTS} results`);
  if (bytes > MAX_LOG_RESULT_BYTES) throw new LimitExceededError(`query returned more than ${MAX_LOG_RESULT_BYTES} bytes of log data`);
}

function notIndexedYet(from: bigint, to: bigint, why: string): LimitExceededError {
  return new LimitExceededError(`blocks ${from}..${to} are not indexed yet and ${why}: narrow the range, or retry once the index has caught up`);
}

/**
 * Logs matching `filter` in sealed blocks `from..to` that D1 has not indexed yet, read from the
 * Sequencer's own rows in one call: blocks whose logsBloom rules the filter out are skipped
 * without reading their receipts, and the span, the receipts read and the result are bounded
 * (MAX_UNINDEXED_LOG_BLOCKS, LOG_SCAN_FULL_BLOCKS, MAX_LOG_RESULTS, MAX_LOG_RESULT_BYTES).
 */
export function unindexedLogs(core: SequencerCore, from: bigint, to: bigint, filter: LogFilter): RpcLog[] {
  if (from > to) throw new InvalidParamsError('invalid block range params');
  if (to > core.headNumber) throw new InvalidParamsError('block range extends beyond current head block');
  if (to - from + 1n > MAX_UNINDEXED_LOG_BLOCKS) throw notIndexedYet(from, to, `span more than ${MAX_UNINDEXED_LOG_BLOCKS} blocks`);
  const mayMatch = bloomMatcher(filter);
  const gasBudget = core.config.blockGasLimit * LOG_SCAN_FULL_BLOCKS;
  let gasRead = 0n;
  const out: RpcLog[] = [];
  let bytes = 0;
  for (const header of headersBetween(core.sql, from, to)) {
    if (!mayMatch(header.logsBloom)) continue;
    gasRead += BigInt(header.gasUsed);
    if (gasRead > gasBudget) throw notIndexedYet(from, to, `hold more than ${LOG_SCAN_FULL_BLOCKS} full blocks of gas whose logs may match`);
    for (const receipt of core.blockReceipts(BigInt(header.number)) ?? []) {
      for (const log of receipt.logs) {
        if (!matchesLog(log, filter)) continue;
        out.push(log);
        bytes += logSize(log);
        checkLogResults(out.length, bytes);
      }
    }
  }
  return out;
}

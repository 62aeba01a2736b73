import { type Hex, toQuantity } from '../chain/hex.ts';
import type { RpcReceipt, SealedBlock } from '../chain/types.ts';
import { InvalidParamsError } from '../errors.ts';
import type { SqlPort } from '../storage/sql.ts';
import { headersBetween } from './headers.ts';
import { historyFloor, historyPruned } from './prune.ts';
import type { SequencerCore } from './sequencer.ts';

/** Most blocks one eth_feeHistory answer covers, with or without reward percentiles (geth's default)... */
export const MAX_FEE_HISTORY_BLOCKS = 1024;
/** ...and most reward percentiles it computes per block. */
export const MAX_FEE_HISTORY_PERCENTILES = 100;
/**
 * Blocks sealed before fee summaries existed are summarized from their receipts when first asked
 * for, newest first, until a call has read this many receipts (a block is never split); an answer
 * whose range reaches further back starts after the blocks still unsummarized (`oldestBlock` says
 * where), and the next call goes on from there.
 */
export const MAX_FEE_BACKFILL_RECEIPTS = 512;

export interface FeeHistory {
  oldestBlock: Hex;
  baseFeePerGas: Hex[];
  gasUsedRatio: number[];
  baseFeePerBlobGas: Hex[];
  blobGasUsedRatio: number[];
  reward?: Hex[][];
}

/**
 * A block's fee summary: a version byte, then one 40-byte entry per distinct effective tip,
 * ascending: the tip (32 bytes, big-endian), then the gas used by the block's transactions up to and
 * including that tip (high and low 32 bits). Merging equal tips keeps every percentile exact: the
 * answer is the tip of the first transaction whose cumulative gas reaches the threshold, and that
 * transaction's run is the first entry whose cumulative gas does. (The version byte also keeps the
 * summary of an empty block from being a zero-length blob, which SQLite bindings may store as NULL.)
 */
const SUMMARY_VERSION = 1;
const ENTRY_BYTES = 40;
const TIP_BYTES = 32;

function encodeSummary(tips: { tip: bigint; gas: bigint }[]): Uint8Array {
  tips.sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  const runs: { tip: bigint; cumulative: bigint }[] = [];
  let cumulative = 0n;
  for (const { tip, gas } of tips) {
    cumulative += gas;
    const last = runs[runs.length - 1];
    if (last && last.tip === tip) last.cumulative = cumulative;
    else runs.push({ tip, cumulative });
  }
  const out = new Uint8Array(1 + runs.length * ENTRY_BYTES);
  out[0] = SUMMARY_VERSION;
  const view = new DataView(out.buffer);
  runs.forEach(({ tip, cumulative }, i) => {
    const at = 1 + i * ENTRY_BYTES;
    for (let word = 3, t = tip; word >= 0 && t > 0n; word--, t >>= 64n) view.setBigUint64(at + 8 * word, t & 0xffffffffffffffffn);
    view.setUint32(at + TIP_BYTES, Number(cumulative >> 32n));
    view.setUint32(at + TIP_BYTES + 4, Number(cumulative & 0xffffffffn));
  });
  return out;
}

/** Deposit transactions use no gas and pay no fee: they weigh nothing in a percentile and are left out. */
function summaryOf(baseFee: bigint, receipts: Pick<RpcReceipt, 'effectiveGasPrice' | 'gasUsed'>[]): Uint8Array {
  return encodeSummary(receipts.filter((r) => BigInt(r.gasUsed) > 0n).map((r) => ({ tip: BigInt(r.effectiveGasPrice) - baseFee, gas: BigInt(r.gasUsed) })));
}

/** The seal's hook, inside its SQL transaction: the new block's fee summary, one row. */
export function recordFeeSummary(sql: SqlPort, block: SealedBlock): void {
  sql.query(
    `INSERT INTO fee_summaries (block, tips) VALUES (?, ?)`,
    Number(BigInt(block.header.number)),
    summaryOf(BigInt(block.header.baseFeePerGas), block.receipts),
  );
}

/** The reward at each percentile (increasing), as the reference walk over the block's transactions gives it. */
function rewards(summary: Uint8Array, percentiles: number[]): Hex[] {
  if (summary[0] !== SUMMARY_VERSION) throw new Error(`fee summary version ${summary[0]} is not ${SUMMARY_VERSION}`);
  const entries = (summary.length - 1) / ENTRY_BYTES;
  if (entries === 0) return percentiles.map(() => '0x0');
  const view = new DataView(summary.buffer, summary.byteOffset, summary.byteLength);
  const cumulative = (i: number) => view.getUint32(1 + i * ENTRY_BYTES + TIP_BYTES) * 2 ** 32 + view.getUint32(1 + i * ENTRY_BYTES + TIP_BYTES + 4);
  const tip = (i: number) => {
    let t = 0n;
    for (let word = 0; word < 4; word++) t = (t << 64n) | view.getBigUint64(1 + i * ENTRY_BYTES + 8 * word);
    return t;
  };
  const total = BigInt(cumulative(entries - 1));
  let i = 0;
  return percentiles.map((p) => {
    const threshold = Number((total * BigInt(Math.round(p * 100))) / 10_000n);
    while (i < entries - 1 && cumulative(i) < threshold) i++;
    return toQuantity(tip(i));
  });
}

/**
 * eth_feeHistory over sealed blocks: base fees (plus the next block's), usage, tip percentiles.
 * Per block it reads its header and, with percentiles, its fee summary: never its receipts, except
 * once for a block sealed before summaries existed (MAX_FEE_BACKFILL_RECEIPTS).
 */
export function feeHistory(core: SequencerCore, blockCount: number, newest: bigint, percentiles: number[]): FeeHistory {
  if (blockCount < 1) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [], baseFeePerBlobGas: [], blobGasUsedRatio: [] };
  const count = BigInt(Math.min(blockCount, MAX_FEE_HISTORY_BLOCKS));
  if (percentiles.length > MAX_FEE_HISTORY_PERCENTILES)
    throw new InvalidParamsError(`invalid reward percentiles: want at most ${MAX_FEE_HISTORY_PERCENTILES} numbers`);
  for (let i = 0; i < percentiles.length; i++) {
    const p = percentiles[i];
    if (!(p >= 0 && p <= 100) || (i > 0 && p < percentiles[i - 1]))
      throw new InvalidParamsError('invalid reward percentiles: want increasing values in [0, 100]');
  }
  const last = newest > core.headNumber ? core.headNumber : newest;
  // Blocks pruned from the sequencer (core/sequencer/prune.ts): the answer starts at the first it keeps (`oldestBlock`).
  const floor = BigInt(historyFloor(core.sql));
  if (last < floor) throw historyPruned(last, Number(floor));
  const oldest = last - count + 1n < floor ? floor : last - count + 1n;
  const headers = headersBetween(core.sql, oldest, last + 1n);
  let first = oldest;
  const rewardRows: Hex[][] = [];
  if (percentiles.length > 0) {
    let backfilled = 0;
    for (let n = last; n >= oldest; n--) {
      let summary = core.sql.query<{ tips: Uint8Array }>(`SELECT tips FROM fee_summaries WHERE block = ?`, Number(n))[0]?.tips;
      if (!summary && backfilled < MAX_FEE_BACKFILL_RECEIPTS) {
        const receipts = core.blockReceipts(n) ?? [];
        backfilled += receipts.length;
        summary = summaryOf(BigInt(headers[Number(n - oldest)].baseFeePerGas), receipts);
        core.sql.query(`INSERT OR IGNORE INTO fee_summaries (block, tips) VALUES (?, ?)`, Number(n), summary);
      }
      if (!summary) {
        first = n + 1n;
        break;
      }
      rewardRows.push(rewards(summary, percentiles));
    }
    rewardRows.reverse();
  }
  const blocks = headers.slice(Number(first - oldest), Number(last - oldest) + 1);
  const baseFees: Hex[] = blocks.map((h) => h.baseFeePerGas);
  baseFees.push(toQuantity(last === core.headNumber ? core.nextBaseFee() : BigInt(headers[headers.length - 1].baseFeePerGas)));
  const ratios = blocks.map((h) => Number(BigInt(h.gasUsed)) / Number(BigInt(h.gasLimit)));
  const out: FeeHistory = {
    oldestBlock: toQuantity(first),
    baseFeePerGas: baseFees,
    gasUsedRatio: ratios,
    baseFeePerBlobGas: baseFees.map(() => '0x0'),
    blobGasUsedRatio: ratios.map(() => 0),
  };
  if (percentiles.length > 0) out.reward = rewardRows;
  return out;
}

/**
 * eth_feeHistory from the per-block fee summaries written at seal (core/sequencer/feeHistory.ts),
 * against the real SequencerCore over node:sqlite: every answer equals a straightforward reference
 * computed from the blocks' receipts, blocks sealed before summaries existed are summarized once
 * from their receipts, at most MAX_FEE_BACKFILL_RECEIPTS worth per call, and answers stop at
 * MAX_FEE_HISTORY_BLOCKS blocks.
 */
import type { PrivateKeyAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { type Hex, toQuantity } from '../../core/chain/hex.ts';
import {
  type FeeHistory,
  feeHistory,
  MAX_FEE_BACKFILL_RECEIPTS,
  MAX_FEE_HISTORY_BLOCKS,
  MAX_FEE_HISTORY_PERCENTILES,
} from '../../core/sequencer/feeHistory.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { type CheckedTransaction, checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { devKey } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { prng } from '../support/prng.ts';

const accounts: PrivateKeyAccount[] = Array.from({ length: 8 }, (_, i) => privateKeyToAccount(devKey(i)));

async function newSeq() {
  const seq = new SequencerCore(nodeSql(), parseChainConfig({ DEV_CHAIN: '1' }));
  await seq.init();
  return seq;
}

/**
 * The reward percentiles of one block, the straightforward way: sort its transactions by tip, walk
 * their gas. Deposit transactions (type 0x7d) pay no fee: they are not among them.
 */
function referenceRewards(seq: SequencerCore, n: bigint, percentiles: number[]): Hex[] {
  const baseFee = BigInt(seq.block(n, false)?.baseFeePerGas ?? 0);
  const txs = (seq.blockReceipts(n) ?? [])
    .filter((r) => r.type !== '0x7d')
    .map((r) => ({ tip: BigInt(r.effectiveGasPrice) - baseFee, gas: BigInt(r.gasUsed) }))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  const total = txs.reduce((s, t) => s + t.gas, 0n);
  return percentiles.map((p) => {
    if (txs.length === 0) return '0x0';
    const threshold = (total * BigInt(Math.round(p * 100))) / 10_000n;
    let sum = 0n;
    for (const t of txs) {
      sum += t.gas;
      if (sum >= threshold) return toQuantity(t.tip);
    }
    return toQuantity(txs[txs.length - 1].tip);
  });
}

/** The whole answer for blocks first..last, from headers and receipts. */
function reference(seq: SequencerCore, first: bigint, last: bigint, percentiles: number[]): FeeHistory {
  const blocks = Array.from({ length: Number(last - first + 1n) }, (_, i) => seq.block(first + BigInt(i), false));
  const baseFees = blocks.map((b) => b?.baseFeePerGas as Hex);
  baseFees.push(toQuantity(last === seq.headNumber ? seq.nextBaseFee() : BigInt(seq.block(last + 1n, false)?.baseFeePerGas ?? 0)));
  const ratios = blocks.map((b) => Number(BigInt(b?.gasUsed ?? 0)) / Number(BigInt(b?.gasLimit ?? 1)));
  const out: FeeHistory = {
    oldestBlock: toQuantity(first),
    baseFeePerGas: baseFees,
    gasUsedRatio: ratios,
    baseFeePerBlobGas: baseFees.map(() => '0x0'),
    blobGasUsedRatio: ratios.map(() => 0),
  };
  if (percentiles.length > 0) out.reward = blocks.map((_, i) => referenceRewards(seq, first + BigInt(i), percentiles));
  return out;
}

const nonces = new Map<SequencerCore, number[]>();
async function sign(seq: SequencerCore, from: number, fields: Record<string, unknown>): Promise<CheckedTransaction> {
  const list = nonces.get(seq) ?? accounts.map(() => 0);
  nonces.set(seq, list);
  const raw = await accounts[from].signTransaction({
    chainId: 31337,
    to: '0x000000000000000000000000000000000000dead',
    value: 1n,
    nonce: list[from]++,
    gas: 100_000n,
    ...fields,
  } as Parameters<PrivateKeyAccount['signTransaction']>[0]);
  return checkRawTransaction(raw, seq.config.chainId, seq.config.blockGasLimit);
}

async function sealAll(seq: SequencerCore, txs: CheckedTransaction[]) {
  expect(seq.submit(txs)).toEqual(txs.map((t) => ({ hash: t.hash })));
  const sealed = await seq.seal(Date.now());
  // All in one block (the best-paying first: the order is the pool's business, not this test's).
  expect([...(sealed?.included ?? [])].sort()).toEqual(txs.map((t) => t.hash).sort());
}

const summaries = (seq: SequencerCore) => seq.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM fee_summaries`)[0].n;

describe('eth_feeHistory from fee summaries', () => {
  it('equals the reference computed from receipts, for every range and set of percentiles', async () => {
    const seq = await newSeq();
    const rand = prng(3);
    const tips = [0n, 1n, 7n, 1_000_000n, 1_000_000n, 2_500_000_000n];
    for (let b = 0; b < 14; b++) {
      if (b % 5 === 4) {
        // A block without transactions: a deposit only.
        seq.addPriorityOps([{ index: seq.priorityQueue.known(), l1Sender: accounts[0].address, l2Recipient: accounts[1].address, amount: 1n }]);
        expect(await seq.seal(Date.now())).not.toBeNull();
        continue;
      }
      if (b === 1) {
        // Four plain transfers of 21,000 gas each with four tips: the thresholds of 25, 50 and 75
        // fall exactly on a transaction's cumulative gas, where the walk must stop, not go past.
        await sealAll(
          seq,
          await Promise.all(
            [1n, 2n, 3n, 4n].map((tip, from) => sign(seq, from, { type: 'eip1559', gas: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: tip })),
          ),
        );
        continue;
      }
      const baseFee = seq.nextBaseFee();
      const txs: CheckedTransaction[] = [];
      for (let from = 0; from < accounts.length; from++) {
        const kind = rand();
        // Calldata of random length: the transactions use different amounts of gas.
        const data: Hex = `0x${'ab'.repeat(Math.floor(rand() * 300))}`;
        if (kind < 0.45) {
          txs.push(await sign(seq, from, { type: 'eip1559', data, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: tips[Math.floor(rand() * tips.length)] }));
        } else if (kind < 0.65) {
          // The fee cap binds: the effective tip is maxFeePerGas - baseFee, below the priority fee.
          const cap = baseFee + BigInt(Math.floor(rand() * 1000));
          txs.push(await sign(seq, from, { type: 'eip1559', data, maxFeePerGas: cap, maxPriorityFeePerGas: cap }));
        } else if (kind < 0.85) {
          txs.push(await sign(seq, from, { type: 'legacy', data, gasPrice: baseFee + BigInt(Math.floor(rand() * 3)) * 1_000_000n }));
        }
      }
      if (txs.length > 0) await sealAll(seq, txs);
    }
    const head = seq.headNumber;
    const percentileSets = [[], [0], [100], [0, 0, 50, 50, 100], [10, 50, 90], [25, 50, 75], [0.01, 33.33, 66.67, 99.99]];
    for (let i = 0; i < 8; i++) {
      const set = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => Math.round(rand() * 10_000) / 100).sort((a, b) => a - b);
      percentileSets.push(set);
    }
    let distinctRewards = 0;
    for (const ps of percentileSets) {
      for (const [count, newest] of [
        [1, head],
        [5, head],
        [Number(head) + 1, head],
        [3, head - 4n],
        [100, 6n],
      ] as const) {
        const got = feeHistory(seq, count, newest, ps);
        const first = newest - BigInt(count) + 1n < 0n ? 0n : newest - BigInt(count) + 1n;
        expect(got, JSON.stringify({ ps, count, newest: Number(newest) })).toEqual(reference(seq, first, newest, ps));
        for (const row of got.reward ?? []) distinctRewards = Math.max(distinctRewards, new Set(row).size);
      }
    }
    // The chain is varied enough for the comparison to mean something: blocks with several tips.
    expect(distinctRewards).toBeGreaterThan(3);
    expect(summaries(seq)).toBe(Number(head) + 1);
  });

  it('keeps tips of any size exact', async () => {
    const rich = accounts
      .slice(0, 3)
      .map((a) => `${a.address}=${10n ** 40n}`)
      .join(',');
    const seq = new SequencerCore(nodeSql(), parseChainConfig({ DEV_CHAIN: '1', GENESIS_ACCOUNTS: rich }));
    await seq.init();
    const tips = [2n ** 64n + 1n, 2n ** 64n - 1n, 2n ** 100n + 12345n];
    await sealAll(
      seq,
      await Promise.all(tips.map((tip, from) => sign(seq, from, { type: 'eip1559', gas: 21_000n, maxFeePerGas: 2n * tip, maxPriorityFeePerGas: tip }))),
    );
    const got = feeHistory(seq, 1, seq.headNumber, [0, 34, 67, 100]);
    expect(got).toEqual(reference(seq, seq.headNumber, seq.headNumber, [0, 34, 67, 100]));
    expect(got.reward?.[0]).toEqual([2n ** 64n - 1n, 2n ** 64n + 1n, 2n ** 100n + 12345n, 2n ** 100n + 12345n].map(toQuantity));
  });

  it('summarizes blocks sealed before summaries existed from their receipts, once', async () => {
    const seq = await newSeq();
    for (let b = 0; b < 4; b++) {
      await sealAll(
        seq,
        await Promise.all([0, 1, 2].map((from) => sign(seq, from, { type: 'eip1559', maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: BigInt(from * 10 + b) }))),
      );
    }
    const head = seq.headNumber;
    const expected = reference(seq, 0n, head, [25, 50, 75]);
    // As a chain sealed before this change: no summary for any block.
    seq.sql.query(`DELETE FROM fee_summaries`);
    expect(feeHistory(seq, 100, head, [25, 50, 75])).toEqual(expected);
    expect(summaries(seq)).toBe(Number(head) + 1);
    expect(feeHistory(seq, 100, head, [25, 50, 75])).toEqual(expected);
  });

  it(`summarizes at most ${MAX_FEE_BACKFILL_RECEIPTS} receipts' worth of old blocks per call, newest first, and answers for those`, async () => {
    const seq = await newSeq();
    await sealAll(seq, [await sign(seq, 7, { type: 'eip1559', maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 5n })]);
    // Three blocks of 200 transfers: the newest two stay under the budget, the third crosses it.
    const perBlock = 200;
    for (let b = 0; b < 3; b++) {
      const txs: CheckedTransaction[] = [];
      for (let i = 0; i < perBlock; i++) txs.push(await sign(seq, i % 4, { type: 'eip1559', maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: BigInt(i % 13) }));
      await sealAll(seq, txs);
    }
    expect(2 * perBlock).toBeLessThan(MAX_FEE_BACKFILL_RECEIPTS);
    expect(3 * perBlock).toBeGreaterThanOrEqual(MAX_FEE_BACKFILL_RECEIPTS);
    const head = seq.headNumber;
    seq.sql.query(`DELETE FROM fee_summaries`);
    const ps = [1, 50, 99];
    const first = feeHistory(seq, 10, head, ps);
    expect(first).toEqual(reference(seq, head - 2n, head, ps));
    expect(summaries(seq)).toBe(3);
    // The next call goes on from there: the single-transaction block and the genesis block.
    expect(feeHistory(seq, 10, head, ps)).toEqual(reference(seq, 0n, head, ps));
    expect(summaries(seq)).toBe(Number(head) + 1);
  });

  it(`answers for at most ${MAX_FEE_HISTORY_BLOCKS} blocks and ${MAX_FEE_HISTORY_PERCENTILES} percentiles`, async () => {
    const seq = await newSeq();
    for (let i = 0; i < MAX_FEE_HISTORY_BLOCKS + 1; i++) {
      seq.addPriorityOps([{ index: BigInt(i), l1Sender: accounts[0].address, l2Recipient: accounts[1].address, amount: 1n }]);
      await seq.seal(Date.now());
    }
    const head = seq.headNumber;
    const got = feeHistory(seq, MAX_FEE_HISTORY_BLOCKS + 1, head, [50]);
    expect(got.oldestBlock).toBe(toQuantity(head - BigInt(MAX_FEE_HISTORY_BLOCKS) + 1n));
    expect(got.reward).toHaveLength(MAX_FEE_HISTORY_BLOCKS);
    expect(got.baseFeePerGas).toHaveLength(MAX_FEE_HISTORY_BLOCKS + 1);
    const many = Array.from({ length: MAX_FEE_HISTORY_PERCENTILES + 1 }, (_, i) => i / 2);
    expect(feeHistory(seq, 1, head, many.slice(1)).reward?.[0]).toHaveLength(MAX_FEE_HISTORY_PERCENTILES);
    expect(() => feeHistory(seq, 1, head, many)).toThrow(`invalid reward percentiles: want at most ${MAX_FEE_HISTORY_PERCENTILES} numbers`);
    expect(() => feeHistory(seq, 1, head, [50, 10])).toThrow('invalid reward percentiles: want increasing values in [0, 100]');
  });
});

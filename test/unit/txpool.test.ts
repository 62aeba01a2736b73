/**
 * The transaction pool cannot be captured: the balance covers all of a sender's pending
 * transactions, those that cannot run expire, and a full pool makes room for a better-paying
 * newcomer. Against the real SequencerCore over node:sqlite, with the clock driven through `nowMs`.
 */
import { type Hex, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChainConfig, type ChainVars, parseChainConfig } from '../../core/chain/config.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SqlPort } from '../../core/storage/sql.ts';
import { type CheckedTransaction, checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { EXPIRY_SCAN_INTERVAL_MS, type PoolOptions } from '../../core/txpool/pool.ts';
import type { TestTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const T0 = 1_800_000_000_000;
const GWEI = 10n ** 9n;
/** Base fee of block 1: the genesis base fee (GENESIS_BASE_FEE's default). */
const B0 = GWEI;
const SINK: Hex = '0x000000000000000000000000000000000000beef';
/** Init code that jumps to itself until the gas runs out: a creation that uses all its gas. */
const LOOP: Hex = '0x5b600056';
const NORMAL = { maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: GWEI };
/** A small block gas limit, so that the creation filling a block to raise the base fee runs quickly. */
const GAS_LIMIT = 1_000_000n;

const keyOf = (label: string) => keccak256(toHex(`txpool-test-${label}`));
const addressOf = (label: string) => privateKeyToAccount(keyOf(label)).address;
/** What a 21,000-gas transfer of `value` at `maxFeePerGas` must be covered by. */
const transferCost = (maxFeePerGas: bigint, value = 0n) => 21_000n * maxFeePerGas + value;

/** A chain whose genesis funds each labelled account with the given balance. */
function chainWith(balances: Record<string, bigint>, vars: ChainVars = {}): ChainConfig {
  const accounts = Object.entries(balances).map(([label, wei]) => `${addressOf(label)}=${wei}`);
  return parseChainConfig({ DEV_CHAIN: '1', ...vars, GENESIS_ACCOUNTS: accounts.join(',') });
}

async function newCore(config: ChainConfig, opts: { sql?: SqlPort; pool?: Omit<PoolOptions, 'lifetimeMs'>; now?: number } = {}) {
  const core = new SequencerCore(opts.sql ?? nodeSql(), config, { pool: opts.pool });
  await core.init(opts.now ?? T0);
  return core;
}

/** An EIP-1559 transfer (21,000 gas, no value, NORMAL fees unless given) signed by the labelled key, checked as the edge checks it. */
async function tx(config: ChainConfig, label: string, nonce: number, fields: TestTx = {}): Promise<CheckedTransaction> {
  const raw = await privateKeyToAccount(keyOf(label)).signTransaction({
    chainId: Number(config.chainId),
    type: 'eip1559',
    nonce,
    to: SINK,
    value: 0n,
    gas: 21_000n,
    ...NORMAL,
    ...fields,
  });
  return checkRawTransaction(raw, config.chainId, config.blockGasLimit);
}

const accepted = (txs: CheckedTransaction[]) => txs.map((t) => ({ hash: t.hash }));
const refusal = (message: string) => [{ error: { code: -32000, message } }];

/** Admits each transaction on its own and insists it was accepted. */
function admitAll(core: SequencerCore, txs: CheckedTransaction[], now = T0): void {
  for (const t of txs) expect(core.submit([t], now)).toEqual(accepted([t]));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('transaction pool: balance over pending transactions', () => {
  it('admits a transaction only while the balance covers it and the sender pending ones, the replaced one excluded', async () => {
    const cost = transferCost(NORMAL.maxFeePerGas, 1000n);
    const bumped = { maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    const bumpedCost = transferCost(bumped.maxFeePerGas, 1000n);
    const balance = cost + bumpedCost;
    const config = chainWith({ user: balance });
    const core = await newCore(config);
    const [t0, t1, t2] = await Promise.all([0, 1, 2].map((n) => tx(config, 'user', n, { value: 1000n })));
    expect(core.submit([t0, t1], T0)).toEqual(accepted([t0, t1]));
    // Each alone is covered; all three together are not.
    expect(t2.cost).toBeLessThan(balance);
    expect(core.submit([t2], T0)).toEqual(refusal(`insufficient funds for gas * price + value: address ${t2.sender} have ${balance} want ${3n * cost}`));
    // A replacement is judged with what it replaces taken out: cost + bumpedCost is exactly the balance.
    const t1Bumped = await tx(config, 'user', 1, { value: 1000n, ...bumped });
    expect(core.submit([t1Bumped], T0)).toEqual(accepted([t1Bumped]));
    expect(core.pool.get(t1.hash)).toBeUndefined();
    // ...and only what it replaces: bumping nonce 0 as well would need 2 * bumpedCost.
    const t0Bumped = await tx(config, 'user', 0, { value: 1000n, ...bumped });
    expect(core.submit([t0Bumped], T0)).toEqual(
      refusal(`insufficient funds for gas * price + value: address ${t0.sender} have ${balance} want ${2n * bumpedCost}`),
    );
    const sealed = await core.seal(T0);
    expect(sealed?.included).toEqual([t0.hash, t1Bumped.hash]);
    expect(core.receipt(t1Bumped.hash)?.status).toBe('0x1');
    expect(core.pool.size).toBe(0);
  });
});

describe('transaction pool: expiry of transactions that cannot run', () => {
  const LIFETIME = 60_000;

  it('drops nonce-gapped and fee-deferred transactions after TXPOOL_LIFETIME_MS, keeps runnable ones, and says so', async () => {
    const config = chainWith(
      { burner: 10n ** 18n, deferred: 10n ** 18n, gapped: 10n ** 18n, late: 10n ** 18n, runnable: 10n ** 18n },
      { TXPOOL_LIFETIME_MS: String(LIFETIME), BLOCK_GAS_LIMIT: String(GAS_LIMIT) },
    );
    const core = await newCore(config);
    // Block 1: a creation that burns all but 20,000 of the block's gas, so nothing else fits and the
    // base fee rises above `deferred`'s max fee: from then on its transactions cannot run.
    const burner = await tx(config, 'burner', 0, { to: undefined, data: LOOP, gas: config.blockGasLimit - 20_000n });
    const deferred0 = await tx(config, 'deferred', 0, { maxFeePerGas: B0, maxPriorityFeePerGas: 0n });
    const deferred1 = await tx(config, 'deferred', 1);
    const gapped1 = await tx(config, 'gapped', 1);
    const runnable0 = await tx(config, 'runnable', 0);
    admitAll(core, [burner, deferred0, deferred1, gapped1, runnable0]);
    const block1 = await core.seal(T0);
    expect(block1?.included).toEqual([burner.hash]);
    expect(core.nextBaseFee()).toBeGreaterThan(B0);
    const late2 = await tx(config, 'late', 2);
    admitAll(core, [late2], T0 + LIFETIME / 2);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});

    expect(core.expire(T0 + LIFETIME - 1)).toEqual([]);
    expect(core.pool.size).toBe(5);
    const expired = core.expire(T0 + LIFETIME);
    const stuck = [deferred0, deferred1, gapped1].map((t) => ({ hash: t.hash, reason: 'expired' }));
    expect(expired).toEqual(expect.arrayContaining(stuck));
    expect(expired).toHaveLength(3);
    for (const { hash } of stuck) expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`dropped ${hash} .*: expired`)));
    // The runnable one is as old but only waited for room in a block; the late one is younger.
    expect(core.pool.get(runnable0.hash)).toBeDefined();
    expect(core.pool.get(late2.hash)).toBeDefined();
    expect(core.pendingNonce(deferred0.sender)).toBe(0n);

    expect((await core.seal(T0 + LIFETIME))?.included).toEqual([runnable0.hash]);
    expect(core.expire(T0 + LIFETIME / 2 + LIFETIME - 1)).toEqual([]);
    // Scans of the whole pool are at least EXPIRY_SCAN_INTERVAL_MS apart: it goes within that much more.
    expect(core.expire(T0 + LIFETIME / 2 + LIFETIME + EXPIRY_SCAN_INTERVAL_MS)).toEqual([{ hash: late2.hash, reason: 'expired' }]);
    expect(core.pool.size).toBe(0);
    // Nothing pending, nothing to wake up for.
    expect(core.pool.expiryDeadline()).toBeUndefined();
  });

  it('expires from seal, and a fee bump does not renew a transaction that still cannot run', async () => {
    const config = chainWith({ gapped: 10n ** 18n, user: 10n ** 18n }, { TXPOOL_LIFETIME_MS: String(LIFETIME) });
    const core = await newCore(config);
    const gapped1 = await tx(config, 'gapped', 1);
    admitAll(core, [gapped1]);
    expect(core.pool.expiryDeadline()).toBe(T0 + LIFETIME);
    const bumped = await tx(config, 'gapped', 1, { maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 2n * GWEI });
    admitAll(core, [bumped], T0 + LIFETIME - 1);
    const user0 = await tx(config, 'user', 0);
    admitAll(core, [user0], T0 + LIFETIME);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sealed = await core.seal(T0 + LIFETIME);
    expect(sealed?.included).toEqual([user0.hash]);
    expect(core.pool.get(bumped.hash)).toBeUndefined();
    expect(core.pool.size).toBe(0);
  });

  it('keeps the pool and the admission times across a restart, and dates rows stored without one once', async () => {
    const sql = nodeSql();
    const config = chainWith({ a: 10n ** 18n, b: 10n ** 18n }, { TXPOOL_LIFETIME_MS: String(LIFETIME) });
    const first = await newCore(config, { sql });
    const a1 = await tx(config, 'a', 1);
    admitAll(first, [a1]);
    const second = await newCore(config, { sql, now: T0 + LIFETIME / 2 });
    expect(second.pool.get(a1.hash)).toMatchObject({ admittedAt: T0, nonce: 1n });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(second.expire(T0 + LIFETIME)).toEqual([{ hash: a1.hash, reason: 'expired' }]);

    // A row written before admission times were stored: it loads, and its lifetime starts at
    // that load, durably (a later restart does not start it again).
    const b1 = await tx(config, 'b', 1);
    admitAll(second, [b1], T0 + LIFETIME);
    sql.query(`UPDATE pool SET body = json_remove(body, '$.admittedAt') WHERE hash = ?`, b1.hash);
    const T1 = T0 + 10 * LIFETIME;
    const third = await newCore(config, { sql, now: T1 });
    expect(third.pool.get(b1.hash)).toMatchObject({ admittedAt: T1 });
    expect(third.expire(T1)).toEqual([]);
    const fourth = await newCore(config, { sql, now: T1 + LIFETIME / 2 });
    expect(fourth.expire(T1 + LIFETIME - 1)).toEqual([]);
    expect(fourth.expire(T1 + LIFETIME)).toEqual([{ hash: b1.hash, reason: 'expired' }]);
    const fifth = await newCore(config, { sql, now: T1 + LIFETIME });
    expect(fifth.pool.size).toBe(0);
  });
});

describe('transaction pool: a full pool', () => {
  const tipped = (tip: bigint) => ({ maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: tip });
  const FUNDED = 10n ** 18n;

  it('evicts for a better-paying newcomer the last transaction of the sender holding the cheapest, and refuses the rest', async () => {
    const sql = nodeSql();
    const config = chainWith({ p: FUNDED, q: FUNDED, r: FUNDED, x: FUNDED, y: FUNDED, z: FUNDED, w: FUNDED });
    const core = await newCore(config, { sql, pool: { maxSize: 4 } });
    // p's first transaction is the cheapest of the pool; its second pays well but waits behind it.
    const p0 = await tx(config, 'p', 0, tipped(1n));
    const p1 = await tx(config, 'p', 1, tipped(50n));
    const q0 = await tx(config, 'q', 0, tipped(10n));
    const r0 = await tx(config, 'r', 0, tipped(20n));
    admitAll(core, [p0, p1, q0, r0]);
    const full = refusal('txpool is full');

    // Paying as much as the cheapest is not paying more.
    expect(core.submit([await tx(config, 'x', 0, tipped(1n))], T0)).toEqual(full);
    // A transaction behind a nonce gap never evicts one that may run, however much it pays.
    expect(core.submit([await tx(config, 'y', 1, tipped(100n))], T0)).toEqual(full);
    // p's next one pays a lot but could only run after p0, the cheapest: it is no better.
    expect(core.submit([await tx(config, 'p', 2, tipped(100n))], T0)).toEqual(full);
    expect(core.pool.size).toBe(4);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // Evicting p0 would strand p1 behind a gap: p's last transaction goes, p0 stays.
    const x0 = await tx(config, 'x', 0, tipped(5n));
    admitAll(core, [x0]);
    expect(core.pool.get(p1.hash)).toBeUndefined();
    expect(core.pool.get(p0.hash)).toBeDefined();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`dropped ${p1.hash} .*: evicted, .* ${x0.hash} pays more`)));
    const z0 = await tx(config, 'z', 0, tipped(6n));
    admitAll(core, [z0]);
    expect(core.pool.get(p0.hash)).toBeUndefined();
    // Now x0 (tip 5) is the cheapest.
    const w0 = await tx(config, 'w', 0, tipped(6n));
    admitAll(core, [w0]);
    expect(core.pool.get(x0.hash)).toBeUndefined();
    // At equal tips the max fee decides; between z0 and w0, equal in price and nonce, the later arrival goes.
    const y0 = await tx(config, 'y', 0, { maxFeePerGas: 2n * GWEI + 1n, maxPriorityFeePerGas: 6n });
    admitAll(core, [y0]);
    expect(core.pool.get(w0.hash)).toBeUndefined();
    const left = [q0, r0, z0, y0];
    for (const t of left) expect(core.pool.get(t.hash)).toBeDefined();

    // The evictions are durable: a restarted core holds the same four and evicts in the same order.
    const restarted = await newCore(config, { sql, pool: { maxSize: 4 } });
    for (const t of left) expect(restarted.pool.get(t.hash)).toBeDefined();
    expect(restarted.pool.size).toBe(4);
    expect(restarted.pendingNonce(p0.sender)).toBe(0n);
    const sealed = await restarted.seal(T0);
    expect(new Set(sealed?.included)).toEqual(new Set(left.map((t) => t.hash)));
  });

  it('still evicts in price order after many transactions came and went', async () => {
    const tips = [7n, 3n, 11n, 1n, 9n, 5n, 12n, 2n, 10n, 4n, 8n, 6n];
    const labels = tips.map((_, i) => `resident-${i}`);
    const config = chainWith({ churn: FUNDED, ...Object.fromEntries([...labels, 'n0', 'n1', 'n2', 'f0', 'f1', 'f2', 'f3'].map((l) => [l, FUNDED])) });
    const core = await newCore(config, { pool: { maxSize: 16 } });
    // Behind a nonce gap, the residents stay while 100 transactions pass through the pool in 25 blocks.
    const residents = await Promise.all(labels.map((l, i) => tx(config, l, 1, tipped(tips[i]))));
    admitAll(core, residents);
    for (let block = 0; block < 25; block++) {
      const churn = await Promise.all([0, 1, 2, 3].map((k) => tx(config, 'churn', 4 * block + k)));
      admitAll(core, churn);
      expect((await core.seal(T0))?.included).toEqual(churn.map((t) => t.hash));
    }
    admitAll(core, await Promise.all(['f0', 'f1', 'f2', 'f3'].map((l) => tx(config, l, 0, tipped(100n)))));
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const [k, label] of ['n0', 'n1', 'n2'].entries()) {
      admitAll(core, [await tx(config, label, 0, tipped(50n))]);
      const cheapest = residents[tips.indexOf(BigInt(k + 1))];
      expect(core.pool.get(cheapest.hash)).toBeUndefined();
      expect(core.pool.size).toBe(16);
    }
  });

  it('keeps the cap per sender', async () => {
    const config = chainWith({ s: FUNDED });
    const core = await newCore(config, { pool: { maxSize: 10, maxPerSender: 2 } });
    admitAll(core, [await tx(config, 's', 0), await tx(config, 's', 1)]);
    expect(core.submit([await tx(config, 's', 2, tipped(100n))], T0)).toEqual(refusal('txpool is full: sender has 2 pending transactions'));
  });

  it('cannot be captured by cheap, gapped or barely funded senders: a normally priced transfer lands in the next block', async () => {
    const POOL = 48;
    const deferredLabels = Array.from({ length: 8 }, (_, i) => `deferred-${i}`);
    const gappedLabels = Array.from({ length: 4 }, (_, i) => `gapped-${i}`);
    const poorLabels = Array.from({ length: 8 }, (_, i) => `poor-${i}`);
    // The base fee of block 2 (after a block that used all but 20,000 of its gas), what the
    // barely funded senders pay: each holds exactly one transfer's worth at it.
    const B1 = B0 + (B0 * (GAS_LIMIT / 2n - 20_000n)) / (GAS_LIMIT / 2n) / 8n;
    const vars = { BLOCK_GAS_LIMIT: String(GAS_LIMIT) };
    const config = chainWith(
      {
        burner: FUNDED,
        honest: FUNDED,
        latecomer: FUNDED,
        ...Object.fromEntries(deferredLabels.map((l) => [l, transferCost(B0)])),
        ...Object.fromEntries(gappedLabels.map((l) => [l, 16n * transferCost(2n * GWEI)])),
        ...Object.fromEntries(poorLabels.map((l) => [l, transferCost(B1)])),
      },
      vars,
    );
    const core = await newCore(config, { pool: { maxSize: POOL } });

    // Fee-deferred: admitted at the base fee, which the burner's block then raises above them.
    const burner = await tx(config, 'burner', 0, { to: undefined, data: LOOP, gas: config.blockGasLimit - 20_000n, ...NORMAL });
    const deferred = await Promise.all(deferredLabels.map((l) => tx(config, l, 0, { maxFeePerGas: B0, maxPriorityFeePerGas: 0n })));
    expect(core.submit([burner, ...deferred], T0)).toEqual(accepted([burner, ...deferred]));
    expect((await core.seal(T0))?.included).toEqual([burner.hash]);
    expect(core.nextBaseFee()).toBe(B1);

    // Gapped: eight transactions each behind a missing nonce 0, tipping 1 wei.
    const gapped = (await Promise.all(gappedLabels.map((l) => Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => tx(config, l, n, tipped(1n))))))).flat();
    expect(core.submit(gapped, T0 + 1000)).toEqual(accepted(gapped));
    // Barely funded: one transfer each at the base fee, no tip; a second is more than they have.
    const poor = await Promise.all(poorLabels.map((l) => tx(config, l, 0, { maxFeePerGas: B1, maxPriorityFeePerGas: 0n })));
    expect(core.submit(poor, T0 + 1000)).toEqual(accepted(poor));
    const second = await tx(config, poorLabels[0], 1, { maxFeePerGas: B1, maxPriorityFeePerGas: 0n });
    expect(core.submit([second], T0 + 1000)[0]).toMatchObject({
      error: { code: -32000, message: expect.stringMatching(/^insufficient funds for gas \* price \+ value/) },
    });
    expect(core.pool.size).toBe(POOL);
    // Full: the gapped senders cannot push in more, however they pay.
    expect(core.submit([await tx(config, gappedLabels[0], 9, tipped(GWEI))], T0 + 1000)).toEqual(refusal('txpool is full'));

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const honest = await tx(config, 'honest', 0, { value: 10n ** 15n });
    expect(core.submit([honest], T0 + 2000)).toEqual(accepted([honest]));
    expect(core.pool.size).toBe(POOL);
    const evicted = deferred.filter((t) => !core.pool.get(t.hash));
    expect(evicted).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`dropped ${evicted[0].hash} .*: evicted`)));

    const head = core.headNumber;
    const sealed = await core.seal(T0 + 2000);
    expect(core.headNumber).toBe(head + 1n);
    expect(sealed?.included).toContain(honest.hash);
    expect(core.receipt(honest.hash)?.status).toBe('0x1');
    expect(core.account(SINK)?.balance).toBe(10n ** 15n);
    // What the full pool held without a chance to run is gone once its lifetime is over.
    const latecomer = await tx(config, 'latecomer', 0);
    admitAll(core, [latecomer], T0 + config.txpoolLifetimeMs + 1000);
    const later = await core.seal(T0 + config.txpoolLifetimeMs + 1000);
    expect(later?.included).toContain(latecomer.hash);
    for (const t of gapped) expect(core.pool.get(t.hash)).toBeUndefined();
  });

  it('puts a better-paying transfer in the next block however many cheaper runnable ones wait, keeping each sender in nonce order', async () => {
    // 1,000,000 gas: 47 transfers a block; 8 senders with 10 runnable 1-wei-tip transfers each wait.
    const cheapLabels = Array.from({ length: 8 }, (_, i) => `cheap-${i}`);
    const config = chainWith({ honest: FUNDED, ...Object.fromEntries(cheapLabels.map((l) => [l, FUNDED])) }, { BLOCK_GAS_LIMIT: String(GAS_LIMIT) });
    const core = await newCore(config);
    const cheap = (await Promise.all(cheapLabels.map((l) => Promise.all(Array.from({ length: 10 }, (_, n) => tx(config, l, n, tipped(1n))))))).flat();
    admitAll(core, cheap);
    const honest = await tx(config, 'honest', 0);
    admitAll(core, [honest], T0 + 1);
    const first = await core.seal(T0 + 2);
    expect(first?.included[0]).toBe(honest.hash);
    expect(first?.included).toHaveLength(47);
    const second = await core.seal(T0 + 3);
    expect(second?.included).toHaveLength(cheap.length - 46);
    for (const l of cheapLabels) expect(core.pendingNonce(addressOf(l).toLowerCase() as Hex)).toBe(10n);
  });
});

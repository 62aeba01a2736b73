/**
 * Deposits, withdrawals, batches and restarts against the real SequencerCore over node:sqlite:
 * the priority queue, the batcher's closing rules and commitment chain, and withdrawal proofs.
 */
import { encodeFunctionData, getAddress, parseAbi, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { decodeBatchData, encodeBlockData } from '../../core/batches/batchData.ts';
import { genesisCommitment } from '../../core/batches/batcher.ts';
import { batchHash } from '../../core/batches/commitment.ts';
import { EMPTY_ROLLING_HASH, type PriorityOp, rollingHashOf } from '../../core/bridge/priorityOps.ts';
import { L2_WITHDRAWALS_ADDRESS, merkleRoot, merkleRootFromProof, withdrawalLeaf } from '../../core/bridge/withdrawals.ts';
import { type ChainVars, DEV_ACCOUNT_BALANCE, parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { MAX_PRIORITY_OPS_PER_BLOCK } from '../../core/sequencer/priorityQueue.ts';
import { MAX_BLOCK_TX_BYTES, SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SqlPort } from '../../core/storage/sql.ts';
import { checkedTx, devAccount, type TestTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const NOW = 1_800_000_000_000;
const BEEF: Hex = '0x000000000000000000000000000000000000beef';
const withdrawAbi = parseAbi(['function withdraw(address l1Recipient) payable returns (uint256)']);
const base = parseChainConfig({ DEV_CHAIN: '1' });
const ADDRS = Array.from({ length: 10 }, (_, i) => devAccount(i).address.toLowerCase() as Hex);
const addr = (i: number) => ADDRS[i];

async function newSeq(vars: ChainVars = {}, sql: SqlPort = nodeSql()) {
  const seq = new SequencerCore(sql, parseChainConfig({ DEV_CHAIN: '1', ...vars }));
  await seq.init();
  return seq;
}

const sign = (from: number, nonce: number, tx: TestTx & { to: Hex }) => checkedTx(base, from, nonce, tx);

const withdrawTx = (from: number, nonce: number, recipient: number, value: bigint) =>
  sign(from, nonce, {
    to: L2_WITHDRAWALS_ADDRESS,
    value,
    data: encodeFunctionData({ abi: withdrawAbi, functionName: 'withdraw', args: [devAccount(recipient).address] }),
  });

const deposit = (index: number, recipient: Hex = `0x00000000000000000000000000000000000d05${index.toString(16).padStart(2, '0')}`): PriorityOp => ({
  index: BigInt(index),
  l1Sender: addr(1),
  l2Recipient: recipient,
  amount: parseEther(String(index + 1)),
});

/** Submits `txs`, seals at `now` and insists every one of them made it in. */
async function sealWith(seq: SequencerCore, now: number, txs: Awaited<ReturnType<typeof sign>>[] = []) {
  expect(seq.submit(txs)).toEqual(txs.map((t) => ({ hash: t.hash })));
  const sealed = await seq.seal(now);
  if (!sealed) throw new Error('nothing sealed');
  expect(sealed.included).toEqual(txs.map((t) => t.hash));
  return sealed;
}

describe('deposits (L1 priority operations)', () => {
  it('credits recipients in the next block, ignores repeats, refuses gaps and conflicts, and rolls the hash', async () => {
    const seq = await newSeq({ BATCH_MAX_BLOCKS: '1' });
    const ops = [deposit(0), deposit(1)];
    expect(seq.hasPending()).toBe(false);
    expect(seq.addPriorityOps([ops[1], ops[0]])).toBe(2); // out of order in one call: sorted
    expect(seq.hasPending()).toBe(true);
    expect(seq.addPriorityOps(ops)).toBe(0);
    // Addresses compare case-insensitively: a checksummed repeat is the same operation.
    expect(seq.addPriorityOps([{ ...ops[1], l1Sender: getAddress(ops[1].l1Sender) }])).toBe(0);
    expect(() => seq.addPriorityOps([deposit(5)])).toThrow(/gap/);
    // One refused operation refuses the whole call: op 2 is not kept either.
    expect(() => seq.addPriorityOps([deposit(2), deposit(4)])).toThrow(/gap/);
    expect(seq.priorityQueue.known()).toBe(2n);
    expect(() => seq.addPriorityOps([{ ...ops[0], amount: ops[0].amount + 1n }])).toThrow(/differs/);
    expect(() => seq.addPriorityOps([{ ...ops[1], l2Recipient: BEEF }])).toThrow(/differs/);

    const sealed = await sealWith(seq, NOW);
    expect(sealed.header.number).toBe('0x1');
    expect(sealed.priorityOps).toEqual(ops);
    expect(seq.account(ops[0].l2Recipient)?.balance).toBe(parseEther('1'));
    expect(seq.account(ops[1].l2Recipient)?.balance).toBe(parseEther('2'));
    expect(seq.hasPending()).toBe(false);
    expect(await seq.seal(NOW + 1000)).toBeNull();
    const c1 = sealed.closedBatch?.commitment;
    expect(c1).toMatchObject({ batchNumber: 1n, firstBlock: 1n, lastBlock: 1n, priorityOpsCount: 2n });
    expect(c1?.priorityOpsRollingHash).toBe(rollingHashOf(EMPTY_ROLLING_HASH, ops));
    expect(decodeBatchData(sealed.closedBatch?.data ?? new Uint8Array())).toEqual([
      { number: 1n, timestamp: BigInt(NOW / 1000), priorityOps: 2n, transactions: [] },
    ]);

    // Applied operations stay known: a repeat is ignored, a conflicting one still refused.
    expect(seq.addPriorityOps(ops)).toBe(0);
    expect(() => seq.addPriorityOps([{ ...ops[0], amount: 1n }])).toThrow(/differs/);
    expect(seq.addPriorityOps([deposit(2, ops[0].l2Recipient)])).toBe(1);
    const next = await sealWith(seq, NOW + 2000);
    expect(seq.account(ops[0].l2Recipient)?.balance).toBe(parseEther('4'));
    expect(next.closedBatch?.commitment).toMatchObject({ batchNumber: 2n, priorityOpsCount: 1n });
    expect(next.closedBatch?.commitment.priorityOpsRollingHash).toBe(rollingHashOf(EMPTY_ROLLING_HASH, [...ops, deposit(2, ops[0].l2Recipient)]));
  });

  it('spreads more than MAX_PRIORITY_OPS_PER_BLOCK operations over consecutive blocks, in order', async () => {
    const seq = await newSeq({ BATCH_MAX_BLOCKS: '2' });
    const ops = Array.from({ length: MAX_PRIORITY_OPS_PER_BLOCK + 10 }, (_, i) => deposit(i, BEEF));
    expect(seq.addPriorityOps(ops)).toBe(ops.length);
    expect((await sealWith(seq, NOW)).priorityOps).toEqual(ops.slice(0, MAX_PRIORITY_OPS_PER_BLOCK));
    expect(seq.hasPending()).toBe(true);
    const s = await sealWith(seq, NOW + 1000);
    expect(s.priorityOps).toEqual(ops.slice(MAX_PRIORITY_OPS_PER_BLOCK));
    expect(s.closedBatch?.commitment).toMatchObject({ priorityOpsCount: BigInt(ops.length), priorityOpsRollingHash: rollingHashOf(EMPTY_ROLLING_HASH, ops) });
    expect(seq.account(BEEF)?.balance).toBe(ops.reduce((n, op) => n + op.amount, 0n));
    expect(seq.hasPending()).toBe(false);
  });
});

describe('withdrawals', () => {
  it('burns value, roots the leaves in the batch, proves them once the batch closes and tracks L1 progress', async () => {
    const seq = await newSeq({ BATCH_MAX_BLOCKS: '2' });
    const a = await withdrawTx(4, 0, 6, parseEther('0.5'));
    const b = await withdrawTx(5, 0, 7, parseEther('0.25'));
    const plain = await sign(3, 0, { to: BEEF, value: 1n, gas: 21_000n });
    const zero = await withdrawTx(2, 0, 7, 0n);
    const s1 = await sealWith(seq, NOW, [a, b, plain, zero]);
    expect(s1.closedBatch).toBeUndefined();
    const fee = (h: Hex) => {
      const r = seq.receipt(h);
      return BigInt(r?.gasUsed ?? 0) * BigInt(r?.effectiveGasPrice ?? 0);
    };
    expect(seq.account(addr(4))?.balance).toBe(DEV_ACCOUNT_BALANCE - parseEther('0.5') - fee(a.hash));
    expect(seq.account(L2_WITHDRAWALS_ADDRESS)?.balance).toBe(parseEther('0.75'));
    expect(seq.receipt(zero.hash)?.status).toBe('0x0');
    expect(seq.account(addr(2))?.balance).toBe(DEV_ACCOUNT_BALANCE - fee(zero.hash));
    expect(seq.batcher.withdrawals(1, 1).map((w) => w.txHash)).toEqual([a.hash, b.hash]);

    expect(() => seq.withdrawalProof(a.hash)).toThrow(/not closed/);
    expect(seq.withdrawalProof(plain.hash)).toEqual({ batchNumber: null, withdrawals: [], status: 'none' });
    expect(seq.withdrawalProof(zero.hash)).toEqual({ batchNumber: null, withdrawals: [], status: 'none' });
    expect(seq.withdrawalProof(keccakHex(BEEF))).toBeNull();

    const c = await withdrawTx(4, 1, 8, 3n);
    const s2 = await sealWith(seq, NOW + 1000, [c]);
    const batch = s2.closedBatch;
    expect(batch?.commitment).toMatchObject({ batchNumber: 1n, firstBlock: 1n, lastBlock: 2n });
    const expected = [
      { id: 0n, l2Sender: addr(4), l1Recipient: addr(6), amount: parseEther('0.5'), tx: a.hash },
      { id: 1n, l2Sender: addr(5), l1Recipient: addr(7), amount: parseEther('0.25'), tx: b.hash },
      { id: 2n, l2Sender: addr(4), l1Recipient: addr(8), amount: 3n, tx: c.hash },
    ];
    const leaves = expected.map(({ tx: _, ...w }) => withdrawalLeaf(w));
    const root = merkleRoot(leaves);
    expect(batch?.commitment.withdrawalsRoot).toBe(root);
    expect(seq.batcher.batch(1)?.commitment.withdrawalsRoot).toBe(root);
    for (const [index, { tx, ...w }] of expected.entries()) {
      const p = seq.withdrawalProof(tx);
      expect(p).toMatchObject({ batchNumber: 1, withdrawalsRoot: root, status: 'closed' });
      expect(p?.withdrawals).toEqual([{ ...w, leaf: leaves[index], index, proof: expect.any(Array) }]);
      const [one] = p?.withdrawals ?? [];
      expect(merkleRootFromProof(one.leaf, one.index, one.proof)).toBe(root);
    }
    expect(seq.withdrawalProof(`0x${b.hash.slice(2).toUpperCase()}`)).toEqual(seq.withdrawalProof(b.hash));
    expect(seq.withdrawalProof(plain.hash)).toEqual({ batchNumber: 1, withdrawalsRoot: root, withdrawals: [], status: 'none' });

    seq.setL1Progress({ committed: 1, proven: 0, executed: 0 });
    expect(seq.withdrawalProof(a.hash)?.status).toBe('committed');
    seq.setL1Progress({ committed: 1, proven: 1, executed: 1 });
    expect(seq.withdrawalProof(a.hash)?.status).toBe('executed');
    expect(seq.withdrawalProof(plain.hash)?.status).toBe('none');
  });
});

describe('batches', () => {
  it('closes by block count and chains commitments from the genesis batch', async () => {
    const seq = await newSeq({ BATCH_MAX_BLOCKS: '3' });
    const genesis = seq.head();
    const batch0 = seq.batcher.batch(0);
    expect(batch0?.commitment).toEqual(genesisCommitment(genesis));
    expect(batch0?.commitment).toMatchObject({ batchNumber: 0n, firstBlock: 0n, lastBlock: 0n, newStateRoot: genesis.stateRoot });
    expect(batch0?.hash).toBe(batchHash(genesisCommitment(genesis)));
    expect(seq.taggedBlock('safe')).toBe(0n);
    expect(seq.taggedBlock('finalized')).toBe(0n);

    const blocks: { number: bigint; timestamp: bigint; stateRoot: Hex; raw: Hex }[] = [];
    const closed: (number | undefined)[] = [];
    for (let i = 0; i < 7; i++) {
      const tx = await sign(0, i, { to: BEEF, value: BigInt(i + 1), gas: 21_000n });
      const s = await sealWith(seq, NOW + i * 1000, [tx]);
      blocks.push({ number: BigInt(s.header.number), timestamp: BigInt(s.header.timestamp), stateRoot: s.header.stateRoot, raw: tx.raw });
      closed.push(s.closedBatch ? Number(s.closedBatch.commitment.batchNumber) : undefined);
    }
    expect(closed).toEqual([undefined, undefined, 1, undefined, undefined, 2, undefined]);
    expect(seq.batcher.batch(3)).toBeUndefined();
    expect(seq.batcher.open()).toMatchObject({ first: 7, last: 7, blocks: 1, firstSealedAt: NOW + 6000 });
    expect(seq.batcher.lastBatchNumber()).toBe(2);

    let prev = batch0?.commitment;
    for (const n of [1, 2]) {
      const stored = seq.batcher.batch(n);
      if (!stored || !prev) throw new Error(`batch ${n} missing`);
      const mine = blocks.slice((n - 1) * 3, n * 3);
      expect(stored.commitment).toMatchObject({
        batchNumber: BigInt(n),
        firstBlock: prev.lastBlock + 1n,
        lastBlock: mine[2].number,
        firstTimestamp: mine[0].timestamp,
        lastTimestamp: mine[2].timestamp,
        priorityOpsCount: 0n,
        prevStateRoot: prev.newStateRoot,
        newStateRoot: mine[2].stateRoot,
        txDataHash: keccakHex(stored.data),
        priorityOpsRollingHash: EMPTY_ROLLING_HASH,
        withdrawalsRoot: merkleRoot([]),
      });
      expect(stored.hash).toBe(batchHash(stored.commitment));
      expect(decodeBatchData(stored.data)).toEqual(mine.map((b) => ({ number: b.number, timestamp: b.timestamp, priorityOps: 0n, transactions: [b.raw] })));
      for (const b of mine) expect(seq.batcher.batchOfBlock(Number(b.number))).toBe(n);
      prev = stored.commitment;
    }
    expect(seq.batcher.batch(1)?.commitment.prevStateRoot).toBe(genesis.stateRoot);
    expect(seq.batcher.batchOfBlock(7)).toBeUndefined();

    seq.setL1Progress({ committed: 2, proven: 1, executed: 1 });
    expect(seq.taggedBlock('safe')).toBe(6n);
    expect(seq.taggedBlock('finalized')).toBe(3n);
  });

  it('closes by bytes once the open batch holds BATCH_MAX_BYTES of block data', async () => {
    const seq = await newSeq({ BATCH_MAX_BYTES: '1000' });
    let open = 0;
    const expectedClose: boolean[] = [];
    const actualClose: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const tx = await sign(1, i, { to: BEEF, data: `0x${'ab'.repeat(400)}` });
      const s = await sealWith(seq, NOW + i * 1000, [tx]);
      open += encodeBlockData({ number: BigInt(i + 1), timestamp: BigInt(s.header.timestamp), priorityOps: 0n, transactions: [tx.raw] }).length;
      expectedClose.push(open >= 1000);
      actualClose.push(s.closedBatch !== undefined);
      if (open >= 1000) open = 0;
      else expect(seq.batcher.open()?.bytes).toBe(open);
    }
    expect(actualClose).toEqual(expectedClose);
    expect(actualClose).toEqual([false, true, false, true, false]);
    expect(seq.batcher.batch(1)?.commitment).toMatchObject({ firstBlock: 1n, lastBlock: 2n });
    expect(seq.batcher.batch(2)?.commitment).toMatchObject({ firstBlock: 3n, lastBlock: 4n });
    expect(decodeBatchData(seq.batcher.batch(2)?.data ?? new Uint8Array()).map((b) => b.number)).toEqual([3n, 4n]);
  });

  it('closes by age only once BATCH_MAX_AGE_MS has passed since the first block was sealed', async () => {
    const seq = await newSeq({ BATCH_MAX_AGE_MS: '500' });
    expect(seq.batcher.deadline()).toBeUndefined();
    expect(seq.batcher.closeIfDue(NOW + 10_000)).toBeUndefined();
    seq.addPriorityOps([deposit(0)]);
    await sealWith(seq, NOW);
    seq.addPriorityOps([deposit(1)]);
    expect((await sealWith(seq, NOW + 300)).closedBatch).toBeUndefined();
    expect(seq.batcher.deadline()).toBe(NOW + 500);
    expect(seq.batcher.closeIfDue(NOW + 499)).toBeUndefined();
    expect(seq.batcher.batch(1)).toBeUndefined();
    const closed = seq.batcher.closeIfDue(NOW + 500);
    expect(closed).toMatchObject({ closedAt: NOW + 500, commitment: { batchNumber: 1n, firstBlock: 1n, lastBlock: 2n, priorityOpsCount: 2n } });
    expect(seq.batcher.batch(1)).toEqual(closed);
    expect(seq.batcher.deadline()).toBeUndefined();
    expect(seq.batcher.closeIfDue(NOW + 10_000)).toBeUndefined();
    seq.addPriorityOps([deposit(2)]);
    await sealWith(seq, NOW + 2000);
    expect(seq.batcher.deadline()).toBe(NOW + 2500);
    expect(seq.batcher.closeIfDue(NOW + 2500)?.commitment).toMatchObject({ batchNumber: 2n, firstBlock: 3n, lastBlock: 3n });
  });
});

describe('restart', () => {
  it('keeps the priority queue, closed batches and the open batch on the same SQL port', async () => {
    const sql = nodeSql();
    const vars = { BATCH_MAX_BLOCKS: '2', BATCH_MAX_AGE_MS: '60000' };
    const first = await newSeq(vars, sql);
    const ops = [0, 1, 2, 3].map((i) => deposit(i));
    first.addPriorityOps(ops.slice(0, 2));
    await sealWith(first, NOW);
    const w = await withdrawTx(4, 0, 6, parseEther('1'));
    first.addPriorityOps([ops[2]]);
    await sealWith(first, NOW + 1000, [w]);
    await sealWith(first, NOW + 2000, [await sign(0, 0, { to: BEEF, value: 1n, gas: 21_000n })]);
    first.addPriorityOps([ops[3]]);
    const pendingTx = await sign(0, 1, { to: BEEF, value: 2n, gas: 21_000n });
    first.submit([pendingTx]);

    const second = await newSeq(vars, sql);
    expect(second.head()).toEqual(first.head());
    expect(second.priorityQueue.known()).toBe(4n);
    expect(second.priorityQueue.pending()).toEqual([ops[3]]);
    expect(second.priorityQueue.rollingHash()).toBe(rollingHashOf(EMPTY_ROLLING_HASH, ops.slice(0, 3)));
    expect(second.hasPending()).toBe(true);
    expect(second.addPriorityOps(ops)).toBe(0);
    expect(() => second.addPriorityOps([deposit(5)])).toThrow(/gap/);
    expect(second.batcher.batch(1)).toEqual(first.batcher.batch(1));
    expect(second.batcher.open()).toEqual({ first: 3, last: 3, blocks: 1, bytes: expect.any(Number), firstSealedAt: NOW + 2000 });
    expect(second.batcher.deadline()).toBe(NOW + 62_000);
    expect(second.withdrawalProof(w.hash)).toEqual(first.withdrawalProof(w.hash));

    expect(second.pool.get(pendingTx.hash)).toBeDefined();
    const s = await second.seal(NOW + 3000);
    if (!s) throw new Error('nothing sealed');
    expect(s.included).toEqual([pendingTx.hash]);
    expect(s.priorityOps).toEqual([ops[3]]);
    expect(s.closedBatch?.commitment).toMatchObject({
      batchNumber: 2n,
      firstBlock: 3n,
      lastBlock: 4n,
      priorityOpsCount: 1n,
      prevStateRoot: first.batcher.batch(1)?.commitment.newStateRoot,
      newStateRoot: s.header.stateRoot,
      priorityOpsRollingHash: rollingHashOf(EMPTY_ROLLING_HASH, ops),
    });
  });

  it('caps a block at MAX_BLOCK_TX_BYTES of transactions; the rest follows in the next block', async () => {
    const seq = await newSeq();
    const big = `0x${'01'.repeat(120_000)}` as Hex;
    const txs = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => sign(1, n, { to: BEEF, data: big, gas: 4_900_000n })));
    expect(seq.submit(txs)).toEqual(txs.map((t) => ({ hash: t.hash })));
    const first = await seq.seal(NOW);
    const sizes = (n: number) => txs.slice(0, n).reduce((k, t) => k + (t.raw.length - 2) / 2, 0);
    expect(sizes(first?.included.length ?? 0)).toBeLessThanOrEqual(MAX_BLOCK_TX_BYTES);
    expect(first?.included).toEqual(txs.slice(0, 4).map((t) => t.hash));
    const second = await seq.seal(NOW + 1000);
    expect(second?.included).toEqual(txs.slice(4).map((t) => t.hash));
  });

  it('refuses a priority operation with a negative index', async () => {
    const seq = await newSeq();
    expect(() => seq.addPriorityOps([{ ...deposit(0), index: -1n }])).toThrow(/negative/);
  });
});

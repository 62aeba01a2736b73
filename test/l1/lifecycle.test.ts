/**
 * The happy path on a fresh anvil, with the TypeScript helpers the sequencer and the settler use:
 * deployL1, deposits whose rolling hashes core/bridge/priorityOps.ts reproduces, two batches of
 * real batch data consuming them, one 2-of-3 threshold proof for both, execution, and a withdrawal
 * finalized once. Gas of each step is printed for the bench (not asserted).
 */
import { type Address, type Hex, keccak256, parseEventLogs, type TransactionReceipt, toBytes } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchCommitment, batchHash, encodeThresholdProof } from '../../core/batches/commitment.ts';
import { EMPTY_ROLLING_HASH, nextRollingHash, type PriorityOp } from '../../core/bridge/priorityOps.ts';
import { merkleProof, merkleRoot, type Withdrawal, withdrawalLeaf } from '../../core/bridge/withdrawals.ts';
import { signDigest } from '../../core/proving/signatures.ts';
import { bridgeAbi, rollupAbi } from '../../core/settlement/l1Abi.ts';
import type { L1Deployment } from '../../scripts/lib/l1.ts';
import { devAccount, devKey } from '../support/accounts.ts';
import {
  deployTwoOfThree,
  expectRevert,
  genesisCommitment,
  type L1,
  L2_CHAIN_ID,
  nextBatch,
  OPERATOR,
  OWNER,
  rangeDigestOf,
  send,
  signedTransfers,
  startL1,
} from './helpers.ts';

let l1: L1;
let d: L1Deployment;
const gas: Record<string, string> = {};
const genesis = genesisCommitment();

beforeAll(async () => {
  l1 = await startL1();
  d = await deployTwoOfThree(l1, genesis);
});

afterAll(async () => {
  await l1?.anvil.stop();
  if (Object.keys(gas).length > 0)
    console.log(
      `L1 gas used:\n${Object.entries(gas)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}`,
    );
});

const rollupRead = (functionName: string, args: readonly unknown[] = []) =>
  // biome-ignore lint/suspicious/noExplicitAny: reads by name; values are asserted
  l1.publicClient.readContract({ address: d.rollup, abi: rollupAbi, functionName, args } as any);

/** Signatures of `signers` (development accounts) over the range digest of `batches`, as encodeThresholdProof orders them. */
function thresholdProof(batches: BatchCommitment[], signers: number[]): Hex {
  const digest = rangeDigestOf(d.rollup, batches);
  return encodeThresholdProof(
    digest,
    signers.map((i) => signDigest(digest, devKey(i))),
  );
}

const recipient = (label: string): Address => `0x${keccak256(toBytes(label)).slice(26)}`;

describe('L1 lifecycle: deposit, commit, prove, execute, withdraw', () => {
  const ops: PriorityOp[] = [];
  let rolling: Hex = EMPTY_ROLLING_HASH;
  const committed: BatchCommitment[] = [genesis];
  const withdrawals: Withdrawal[] = [0n, 1n, 2n].map((id) => ({
    id,
    l2Sender: devAccount(4).address,
    l1Recipient: recipient(`withdrawal ${id}`),
    amount: 10n ** 17n * (id + 1n),
  }));

  it('deployL1 wires the contracts', async () => {
    expect(await rollupRead('bridge')).toBe(d.bridge);
    expect(await rollupRead('verifier')).toBe(d.verifier);
    expect(await rollupRead('operator')).toBe(devAccount(OPERATOR).address);
    expect(await rollupRead('owner')).toBe(devAccount(OWNER).address);
    expect(await rollupRead('l2ChainId')).toBe(L2_CHAIN_ID);
    expect(await rollupRead('storedBatchHash', [0n])).toBe(batchHash(genesis));
    expect(await rollupRead('lastExecutedStateRoot')).toBe(genesis.newStateRoot);
    for (const view of ['committedBatches', 'provenBatches', 'executedBatches', 'totalPriorityOpsCommitted']) expect(await rollupRead(view)).toBe(0n);
    expect(d.deployBlock).toBeGreaterThan(0n);
    gas['deploy verifier / rollup / bridge / setBridge'] = `${d.gasUsed.verifier} / ${d.gasUsed.rollup} / ${d.gasUsed.bridge} / ${d.gasUsed.setBridge}`;
  });

  it('deposits: the emitted rolling hashes are core/bridge/priorityOps.ts nextRollingHash', async () => {
    const deposits = [
      { from: 2, to: devAccount(5).address, amount: 10n ** 18n },
      { from: 3, to: devAccount(6).address, amount: 2n * 10n ** 18n },
      { from: 2, to: devAccount(5).address, amount: 5n * 10n ** 17n },
    ];
    for (const [index, dep] of deposits.entries()) {
      const receipt = await send(l1, dep.from, { address: d.bridge, abi: bridgeAbi, functionName: 'deposit', args: [dep.to], value: dep.amount });
      const [log] = parseEventLogs({ abi: bridgeAbi, eventName: 'DepositInitiated', logs: receipt.logs });
      const op: PriorityOp = { index: log.args.index, l1Sender: log.args.l1Sender, l2Recipient: log.args.l2Recipient, amount: log.args.amount };
      expect(op).toEqual({ index: BigInt(index), l1Sender: devAccount(dep.from).address, l2Recipient: dep.to, amount: dep.amount });
      rolling = nextRollingHash(rolling, op);
      expect(log.args.rollingHash).toBe(rolling);
      ops.push(op);
      gas[index === 0 ? 'deposit (first)' : `deposit ${index}`] = String(receipt.gasUsed);
    }
    expect(await l1.publicClient.readContract({ address: d.bridge, abi: bridgeAbi, functionName: 'priorityOpsCount' })).toBe(3n);
    expect(await l1.publicClient.readContract({ address: d.bridge, abi: bridgeAbi, functionName: 'rollingHashAt', args: [3n] })).toBe(rolling);
  });

  it('commits two batches of real transaction data consuming the deposits', async () => {
    const rollingAfter = (n: number) => ops.slice(0, n).reduce(nextRollingHash, EMPTY_ROLLING_HASH);
    const txs = await signedTransfers(4, 12);
    const b1 = nextBatch(genesis, {
      blocks: [{ transactions: txs.slice(0, 5), priorityOps: 2n }, { transactions: txs.slice(5, 8) }],
      priorityOpsRollingHash: rollingAfter(2),
    });
    const b2 = nextBatch(b1.commitment, {
      blocks: [{ transactions: txs.slice(8, 10), priorityOps: 1n }, { transactions: [] }, { transactions: txs.slice(10) }],
      priorityOpsRollingHash: rollingAfter(3),
      withdrawalsRoot: merkleRoot(withdrawals.map(withdrawalLeaf)),
    });
    for (const [b, n] of [
      [b1, 8],
      [b2, 4],
    ] as const) {
      const receipt = await send(l1, OPERATOR, {
        address: d.rollup,
        abi: rollupAbi,
        functionName: 'commitBatches',
        args: [committed.at(-1), [b.commitment], [b.data]],
      });
      const [log] = parseEventLogs({ abi: rollupAbi, eventName: 'BatchCommitted', logs: receipt.logs });
      expect(log.args).toEqual({ batchNumber: b.commitment.batchNumber, batchHash: batchHash(b.commitment), lastBlock: b.commitment.lastBlock });
      committed.push(b.commitment);
      gas[`commit batch ${b.commitment.batchNumber} (${n} txs, ${(b.data.length - 2) / 2} data bytes)`] = String(receipt.gasUsed);
    }
    expect(await rollupRead('committedBatches')).toBe(2n);
    expect(await rollupRead('totalPriorityOpsCommitted')).toBe(3n);
    expect(await rollupRead('storedBatchHash', [2n])).toBe(batchHash(committed[2]));
  });

  it('proves both batches with one 2-of-3 threshold proof', async () => {
    const receipt = await send(l1, OPERATOR, {
      address: d.rollup,
      abi: rollupAbi,
      functionName: 'proveBatches',
      args: [committed.slice(1), thresholdProof(committed.slice(1), [9, 7])],
    });
    const [log] = parseEventLogs({ abi: rollupAbi, eventName: 'BatchesProven', logs: receipt.logs });
    expect(log.args).toEqual({ firstBatch: 1n, lastBatch: 2n });
    expect(await rollupRead('provenBatches')).toBe(2n);
    gas['prove batches 1-2 (2 signatures)'] = String(receipt.gasUsed);
  });

  it('executes both batches: withdrawals root, state root and priority operations', async () => {
    const receipt = await send(l1, OPERATOR, { address: d.rollup, abi: rollupAbi, functionName: 'executeBatches', args: [committed.slice(1)] });
    const logs = parseEventLogs({ abi: rollupAbi, eventName: 'BatchExecuted', logs: receipt.logs });
    expect(logs.map((l) => l.args)).toEqual(
      committed.slice(1).map((c) => ({ batchNumber: c.batchNumber, newStateRoot: c.newStateRoot, withdrawalsRoot: c.withdrawalsRoot })),
    );
    expect(await rollupRead('executedBatches')).toBe(2n);
    expect(await rollupRead('totalPriorityOpsExecuted')).toBe(3n);
    expect(await rollupRead('lastExecutedStateRoot')).toBe(committed[2].newStateRoot);
    expect(await rollupRead('withdrawalsRoot', [2n])).toBe(committed[2].withdrawalsRoot);
    expect(await rollupRead('withdrawalsRoot', [1n])).toBe(`0x${'00'.repeat(32)}`);
    gas['execute batches 1-2'] = String(receipt.gasUsed);
  });

  it('a withdrawal of an executed batch finalizes once and pays its recipient', async () => {
    const leaves = withdrawals.map(withdrawalLeaf);
    const w = withdrawals[1];
    const call = {
      address: d.bridge,
      abi: bridgeAbi,
      functionName: 'finalizeWithdrawal',
      args: [2n, w.id, w.l2Sender, w.l1Recipient, w.amount, 1n, merkleProof(leaves, 1)],
    } as const;
    expect(await l1.publicClient.getBalance({ address: w.l1Recipient })).toBe(0n);
    const receipt: TransactionReceipt = await send(l1, 8, call);
    expect(await l1.publicClient.getBalance({ address: w.l1Recipient })).toBe(w.amount);
    const [log] = parseEventLogs({ abi: bridgeAbi, eventName: 'WithdrawalFinalized', logs: receipt.logs });
    expect(log.args).toEqual({ id: w.id, l1Recipient: expect.any(String), amount: w.amount, batchNumber: 2n });
    expect(log.args.l1Recipient.toLowerCase()).toBe(w.l1Recipient);
    expect(await l1.publicClient.readContract({ address: d.bridge, abi: bridgeAbi, functionName: 'isWithdrawalFinalized', args: [w.id] })).toBe(true);
    expect(await l1.publicClient.readContract({ address: d.bridge, abi: bridgeAbi, functionName: 'isWithdrawalFinalized', args: [0n] })).toBe(false);
    gas['finalizeWithdrawal (depth 2)'] = String(receipt.gasUsed);
    expect(await expectRevert(l1, 9, call, 'WithdrawalAlreadyFinalized')).toEqual([w.id]);
    expect(await l1.publicClient.getBalance({ address: w.l1Recipient })).toBe(w.amount);
  });

  it('gas of a large batch: commit 300 transfers, prove and execute it alone', async () => {
    const txs = await signedTransfers(5, 300);
    const blocks = Array.from({ length: 10 }, (_, i) => ({ transactions: txs.slice(i * 30, (i + 1) * 30) }));
    const b = nextBatch(committed.at(-1)!, { blocks });
    const commit = await send(l1, OPERATOR, {
      address: d.rollup,
      abi: rollupAbi,
      functionName: 'commitBatches',
      args: [committed.at(-1), [b.commitment], [b.data]],
    });
    committed.push(b.commitment);
    const prove = await send(l1, OPERATOR, {
      address: d.rollup,
      abi: rollupAbi,
      functionName: 'proveBatches',
      args: [[b.commitment], thresholdProof([b.commitment], [7, 8, 9])],
    });
    const execute = await send(l1, OPERATOR, { address: d.rollup, abi: rollupAbi, functionName: 'executeBatches', args: [[b.commitment]] });
    expect(await rollupRead('executedBatches')).toBe(3n);
    const bytes = (b.data.length - 2) / 2;
    gas[`commit batch 3 (300 txs, ${bytes} data bytes)`] = `${commit.gasUsed} (${commit.gasUsed / 300n} per tx)`;
    gas['prove batch 3 (3 signatures)'] = String(prove.gasUsed);
    gas['execute batch 3'] = String(execute.gasUsed);
  });
});

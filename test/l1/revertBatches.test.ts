/**
 * Rollup.revertBatches on a fresh anvil: who may call it, what it refuses, and that after a revert
 * the priority queue's bookkeeping lets other batches consume the same deposits, proven batches
 * included, while executed batches stay.
 */
import { type Hex, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchCommitment, encodeThresholdProof } from '../../core/batches/commitment.ts';
import { EMPTY_ROLLING_HASH, nextRollingHash, type PriorityOp } from '../../core/bridge/priorityOps.ts';
import { signDigest } from '../../core/proving/signatures.ts';
import { bridgeAbi, rollupAbi } from '../../core/settlement/l1Abi.ts';
import type { L1Deployment } from '../../scripts/lib/l1.ts';
import { devAccount, devKey } from '../support/accounts.ts';
import {
  deployTwoOfThree,
  expectRevert,
  genesisCommitment,
  type L1,
  nextBatch,
  OPERATOR,
  OWNER,
  rangeDigestOf,
  send,
  signedTransfers,
  startL1,
  ZERO,
} from './helpers.ts';

const DEPOSITOR = 2;
const STRANGER = 6;

let l1: L1;
let d: L1Deployment;
const genesis = genesisCommitment();
const ops: PriorityOp[] = [0n, 1n, 2n].map((index) => ({
  index,
  l1Sender: devAccount(DEPOSITOR).address,
  l2Recipient: devAccount(3).address,
  amount: 10n ** 18n,
}));
const rollingAfter = (n: number): Hex => ops.slice(0, n).reduce(nextRollingHash, EMPTY_ROLLING_HASH);

beforeAll(async () => {
  l1 = await startL1();
  d = await deployTwoOfThree(l1, genesis);
  for (const op of ops) await send(l1, DEPOSITOR, { address: d.bridge, abi: bridgeAbi, functionName: 'deposit', args: [op.l2Recipient], value: op.amount });
});

afterAll(async () => {
  await l1?.anvil.stop();
});

const rollup = (functionName: string, args: readonly unknown[]) => ({ address: d.rollup, abi: rollupAbi, functionName, args });
const commit = (last: BatchCommitment, batches: { commitment: BatchCommitment; data: Hex }[]) =>
  rollup('commitBatches', [last, batches.map((b) => b.commitment), batches.map((b) => b.data)]);
const prove = (batches: BatchCommitment[]) => {
  const digest = rangeDigestOf(d.rollup, batches);
  return rollup('proveBatches', [
    batches,
    encodeThresholdProof(
      digest,
      [7, 8].map((i) => signDigest(digest, devKey(i))),
    ),
  ]);
};
// biome-ignore lint/suspicious/noExplicitAny: reads by name; values are asserted
const read = async (functionName: string, args: readonly unknown[] = []) => l1.publicClient.readContract({ ...rollup(functionName, args) } as any);
const counts = async () => ({
  committed: await read('committedBatches'),
  proven: await read('provenBatches'),
  executed: await read('executedBatches'),
  opsCommitted: await read('totalPriorityOpsCommitted'),
});

describe('Rollup.revertBatches', () => {
  it('reverts committed and proven batches; other batches then consume the same deposits; executed batches stay', async () => {
    const txs = await signedTransfers(3, 8);
    // Batch 1 takes deposit 0, batch 2 deposits 1 and 2, batch 3 none.
    const b1 = nextBatch(genesis, { blocks: [{ transactions: txs.slice(0, 2), priorityOps: 1n }], priorityOpsRollingHash: rollingAfter(1) });
    const b2 = nextBatch(b1.commitment, { blocks: [{ transactions: txs.slice(2, 4), priorityOps: 2n }], priorityOpsRollingHash: rollingAfter(3) });
    const b3 = nextBatch(b2.commitment, { blocks: [{ transactions: txs.slice(4, 5) }] });
    await send(l1, OPERATOR, commit(genesis, [b1, b2, b3]));
    await send(l1, OPERATOR, prove([b1.commitment, b2.commitment]));
    expect(await counts()).toEqual({ committed: 3n, proven: 2n, executed: 0n, opsCommitted: 3n });

    // Only the operator; never nothing; never below the executed batches.
    await expectRevert(l1, STRANGER, rollup('revertBatches', [1n]), 'NotOperator');
    await expectRevert(l1, OWNER, rollup('revertBatches', [1n]), 'NotOperator');
    expect(await expectRevert(l1, OPERATOR, rollup('revertBatches', [3n]), 'NothingToRevert')).toEqual([3n, 3n]);
    expect(await expectRevert(l1, OPERATOR, rollup('revertBatches', [4n]), 'NothingToRevert')).toEqual([4n, 3n]);

    // Back to batch 1: batch 2 was proven, it is reverted too; its deposits are free again.
    const receipt = await send(l1, OPERATOR, rollup('revertBatches', [1n]));
    expect(parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: 'BatchesReverted' }).map((l) => l.args)).toEqual([
      { firstBatch: 2n, lastBatch: 3n },
    ]);
    expect(await counts()).toEqual({ committed: 1n, proven: 1n, executed: 0n, opsCommitted: 1n });
    expect(await read('storedBatchHash', [2n])).toBe(ZERO);
    expect(await read('storedBatchHash', [3n])).toBe(ZERO);
    console.log(`L1 gas used: revertBatches ${receipt.gasUsed}`);

    // The reverted batch 2 cannot be proven or executed, nor committed on top of.
    await expectRevert(l1, OPERATOR, prove([b2.commitment]), 'BatchNotCommitted');
    await expectRevert(l1, OPERATOR, commit(b2.commitment, [b3]), 'WrongLastCommittedBatch');

    // Another batch 2 takes deposit 1 only, and batch 3 deposit 2: the queue counts from batch 1.
    const c2 = nextBatch(b1.commitment, { blocks: [{ transactions: txs.slice(5, 6), priorityOps: 1n }], priorityOpsRollingHash: rollingAfter(2) });
    const c3 = nextBatch(c2.commitment, { blocks: [{ transactions: txs.slice(6, 7), priorityOps: 1n }], priorityOpsRollingHash: rollingAfter(3) });
    await send(l1, OPERATOR, commit(b1.commitment, [c2, c3]));
    expect(await counts()).toEqual({ committed: 3n, proven: 1n, executed: 0n, opsCommitted: 3n });
    await send(l1, OPERATOR, prove([c2.commitment, c3.commitment]));
    await send(l1, OPERATOR, rollup('executeBatches', [[b1.commitment, c2.commitment]]));
    expect(await counts()).toEqual({ committed: 3n, proven: 3n, executed: 2n, opsCommitted: 3n });

    // Down to the executed batch 2 exactly: batch 3 goes, its deposit with it; below 2 is refused.
    expect(await expectRevert(l1, OPERATOR, rollup('revertBatches', [1n]), 'CannotRevertExecuted')).toEqual([1n, 2n]);
    await send(l1, OPERATOR, rollup('revertBatches', [2n]));
    expect(await counts()).toEqual({ committed: 2n, proven: 2n, executed: 2n, opsCommitted: 2n });
    expect(await expectRevert(l1, OPERATOR, rollup('revertBatches', [2n]), 'NothingToRevert')).toEqual([2n, 2n]);
    // A batch 3 that skips deposit 2 is refused, one that takes it is accepted and executes.
    const skip = nextBatch(c2.commitment, { blocks: [{ transactions: [] }] });
    await expectRevert(
      l1,
      OPERATOR,
      commit(c2.commitment, [{ ...skip, commitment: { ...skip.commitment, priorityOpsRollingHash: rollingAfter(3) } }]),
      'WrongPriorityOpsRollingHash',
    );
    await send(l1, OPERATOR, commit(c2.commitment, [c3]));
    await send(l1, OPERATOR, prove([c3.commitment]));
    await send(l1, OPERATOR, rollup('executeBatches', [[c3.commitment]]));
    expect(await counts()).toEqual({ committed: 3n, proven: 3n, executed: 3n, opsCommitted: 3n });
    expect(await read('totalPriorityOpsExecuted')).toBe(3n);
  });
});

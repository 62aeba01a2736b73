/**
 * L1 finality and reorgs against a real anvil, with its own reorg methods: anvil_reorg (blocks
 * replaced, their transactions dropped or others in their place), anvil_rollback (blocks removed)
 * and evm_snapshot / evm_revert. anvil's `finalized` block is the head minus 2 * slots in an epoch;
 * these tests run it with 2 slots, so a block is final 4 blocks later and a reorg of up to 4
 * blocks is one an L1 could really make. The Settler follows the `finalized` tag
 * (confirmations: null), as a deployed chain does. Nothing here is fixed by hand: every healing
 * is a later settlement run.
 */
import { encodeFunctionData, type Hex, parseEther, parseEventLogs } from 'viem';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeAbi, rollupAbi } from '../../core/settlement/l1Abi.ts';
import type { L1Client } from '../../core/settlement/l1Client.ts';
import { type RunReport, Settler } from '../../core/settlement/settler.ts';
import { viemL1Client } from '../../workers/settlement/viemL1Client.ts';
import { devAccount } from '../support/accounts.ts';
import { fresh, L2, type Setup, setup, stopAll } from './settlementSetup.ts';

afterEach(stopAll);

/** anvil's `finalized` lags the head by 2 * this. */
const SLOTS = 2;
const FINALITY_DEPTH = 2 * SLOTS;
const finalitySetup = () => setup({ anvilArgs: ['--slots-in-an-epoch', String(SLOTS)] });

const rpc = (s: Setup, method: string, params: unknown[]) => s.l1.publicClient.request({ method: method as never, params: params as never });
// cacheTime 0: viem answers getBlockNumber from a cache for its polling interval, and a stale head
// here would point a reorg at the wrong blocks.
const head = (s: Setup) => s.l1.publicClient.getBlockNumber({ cacheTime: 0 });
const finalized = async (s: Setup) => (await s.l1.publicClient.getBlock({ blockTag: 'finalized' })).number;
/** Mines blocks until everything mined so far is final. */
const finalize = (s: Setup) => s.test.mine({ blocks: FINALITY_DEPTH });

/** Runs the settler, mining blocks between runs so its transactions become final, until L1 has executed `target`. */
async function settleUntil(s: Setup, settler: Settler, target: number): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (let i = 0; i < 12 && (await s.counts()).executed < target; i++) {
    const r = await settler.run();
    expect(r.error).toBeUndefined();
    reports.push(r);
    await finalize(s);
  }
  expect((await s.counts()).executed).toBe(target);
  return reports;
}

describe('L1 finality', () => {
  it('a deposit is credited only once its L1 block is final; one reorged out (anvil_reorg, anvil_rollback) never is', async () => {
    const s = await finalitySetup();
    const settler = s.settler({ confirmations: null, runBudgetMs: 500 });
    const dropped = fresh('deposit reorged out');
    const rolledBack = fresh('deposit rolled back');
    const kept = fresh('deposit in the new chain');

    // A deposit with 3 blocks on top: 2 confirmations would have credited it; it is not final.
    await s.deposit(2, dropped, parseEther('1'));
    const depositBlock = await head(s);
    await s.test.mine({ blocks: 2 });
    expect(await finalized(s)).toBeLessThan(depositBlock);
    expect((await settler.run()).deposits).toBe(0);
    expect(s.l2.core.priorityQueue.known()).toBe(0n);

    // The L1 reorgs those 3 blocks: the new chain holds another deposit from the same account (the
    // same queue index 0, another recipient and amount), as a real reorg reorders transactions.
    const depth = Number((await head(s)) - depositBlock) + 1;
    const replacement = {
      from: devAccount(2).address,
      to: s.d.bridge,
      value: `0x${parseEther('2').toString(16)}`,
      gas: '0x30000', // anvil_reorg does not estimate
      data: encodeFunctionData({ abi: bridgeAbi, functionName: 'deposit', args: [kept] }),
    };
    await rpc(s, 'anvil_reorg', [depth, [[replacement, 0]]]);
    expect(await head(s)).toBe(depositBlock + 2n);
    const logs = await s.l1.publicClient.getContractEvents({ address: s.d.bridge, abi: bridgeAbi, eventName: 'DepositInitiated', fromBlock: 0n });
    expect(logs.map((l) => [l.args.index, l.args.l2Recipient?.toLowerCase()])).toEqual([[0n, kept]]);

    // A second deposit, then anvil_rollback takes its block away for good.
    await s.deposit(2, rolledBack, parseEther('3'));
    await rpc(s, 'anvil_rollback', [1]);
    await finalize(s);

    const credited = await settler.run();
    expect(credited.error).toBeUndefined();
    expect(credited.deposits).toBe(1);
    // The replacement's log is the one credited, with its own L1 transaction hash.
    expect(s.l2.core.priorityQueue.pending()).toEqual([
      { index: 0n, l1Sender: devAccount(2).address.toLowerCase(), l2Recipient: kept, amount: parseEther('2'), l1TxHash: logs[0].transactionHash },
    ]);

    // The L2 credits the deposit that is final, and the L1 accepts the batch that consumed it
    // (under 2 confirmations the first deposit would be in it: WrongPriorityOpsRollingHash forever).
    await s.l2.seal([await s.l2.transfer(0)]);
    const batch = await s.l2.fillBatches(1);
    expect(s.l2.core.account(kept)?.balance).toBe(parseEther('2'));
    expect(s.l2.core.account(dropped)?.balance ?? 0n).toBe(0n);
    expect(s.l2.core.account(rolledBack)?.balance ?? 0n).toBe(0n);
    await settleUntil(s, settler, batch);
    expect((await settler.run()).deposits).toBe(0);
    expect(s.l2.core.priorityQueue.known()).toBe(1n);
  });

  it('a reorged-out commit (anvil_reorg), prove (anvil_rollback) and execute (evm_revert) is sent again; L2 tags move only on final L1 blocks', async () => {
    const s = await finalitySetup();
    const batch = await s.l2.fillBatches(1);
    const lastBlock = BigInt(2 * batch);
    const settler = s.settler({ confirmations: null, runBudgetMs: 500 });
    const nonce0 = await s.operatorNonce();

    // Commit: mined, not final, then its block is replaced by an empty one.
    const commit = await settler.run();
    expect(commit.sent.map((t) => t.kind)).toEqual(['commitBatches']);
    expect(await s.counts()).toMatchObject({ committed: 1 });
    expect(settler.status().inFlight).toHaveLength(1);
    await rpc(s, 'anvil_reorg', [1, []]);
    expect(await s.counts()).toMatchObject({ committed: 0 });
    const resent = await settler.run();
    expect(resent.sent).toEqual([]);
    expect(resent.replaced).toHaveLength(1);
    expect(await s.counts()).toMatchObject({ committed: 1 });
    expect(s.l2.core.taggedBlock('safe')).toBe(0n);

    // Final: the next run counts it done and proves; the prove's block is rolled back.
    await finalize(s);
    const prove = await settler.run();
    expect(prove.sent.map((t) => t.kind)).toEqual(['proveBatches']);
    expect(s.l2.core.taggedBlock('safe')).toBe(lastBlock);
    expect(await s.counts()).toMatchObject({ proven: 1 });
    await rpc(s, 'anvil_rollback', [1]);
    expect(await s.counts()).toMatchObject({ committed: 1, proven: 0 });
    expect((await settler.run()).replaced).toHaveLength(1);
    expect(await s.counts()).toMatchObject({ proven: 1 });

    // Execute: a snapshot before it, reverted to after it was mined.
    await finalize(s);
    const snapshot = await rpc(s, 'evm_snapshot', []);
    const execute = await settler.run();
    expect(execute.sent.map((t) => t.kind)).toEqual(['executeBatches']);
    expect(await s.counts()).toEqual({ committed: 1, proven: 1, executed: 1 });
    expect(s.l2.core.taggedBlock('finalized')).toBe(0n);
    expect(await rpc(s, 'evm_revert', [snapshot])).toBe(true);
    expect(await s.counts()).toEqual({ committed: 1, proven: 1, executed: 0 });
    expect((await settler.run()).replaced).toHaveLength(1);
    expect(s.l2.core.taggedBlock('finalized')).toBe(0n);

    await finalize(s);
    const done = await settler.run();
    expect(done.error).toBeUndefined();
    expect(done.sent).toEqual([]);
    expect(await s.counts()).toEqual({ committed: 1, proven: 1, executed: 1 });
    expect(s.l2.core.taggedBlock('finalized')).toBe(lastBlock);
    // Three nonces in all; each transaction mined once, in its second form.
    expect(await s.operatorNonce()).toBe(nonce0 + 3);
    const recent = settler.status().recent;
    expect(recent.map((r) => [r.kind, r.status, r.hashes.length])).toEqual([
      ['executeBatches', 'mined', 2],
      ['proveBatches', 'mined', 2],
      ['commitBatches', 'mined', 2],
    ]);
    for (const r of recent) {
      expect((await s.l1.publicClient.getTransactionReceipt({ hash: r.hashes[1] })).status).toBe('success');
      await expect(s.l1.publicClient.getTransactionReceipt({ hash: r.hashes[0] })).rejects.toThrow();
    }
  });

  it('a sent transaction the L1 never got, and a failing L1 call, heal on later runs (faults injected through the L1Client port)', async () => {
    const s = await finalitySetup();
    const batch = await s.l2.fillBatches(1);
    const real = viemL1Client(s.l1.url);
    let dropNextSend = true;
    let failCalls = false;
    const faulty: L1Client = {
      ...real,
      // The node answers a hash but keeps nothing (a load balancer in front of a restarting node, say).
      sendRawTransaction: async (raw) => {
        if (!dropNextSend) return real.sendRawTransaction(raw);
        dropNextSend = false;
        return '0x' as Hex;
      },
      call: async (c) => {
        if (failCalls) throw new Error('L1 call failed: connection reset');
        return real.call(c);
      },
    };
    const settler = s.settler({ confirmations: null, runBudgetMs: 500 }, undefined, faulty);
    const nonce0 = await s.operatorNonce();

    // The run follows what it sent, finds it unknown to the L1, and sends it again.
    const lost = await settler.run();
    expect(lost.error).toBeUndefined();
    expect(lost.sent.map((t) => t.kind)).toEqual(['commitBatches']);
    expect(lost.replaced).toHaveLength(1);
    expect(await s.operatorNonce()).toBe(nonce0 + 1);
    expect(settler.status().inFlight[0].hashes).toHaveLength(2);
    expect(await s.counts()).toMatchObject({ committed: 1 });

    await finalize(s);
    failCalls = true;
    const failing = await settler.run();
    expect(failing.error).toBe('L1 call failed: connection reset');
    expect(failing.sent).toEqual([]);
    expect(settler.status().lastError).toContain('connection reset');
    failCalls = false;
    await settleUntil(s, settler, batch);
    expect(await s.operatorNonce()).toBe(nonce0 + 3);
    expect(settler.status().lastError).toBeNull();
  });
});

describe("finality far behind the head (anvil's default 32 slots: final 64 blocks later, as on Ethereum)", () => {
  it('a run does not poll for minutes: it ends while its transaction is far from final, and a later run goes on', async () => {
    const s = await setup();
    // Past anvil's first 64 blocks, whose `finalized` is block 0 whatever the head.
    await s.test.mine({ blocks: 100 });
    const batch = await s.l2.fillBatches(1);
    const real = viemL1Client(s.l1.url);
    // Receipts found: under load the first reads may come before anvil has mined the transaction
    // (those find nothing and the run waits for it); once found far from final, the run ends.
    let receipts = 0;
    const counting: L1Client = {
      ...real,
      receipt: async (hash) => {
        const r = await real.receipt(hash);
        if (r) receipts++;
        return r;
      },
    };
    // A budget the run would spend polling, were it to wait for the block 64 blocks ahead of final.
    const settler = s.settler({ confirmations: null, runBudgetMs: 60_000 }, undefined, counting);

    const first = await settler.run();
    expect(first.error).toBeUndefined();
    expect(first.sent.map((t) => t.kind)).toEqual(['commitBatches']);
    expect(receipts).toBe(1);
    expect(settler.status().inFlight).toHaveLength(1);
    expect((await settler.run()).sent).toEqual([]);
    expect(settler.status().inFlight).toHaveLength(1);

    await s.test.mine({ blocks: 64 });
    const second = await settler.run();
    expect(second.sent.map((t) => t.kind)).toEqual(['proveBatches']);
    expect(settler.status().recent.find((r) => r.kind === 'commitBatches')?.status).toBe('mined');
    await s.test.mine({ blocks: 64 });
    expect((await settler.run()).sent.map((t) => t.kind)).toEqual(['executeBatches']);
    await s.test.mine({ blocks: 64 });
    await settler.run();
    expect(await s.counts()).toEqual({ committed: batch, proven: batch, executed: batch });
    expect(settler.status().inFlight).toEqual([]);
  });
});

describe('revertBatches', () => {
  it('a committed batch that cannot be proven (not the sequencer’s batch) is reverted and the sequencer’s is committed in its place', async () => {
    const s = await setup();
    const settler = s.settler();

    // Batch 1 is committed; its second block has no proof yet, so it waits to be proven.
    await s.l2.seal([await s.l2.transfer(0)]);
    await s.l2.seal([await s.l2.transfer(0)], null);
    const first = await settler.run();
    expect(first.sent.map((t) => t.kind)).toEqual(['commitBatches']);
    expect(first.waiting).toBeTruthy();
    expect(await s.counts()).toEqual({ committed: 1, proven: 0, executed: 0 });
    const committedHash = await s.l1.publicClient.readContract({ address: s.d.rollup, abi: rollupAbi, functionName: 'storedBatchHash', args: [1n] });

    // The sequencer comes back from a state before those blocks (a restore, say) and sequences
    // other transactions: its batch 1 is not the one on L1, which no proof of its blocks can prove.
    const restored = await L2.create();
    const batch = await restored.fillBatches(2, 1);
    expect(restored.core.batcher.batch(1)?.hash).not.toBe(committedHash);
    const settlerAfter = new Settler(s.sql, s.config, restored.port, restored.source, viemL1Client(s.l1.url));
    const healed = await settlerAfter.run();
    expect(healed.error).toBeUndefined();
    expect(healed.sent.map((t) => [t.kind, t.firstBatch, t.lastBatch])).toEqual([
      ['revertBatches', 1, 1],
      ['commitBatches', 1, batch],
      ['proveBatches', 1, batch],
      ['executeBatches', 1, batch],
    ]);
    expect(await s.counts()).toEqual({ committed: batch, proven: batch, executed: batch });
    const revert = await s.l1.publicClient.getTransactionReceipt({ hash: healed.sent[0].hash });
    expect(parseEventLogs({ abi: rollupAbi, logs: revert.logs, eventName: 'BatchesReverted' }).map((l) => l.args)).toEqual([{ firstBatch: 1n, lastBatch: 1n }]);
    expect(await s.l1.publicClient.readContract({ address: s.d.rollup, abi: rollupAbi, functionName: 'storedBatchHash', args: [1n] })).toBe(
      restored.core.batcher.batch(1)?.hash,
    );
    expect(settlerAfter.status().recent.map((r) => [r.kind, r.status])).toEqual([
      ['executeBatches', 'mined'],
      ['proveBatches', 'mined'],
      ['commitBatches', 'mined'],
      ['revertBatches', 'mined'],
      ['commitBatches', 'mined'],
    ]);
  });
});

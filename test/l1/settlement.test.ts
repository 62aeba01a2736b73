/**
 * The settlement worker (core/settlement/settler.ts) end to end with real parts: a SequencerCore
 * over node:sqlite seals blocks with traces, every block is re-executed statelessly and signed by
 * the prover code, and the Settler commits, proves and executes the batches on the real L1
 * contracts deployed on anvil. Each test has its own anvil and deployment; what is asserted is
 * what L1 says (the rollup's counts, receipts, the operator's nonce), not what the settler thinks.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hex, parseEther } from 'viem';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeAbi } from '../../core/settlement/l1Abi.ts';
import { startAnvil } from '../../scripts/lib/anvil.ts';
import { devAccount, devKey } from '../support/accounts.ts';
import { send } from './helpers.ts';
import { expectAllSucceeded, fresh, l1On, l2Config, OPERATOR, type Setup, setup, stopAll, stops } from './settlementSetup.ts';

afterEach(stopAll);

// ---- the tests ---------------------------------------------------------------------------------

describe('settlement against the L1 contracts', () => {
  it('happy path: a deposit reaches L2, batches are committed, proven and executed, and a withdrawal is claimable', async () => {
    const s = await setup();
    const { l2 } = s;
    const settler = s.settler();
    const l2Recipient = devAccount(5).address.toLowerCase() as Hex;
    const l1Recipient = fresh('withdrawal recipient');
    const balanceBefore = l2.core.account(l2Recipient)?.balance ?? 0n;

    await s.deposit(2, l2Recipient, parseEther('1'));
    const first = await settler.run();
    expect(first).toMatchObject({ deposits: 1, sent: [], replaced: [] });
    expect(first.error).toBeUndefined();
    expect(l2.core.priorityQueue.known()).toBe(1n);
    // A second run does not hand the same deposit twice.
    expect((await settler.run()).deposits).toBe(0);

    // Block 1 applies the deposit, block 2 withdraws: batch 1 closes full. Block 3 opens batch 2.
    const b1 = await l2.seal([await l2.transfer(0)]);
    expect(b1.priorityOps).toHaveLength(1);
    expect(l2.core.account(l2Recipient)?.balance).toBe(balanceBefore + parseEther('1'));
    const withdrawal = await l2.withdraw(3, l1Recipient, parseEther('0.5'));
    expect((await l2.seal([withdrawal])).closedBatch?.commitment.batchNumber).toBe(1n);
    await l2.seal([await l2.transfer(0), await l2.transfer(1)]);
    expect(l2.core.batcher.lastBatchNumber()).toBe(1);

    // Batch 2 is due by age: the run closes it, then commits both, proves and executes them.
    l2.clock += l2Config.batchMaxAgeMs;
    const nonce0 = await s.operatorNonce();
    const second = await settler.run();
    expect(second.error).toBeUndefined();
    expect(l2.core.batcher.lastBatchNumber()).toBe(2);
    expect(second.sent.map((t) => [t.kind, t.firstBatch, t.lastBatch])).toEqual([
      ['commitBatches', 1, 2],
      ['proveBatches', 1, 2],
      ['executeBatches', 1, 2],
    ]);
    expect(await s.counts()).toEqual({ committed: 2, proven: 2, executed: 2 });
    expect(second.l1).toEqual({ committed: 2, proven: 2, executed: 2 });
    expect(await s.operatorNonce()).toBe(nonce0 + 3);
    await expectAllSucceeded(
      s,
      second.sent.map((t) => t.hash),
    );
    // The sequencer learned L1's progress: `finalized` is the last block of batch 2.
    expect(l2.core.taggedBlock('finalized')).toBe(3n);

    // More blocks, more runs: batch 3 goes the same way.
    const last = await l2.fillBatches(1, 4);
    const third = await settler.run();
    expect(third.sent.map((t) => t.kind)).toEqual(['commitBatches', 'proveBatches', 'executeBatches']);
    expect(await s.counts()).toEqual({ committed: last, proven: last, executed: last });
    expect((await settler.run()).sent).toEqual([]);

    // The withdrawal of batch 1 is claimable on L1 with the sequencer's proof.
    const proof = l2.core.withdrawalProof(withdrawal.hash);
    expect(proof).toMatchObject({ batchNumber: 1, status: 'executed' });
    const w = proof?.withdrawals[0];
    if (!w) throw new Error('no withdrawal');
    await send(s.l1, 6, {
      address: s.d.bridge,
      abi: bridgeAbi,
      functionName: 'finalizeWithdrawal',
      args: [1n, w.id, w.l2Sender, w.l1Recipient, w.amount, BigInt(w.index), w.proof],
    });
    expect(await s.l1.publicClient.getBalance({ address: l1Recipient })).toBe(parseEther('0.5'));

    // The cost report: one mined transaction per step, gas as the receipts say.
    const mined = settler.minedTransactions();
    expect(mined.map((m) => [m.kind, m.firstBatch, m.lastBatch])).toEqual([
      ['commitBatches', 1, 2],
      ['proveBatches', 1, 2],
      ['executeBatches', 1, 2],
      ['commitBatches', 3, 3],
      ['proveBatches', 3, 3],
      ['executeBatches', 3, 3],
    ]);
    const sentHashes = [...second.sent, ...third.sent].map((t) => t.hash);
    for (const [i, m] of mined.entries()) {
      expect(m.gasUsed).toBe((await s.l1.publicClient.getTransactionReceipt({ hash: sentHashes[i] })).gasUsed);
      expect(m.calldataBytes).toBeGreaterThan(0);
    }
    // Batches 1-2 hold 4 L2 transactions (block 1: 1, block 2: 1, block 3: 2); batch 3 two transfers.
    expect(mined.filter((m) => m.kind === 'commitBatches').map((m) => m.l2Txs)).toEqual([4, 2]);
    expect(mined.filter((m) => m.kind !== 'commitBatches').every((m) => m.l2Txs === 0)).toBe(true);
    console.log(`settlement gas: ${mined.map((m) => `${m.kind} ${m.firstBatch}-${m.lastBatch}: ${m.gasUsed}`).join(', ')}`);

    const status = settler.status();
    expect(status.inFlight).toEqual([]);
    expect(status.lastError).toBeNull();
    expect(status.l1).toEqual({ committed: 3, proven: 3, executed: 3 });
    expect(status.recent.every((r) => r.status === 'mined')).toBe(true);
    expect(status.lastRun).toBeGreaterThan(0);
  });

  it('overlapping runs send each L1 transaction once (two instances on one database, and one instance twice)', async () => {
    const s = await setup();
    const a = s.settler();
    const b = s.settler();
    const sent: Hex[] = [];

    for (const [label, pair] of [
      ['two instances', [a, b]],
      ['one instance', [a, a]],
    ] as const) {
      const closed = await s.l2.fillBatches(2);
      const nonce0 = await s.operatorNonce();
      const reports = await Promise.all(pair.map((x) => x.run()));
      const skipped = reports.filter((r) => r.skipped);
      const ran = reports.filter((r) => !r.skipped);
      expect(skipped, label).toHaveLength(1);
      expect(skipped[0]).toMatchObject({ skipped: expect.stringMatching(/lease/), sent: [], replaced: [] });
      expect(ran, label).toHaveLength(1);
      expect(ran[0].error, label).toBeUndefined();
      expect(ran[0].sent.map((t) => t.kind)).toEqual(['commitBatches', 'proveBatches', 'executeBatches']);
      expect(await s.operatorNonce()).toBe(nonce0 + ran[0].sent.length);
      expect(await s.counts()).toEqual({ committed: closed, proven: closed, executed: closed });
      sent.push(...ran[0].sent.map((t) => t.hash));
    }
    await expectAllSucceeded(s, sent);
    // Both instances see the same record: every transaction mined, none reverted or refused.
    expect(a.status().recent).toEqual(b.status().recent);
    expect(a.status().recent.map((r) => r.status)).toEqual(Array(6).fill('mined'));
    // The lease is released: a later run proceeds (and finds nothing to do).
    const after = await b.run();
    expect(after.skipped).toBeUndefined();
    expect(after.sent).toEqual([]);
  });

  it('replaces a dropped L1 transaction: same nonce, higher fees, and only one lands', async () => {
    const s = await setup();
    const closed = await s.l2.fillBatches(1);
    await s.test.setAutomine(false);
    const settler = s.settler({ runBudgetMs: 1000, replaceAfterMs: 60_000 });
    const nonce0 = await s.operatorNonce();

    const first = await settler.run();
    expect(first.error).toBeUndefined();
    expect(first.sent).toHaveLength(1);
    const original = await s.l1.publicClient.getTransaction({ hash: first.sent[0].hash });
    expect(original.nonce).toBe(nonce0);
    expect(settler.status().inFlight).toMatchObject([{ kind: 'commitBatches', status: 'pending', hashes: [original.hash] }]);

    await s.test.dropTransaction({ hash: original.hash });
    await expect(s.l1.publicClient.getTransaction({ hash: original.hash })).rejects.toThrow();
    const second = await settler.run();
    expect(second.error).toBeUndefined();
    expect(second.sent).toEqual([]);
    expect(second.replaced).toHaveLength(1);
    const replacement = await s.l1.publicClient.getTransaction({ hash: second.replaced[0] });
    expect(replacement.hash).not.toBe(original.hash);
    expect(replacement.nonce).toBe(original.nonce);
    expect(replacement.input).toBe(original.input);
    expect(replacement.maxFeePerGas).toBeGreaterThan(original.maxFeePerGas as bigint);
    expect(replacement.maxPriorityFeePerGas).toBeGreaterThan(original.maxPriorityFeePerGas as bigint);
    expect(settler.status().inFlight[0].hashes).toEqual([original.hash, replacement.hash]);
    expect(await s.counts()).toEqual({ committed: 0, proven: 0, executed: 0 });

    await s.test.mine({ blocks: 1 });
    await s.test.setAutomine(true);
    const third = await settler.run();
    expect(third.error).toBeUndefined();
    expect(third.sent.map((t) => t.kind)).toEqual(['proveBatches', 'executeBatches']);
    expect(await s.counts()).toEqual({ committed: closed, proven: closed, executed: closed });
    expect((await s.l1.publicClient.getTransactionReceipt({ hash: replacement.hash })).status).toBe('success');
    // Commit, prove, execute: three nonces, the commit once.
    expect(await s.operatorNonce()).toBe(nonce0 + 3);
    const commit = settler.status().recent.find((r) => r.kind === 'commitBatches');
    expect(commit).toMatchObject({ status: 'mined', nonce: nonce0, hashes: [original.hash, replacement.hash] });
    expect(settler.minedTransactions()).toHaveLength(3);
  });

  it('replaces a transaction stuck in the pool after replaceAfterMs; the node keeps only the latest', async () => {
    const s = await setup();
    const closed = await s.l2.fillBatches(1);
    await s.test.setAutomine(false);
    const settler = s.settler({ runBudgetMs: 2000, replaceAfterMs: 300 });
    const nonce0 = await s.operatorNonce();

    const report = await settler.run();
    expect(report.error).toBeUndefined();
    expect(report.sent).toHaveLength(1);
    expect(report.replaced.length).toBeGreaterThanOrEqual(1);
    const hashes = [report.sent[0].hash, ...report.replaced];
    expect(settler.status().inFlight[0].hashes).toEqual(hashes);
    // Each replacement outbids the one before with the same nonce; the pool holds only the latest.
    const latest = await s.l1.publicClient.getTransaction({ hash: hashes[hashes.length - 1] });
    expect(latest.nonce).toBe(nonce0);
    const content = (await s.l1.publicClient.request({ method: 'txpool_content' as never })) as { pending: Record<string, Record<string, { hash: Hex }>> };
    const pool = Object.entries(content.pending).find(([k]) => k.toLowerCase() === devAccount(OPERATOR).address.toLowerCase())?.[1] ?? {};
    expect(Object.values(pool).map((t) => t.hash)).toEqual([latest.hash]);

    await s.test.mine({ blocks: 1 });
    await s.test.setAutomine(true);
    const next = await settler.run();
    expect(next.error).toBeUndefined();
    expect(await s.counts()).toEqual({ committed: closed, proven: closed, executed: closed });
    expect(await s.operatorNonce()).toBe(nonce0 + 3);
    expect(settler.status().recent.find((r) => r.kind === 'commitBatches')).toMatchObject({ status: 'mined', hashes });
  });

  it('L1 down and back: the run reports the error, loses nothing, and catches up once L1 is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settlement-l1-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'anvil-state.json');
    const s = await setup({ anvilArgs: ['--state', stateFile] });
    const settler = s.settler();
    const l2Recipient = fresh('deposit after restart');

    await s.l2.fillBatches(1);
    expect((await settler.run()).sent).toHaveLength(3);
    expect(await s.counts()).toEqual({ committed: 1, proven: 1, executed: 1 });
    const before = settler.status();

    // L1 stops (anvil dumps its state on the way out); the L2 keeps going.
    await s.l1.anvil.stop();
    expect(statSync(stateFile).size).toBeGreaterThan(0);
    const closed = await s.l2.fillBatches(2);
    for (let i = 0; i < 2; i++) {
      const down = await settler.run();
      expect(down.error).toBeTruthy();
      expect(down.sent).toEqual([]);
      const status = settler.status();
      expect(status.lastError).toContain(down.error);
      // Nothing lost, nothing invented: the record and the checkpoints are as before.
      expect(status.recent).toEqual(before.recent);
      expect(status.depositsScannedTo).toBe(before.depositsScannedTo);
      expect(status.inFlight).toEqual([]);
    }

    // Same port, same state: the contracts and their counts are still there.
    const anvil = await startAnvil({ port: s.l1.anvil.port, args: ['--state', stateFile] });
    stops.push(() => anvil.stop());
    const l1 = await l1On(anvil);
    const back: Setup = { ...s, l1 };
    expect(await back.counts()).toEqual({ committed: 1, proven: 1, executed: 1 });

    await back.deposit(2, l2Recipient, parseEther('0.25'));
    const caughtUp = await settler.run();
    expect(caughtUp.error).toBeUndefined();
    expect(caughtUp.deposits).toBe(1);
    expect(caughtUp.sent.map((t) => [t.kind, t.firstBatch, t.lastBatch])).toEqual([
      ['commitBatches', 2, closed],
      ['proveBatches', 2, closed],
      ['executeBatches', 2, closed],
    ]);
    expect(await back.counts()).toEqual({ committed: closed, proven: closed, executed: closed });
    expect(settler.status().lastError).toBeNull();

    // The deposit made after the restart is credited on L2 and its batch settles.
    const last = await s.l2.fillBatches(1);
    expect(s.l2.core.account(l2Recipient)?.balance).toBe(parseEther('0.25'));
    await settler.run();
    expect(await back.counts()).toEqual({ committed: last, proven: last, executed: last });
    expect(settler.status().recent.every((r) => r.status === 'mined')).toBe(true);
  });

  it('an invalid proof is refused by L1 before sending, recorded, and never executed', async () => {
    const s = await setup();
    const closed = await s.l2.fillBatches(1);
    // devKey(7) is not a registered prover: the aggregated proof it signs fails ThresholdVerifier.
    const settler = s.settler({ proverKeys: [devKey(7)] });
    const nonce0 = await s.operatorNonce();

    const report = await settler.run();
    expect(report.sent.map((t) => t.kind)).toEqual(['commitBatches']);
    expect(report.error).toMatch(/proveBatches.*InvalidProof/);
    expect(await s.operatorNonce()).toBe(nonce0 + 1);
    expect(await s.counts()).toEqual({ committed: closed, proven: 0, executed: 0 });
    const status = settler.status();
    expect(status.lastError).toMatch(/InvalidProof/);
    expect(status.inFlight).toEqual([]);
    const refused = status.recent.filter((r) => r.status === 'refused');
    expect(refused).toMatchObject([{ kind: 'proveBatches', batches: [1, closed], hashes: [], error: expect.stringMatching(/InvalidProof/) }]);

    // Again: still refused, not sent, recorded once.
    const again = await settler.run();
    expect(again.sent).toEqual([]);
    expect(again.error).toMatch(/InvalidProof/);
    expect(await s.operatorNonce()).toBe(nonce0 + 1);
    expect(settler.status().recent.filter((r) => r.status === 'refused')).toHaveLength(1);
    expect((await s.counts()).executed).toBeLessThan(closed);

    // With the registered key the same record moves on.
    const fixed = await s.settler().run();
    expect(fixed.error).toBeUndefined();
    expect(fixed.sent.map((t) => t.kind)).toEqual(['proveBatches', 'executeBatches']);
    expect(await s.counts()).toEqual({ committed: closed, proven: closed, executed: closed });
    expect(settler.status().lastError).toBeNull();
  });

  it('aggregation waits for a missing block proof and refuses one by an untrusted prover', async () => {
    const s = await setup();
    const settler = s.settler();
    const nonce0 = await s.operatorNonce();

    // Batch 1: its second block has no proof yet. Committing does not need it; proving waits.
    await s.l2.seal([await s.l2.transfer(0)]);
    const unproven = await s.l2.seal([await s.l2.transfer(0)], null);
    const waiting = await settler.run();
    expect(waiting.error).toBeUndefined();
    expect(waiting.sent.map((t) => t.kind)).toEqual(['commitBatches']);
    expect(waiting.waiting).toBe(`batches 1..1 wait for 1 block proofs (first: block ${Number(unproven.header.number)})`);
    expect(await s.counts()).toEqual({ committed: 1, proven: 0, executed: 0 });
    expect(settler.status().lastError).toBeNull();
    // The status says what proving waits for, and since when (kept across runs while the same batch waits).
    const wait = settler.status().waiting;
    expect(wait).toMatchObject({
      batches: [1, 1],
      missingBlocks: [Number(unproven.header.number)],
      missing: 1,
      firstMissingTimestamp: Number(BigInt(unproven.header.timestamp)),
    });
    expect(Date.now() - (wait?.since ?? 0)).toBeLessThan(60_000);
    await settler.run();
    expect(settler.status().waiting?.since).toBe(wait?.since);

    await s.l2.proveLater(Number(unproven.header.number));
    const proven = await settler.run();
    expect(proven.waiting).toBeUndefined();
    expect(settler.status().waiting).toBeNull();
    expect(proven.sent.map((t) => t.kind)).toEqual(['proveBatches', 'executeBatches']);
    expect(await s.counts()).toEqual({ committed: 1, proven: 1, executed: 1 });

    // Batch 2: its first block is proven by devAccount(6), whom the settler does not trust.
    const untrusted = await s.l2.seal([await s.l2.transfer(1)], devKey(6));
    await s.l2.seal([await s.l2.transfer(1)]);
    const refused = await settler.run();
    expect(refused.sent.map((t) => t.kind)).toEqual(['commitBatches']);
    expect(refused.error).toBe(`aggregation refused batches 2..: block ${Number(untrusted.header.number)}: not proven by a trusted prover`);
    expect(settler.status().lastError).toContain('not proven by a trusted prover');
    expect(await s.counts()).toEqual({ committed: 2, proven: 1, executed: 1 });
    // Four transactions in all: nothing was sent for the refused range.
    expect(await s.operatorNonce()).toBe(nonce0 + 4);
    expect(settler.status().recent.some((r) => r.kind === 'proveBatches' && r.batches[0] === 2)).toBe(false);

    // A trusted prover's proof of the same block replaces it, and batch 2 settles.
    await s.l2.proveLater(Number(untrusted.header.number));
    await settler.run();
    expect(await s.counts()).toEqual({ committed: 2, proven: 2, executed: 2 });
  });
});

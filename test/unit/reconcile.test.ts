/**
 * Proving reconciliation in plain Node (core/proving/reconcile.ts): blocks without a proof past the
 * deadline get their job sent again, with growing delays, bounded work per run, and the sender
 * side (a trace still in the outbox, a blob missing from R2) told apart from a lost job.
 */
import { describe, expect, it } from 'vitest';
import type { Hex } from '../../core/chain/hex.ts';
import { type ProvingJob, traceKey } from '../../core/proving/job.ts';
import {
  ProvingReconciler,
  RECONCILE_MAX_SENDS,
  RECONCILE_SCAN_BLOCKS,
  type ReconcilerPorts,
  resendDelay,
  type SealedBlockInfo,
} from '../../core/proving/reconcile.ts';
import { nodeSql } from '../support/nodeSql.ts';

const RETRY_AFTER = 60_000;
const T0 = 1_800_000_000_000;
const hashOf = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

/** An in-memory chain: sealed blocks, proofs, blobs and a queue that records what it is sent. */
function chain(head: number, sealedAt = (n: number) => T0 + n) {
  const state = {
    head,
    proven: new Set<number>(),
    blobs: new Map<string, Hex>(),
    inOutbox: new Set<number>(),
    sent: [] as ProvingJob[][],
    reads: 0,
  };
  for (let n = 1; n <= head; n++) state.blobs.set(traceKey(31337n, n, hashOf(n)), hashOf(n + 1_000_000));
  const ports: ReconcilerPorts = {
    sealed: {
      head: async () => state.head,
      blocks: async (numbers) =>
        numbers
          .filter((n) => n <= state.head)
          .map(
            (n): SealedBlockInfo => ({
              number: n,
              hash: hashOf(n),
              sealedAtMs: sealedAt(n),
              traceOutbox: state.inOutbox.has(n) ? { attempts: 2, error: 'R2 is down' } : null,
            }),
          ),
    },
    proofs: {
      proven: async (from, to) => {
        state.reads += to - from + 1;
        return new Set([...state.proven].filter((n) => n >= from && n <= to));
      },
    },
    traces: { traceHash: async (key) => state.blobs.get(key) ?? null },
    queue: {
      send: async (jobs) => {
        expect(jobs.length).toBeLessThanOrEqual(100);
        state.sent.push(jobs);
      },
    },
  };
  return { state, ports };
}

const sentBlocks = (state: { sent: ProvingJob[][] }) => state.sent.flat().map((j) => j.block);

describe('proving reconciliation', () => {
  it('sends again the job of a block without a proof past the deadline, then waits longer each time', async () => {
    const { state, ports } = chain(5);
    for (const n of [1, 2, 4, 5]) state.proven.add(n);
    const r = new ProvingReconciler(nodeSql(), { chainId: 31337n, retryAfterMs: RETRY_AFTER }, ports);

    // Before the deadline nothing is sent: the first job may still be on its way.
    expect((await r.run(T0 + RETRY_AFTER - 10)).resent).toEqual([]);
    const first = await r.run(T0 + 3 + RETRY_AFTER);
    expect(first).toMatchObject({ floor: 2, head: 5, missing: 1, resent: [3] });
    expect(state.sent.flat()).toEqual([{ block: 3, blockHash: hashOf(3), key: traceKey(31337n, 3, hashOf(3)), traceHash: hashOf(1_000_003), resend: 1 }]);

    // Not again before its delay; then again with resend 2, and the delay doubles.
    const t1 = T0 + 3 + RETRY_AFTER;
    expect((await r.run(t1 + resendDelay(RETRY_AFTER, 1) - 1)).resent).toEqual([]);
    expect((await r.run(t1 + resendDelay(RETRY_AFTER, 1))).resent).toEqual([3]);
    expect(state.sent.flat().map((j) => j.resend)).toEqual([1, 2]);
    expect(resendDelay(RETRY_AFTER, 2)).toBe(2 * resendDelay(RETRY_AFTER, 1));
    expect(r.status().resends).toMatchObject([{ block: 3, attempts: 2 }]);

    // Once proven, the floor passes it and its bookkeeping goes.
    state.proven.add(3);
    expect(await r.run(t1 + 10 * RETRY_AFTER)).toMatchObject({ floor: 5, missing: 0, resent: [] });
    expect(r.status().resends).toEqual([]);
  });

  it('leaves a block whose trace is still in the outbox to the outbox, and reports a blob missing from R2', async () => {
    const { state, ports } = chain(4);
    state.proven.add(1);
    state.inOutbox.add(2);
    state.blobs.delete(traceKey(31337n, 3, hashOf(3)));
    const r = new ProvingReconciler(nodeSql(), { chainId: 31337n, retryAfterMs: RETRY_AFTER }, ports);
    const report = await r.run(T0 + 10 * RETRY_AFTER);
    expect(report).toMatchObject({ floor: 1, missing: 3, resent: [4], inOutbox: [2], traceMissing: [3] });
    expect(r.status().last?.traceMissing).toEqual([3]);
  });

  it('bounds a run: RECONCILE_SCAN_BLOCKS proof rows read, RECONCILE_MAX_SENDS jobs in one batch, oldest first', async () => {
    const { state, ports } = chain(5000);
    const r = new ProvingReconciler(nodeSql(), { chainId: 31337n, retryAfterMs: RETRY_AFTER }, ports);
    const now = T0 + 10 * RETRY_AFTER;
    const report = await r.run(now);
    expect(state.reads).toBe(RECONCILE_SCAN_BLOCKS);
    expect(report.missing).toBe(RECONCILE_SCAN_BLOCKS);
    expect(state.sent.length).toBe(1);
    expect(sentBlocks(state)).toEqual(Array.from({ length: RECONCILE_MAX_SENDS }, (_, i) => i + 1));
    // The next run sends the next hundred (the first ones wait for their delay).
    await r.run(now + 1);
    expect(sentBlocks(state).slice(RECONCILE_MAX_SENDS)).toEqual(Array.from({ length: RECONCILE_MAX_SENDS }, (_, i) => i + 101));
  });

  it('keeps its checkpoint across instances (a Durable Object restarted)', async () => {
    const { state, ports } = chain(3);
    state.proven.add(1);
    const sql = nodeSql();
    const now = T0 + 10 * RETRY_AFTER;
    await new ProvingReconciler(sql, { chainId: 31337n, retryAfterMs: RETRY_AFTER }, ports).run(now);
    expect(sentBlocks(state)).toEqual([2, 3]);
    const again = new ProvingReconciler(sql, { chainId: 31337n, retryAfterMs: RETRY_AFTER }, ports);
    expect(again.floor()).toBe(1);
    expect((await again.run(now + 1)).resent).toEqual([]);
  });
});

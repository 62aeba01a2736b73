/**
 * CPU time (user + system) spent by each process of a target while a load runs: where a
 * transaction's cost goes when the machine's cores, not a lock, are the limit. Read from /proc, so
 * Linux only; elsewhere nothing is measured and the report leaves the section out.
 */
import { cpuMsOf } from '../lib/procfs.ts';

/** A role of the target (edge, sequencer, anvil, ...) and the processes that make it up. */
export type CpuRoles = Record<string, number[]>;

/** CPU ms per role, the bench client included. */
export type CpuSnapshot = Record<string, number>;

export const BENCH_CLIENT = 'bench client';

/** CPU ms so far of each role and of this process (the bench client). */
export function cpuSnapshot(roles: CpuRoles): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const [role, pids] of Object.entries(roles)) out[role] = pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
  const own = process.cpuUsage();
  out[BENCH_CLIENT] = (own.user + own.system) / 1000;
  return out;
}

/** CPU ms per transaction between two snapshots. */
export function cpuPerTx(before: CpuSnapshot, after: CpuSnapshot, txs: number): CpuSnapshot {
  return Object.fromEntries(Object.keys(after).map((role) => [role, Math.max(0, (after[role] ?? 0) - (before[role] ?? 0)) / txs]));
}

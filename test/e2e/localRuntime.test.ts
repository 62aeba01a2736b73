/**
 * The local runtime's processes (scripts/serve.ts): four workerd hosts named by role, the prover
 * at the lowest CPU priority, SCHED_IDLE (docs/decisions/0008), the simulator at niceness 10
 * (docs/decisions/0013), and the CPU accounting the benchmark reports.
 */
import { spawnSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { cpuPerTx, cpuSnapshot } from '../../scripts/bench/cpu.ts';
import { call } from '../../scripts/bench/util.ts';
import { procfsAvailable, SCHED_IDLE, schedulingPolicyOf } from '../../scripts/lib/procfs.ts';
import { rpcUrl } from './helpers.ts';

const processes = inject('processes');
const chrtAvailable = spawnSync('chrt', ['--version']).status === 0;

describe.skipIf(!processes || !procfsAvailable)('local runtime processes', () => {
  const roles = processes ?? {};

  it('names four distinct live workerd processes', () => {
    expect(Object.keys(roles).sort()).toEqual(['edge', 'prover', 'sequencer', 'simulator']);
    expect(new Set(Object.values(roles)).size).toBe(4);
    for (const pid of Object.values(roles)) expect(() => process.kill(pid, 0)).not.toThrow();
  });

  it('runs the prover at SCHED_IDLE (niceness 19 without chrt), the simulator at 10, the sequencer and edge at normal priority', () => {
    if (chrtAvailable) expect(schedulingPolicyOf(roles.prover)).toBe(SCHED_IDLE);
    else expect(getPriority(roles.prover)).toBe(19);
    expect(getPriority(roles.simulator)).toBe(10);
    for (const role of ['sequencer', 'edge']) {
      expect(schedulingPolicyOf(roles[role])).toBe(0);
      expect(getPriority(roles[role])).toBe(0);
    }
  });

  it('measures the CPU the edge spends on requests', async () => {
    const byRole = Object.fromEntries(Object.entries(roles).map(([role, pid]) => [role, [pid]]));
    const before = cpuSnapshot(byRole);
    const n = 300;
    for (let i = 0; i < n; i++) await call(rpcUrl(), 'eth_chainId');
    const perRequest = cpuPerTx(before, cpuSnapshot(byRole), n);
    expect(perRequest.edge).toBeGreaterThan(0);
    expect(perRequest['bench client']).toBeGreaterThan(0);
  });
});

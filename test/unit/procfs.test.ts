/** scripts/lib/procfs.ts against real processes: the tree below a process, CPU time, niceness, SCHED_IDLE. */

import { spawn, spawnSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuMsOf, idleProcess, processTree, procfsAvailable, reniceProcess, SCHED_IDLE, schedulingPolicyOf } from '../../scripts/lib/procfs.ts';

const chrtAvailable = spawnSync('chrt', ['--version']).status === 0;

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A child Node process; `busy` spins the CPU, otherwise it sleeps. */
function child(busy: boolean): number {
  const code = busy ? 'for(;;){}' : 'setTimeout(() => {}, 60000)';
  const c = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  children.push(c);
  return c.pid as number;
}

describe.skipIf(!procfsAvailable)('procfs', () => {
  it('finds a child in the tree below this process, and not a stranger', () => {
    const pid = child(false);
    expect(processTree(process.pid)).toContain(pid);
    expect(processTree(pid)).toEqual([pid]);
  });

  it('counts the CPU time a busy process spends, and none for a sleeping one', async () => {
    const busy = child(true);
    const idle = child(false);
    await new Promise((r) => setTimeout(r, 600));
    expect(cpuMsOf(busy)).toBeGreaterThan(100);
    expect(cpuMsOf(idle)).toBeLessThan(cpuMsOf(busy));
    expect(cpuMsOf(2 ** 22 + 12345)).toBe(0);
  });

  it('lowers the niceness of a process', () => {
    const pid = child(false);
    reniceProcess(pid, 19);
    expect(getPriority(pid)).toBe(19);
  });

  it.skipIf(!chrtAvailable)('moves a process and its threads to SCHED_IDLE, and leaves others alone', () => {
    const pid = child(false);
    const other = child(false);
    expect(schedulingPolicyOf(pid)).toBe(0);
    idleProcess(pid);
    expect(schedulingPolicyOf(pid)).toBe(SCHED_IDLE);
    expect(schedulingPolicyOf(other)).toBe(0);
  });

  it('says so when there is no process to move', () => {
    expect(() => idleProcess(2 ** 22 + 12345)).toThrow();
  });
});

/** scripts/lib/procfs.ts against real processes: the tree below a process, CPU time, niceness. */
import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuMsOf, processTree, procfsAvailable, reniceProcess } from '../../scripts/lib/procfs.ts';

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
});

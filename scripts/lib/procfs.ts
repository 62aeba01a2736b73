/**
 * What Linux's /proc tells about processes: parents, CPU time, thread ids. Every function degrades
 * to "nothing known" where /proc does not exist (macOS), so callers need no platform check.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Linux reports process times in USER_HZ ticks, 100 per second on every architecture it runs on. */
const TICK_MS = 10;

/** The fields of /proc/PID/stat after the command name (which may hold spaces): state, ppid, ... */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
}

export const procfsAvailable = statFields(process.pid) !== undefined;

/** User plus system CPU time of a process so far, in ms (0 when it is gone or unknown). */
export function cpuMsOf(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) * TICK_MS : 0;
}

/** Direct children of `pid`. */
export function childrenOf(pid: number): Set<number> {
  return new Set(allPids().filter((p) => Number(statFields(p)?.[1]) === pid));
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const ppid = Number(statFields(pid)?.[1]);
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  for (const queue = [root]; queue.length; ) {
    const pid = queue.pop() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Sets the niceness of every thread of `pid` (Linux keeps it per thread; threads made later inherit
 * it from their creator). Throws when the system refuses.
 */
export function reniceProcess(pid: number, nice: number): void {
  let tids = [pid];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {}
  for (const tid of tids) setPriority(tid, nice);
}

/** Linux's SCHED_IDLE scheduling policy, as /proc/PID/stat reports it. */
export const SCHED_IDLE = 5;

/** The scheduling policy of a process (0 SCHED_OTHER, 5 SCHED_IDLE, ...); undefined when unknown. */
export function schedulingPolicyOf(pid: number): number | undefined {
  const policy = Number(statFields(pid)?.[38]);
  return Number.isInteger(policy) ? policy : undefined;
}

/**
 * Moves every thread of `pid` to SCHED_IDLE (threads made later inherit it): the process runs only
 * on a core nothing else wants, and the kernel places a waking task on a core that runs only idle
 * tasks as if the core were free, which niceness 19 does not do. Node has no call for it, so this
 * uses `chrt` (util-linux). Throws when `chrt` is missing or the system refuses.
 */
export function idleProcess(pid: number): void {
  execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (schedulingPolicyOf(pid) !== SCHED_IDLE) throw new Error(`process ${pid} is not SCHED_IDLE after chrt`);
}

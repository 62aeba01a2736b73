/**
 * WebSocket subscribers for `npm run bench -- --subscribers N`: N sockets to the chain's RPC URL,
 * each with a newHeads subscription (every tenth also a logs one, matching every log), held open
 * while a load runs. They run in a child process (subscriberClients.ts) at a lower CPU priority:
 * on a real deployment subscribers are other machines, so their CPU is not the chain's, and here it
 * is measured and reported apart. The hubs that send to them stay in the chain's edge process and
 * count as the chain's CPU.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpuMsOf, idleProcess, procfsAvailable, reniceProcess } from '../lib/procfs.ts';
import type { ClientsReply, ClientsRequest } from './subscriberClients.ts';
import { checkDeadline, type Deadline, sleep } from './util.ts';

export interface SubscriberStats {
  sockets: number;
  /** Sockets the chain closed during the window (a dropped slow client, a hub fault). */
  closed: number;
  blocks: number;
  /** newHeads notifications received, and how many were expected (blocks x sockets open). */
  heads: number;
  expectedHeads: number;
  logs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU ms the subscribers' own process spent in the window (undefined without /proc). */
  clientCpuMs?: number;
}

/** CPU priority of the subscribers' process: Linux's SCHED_IDLE, or a niceness (0: as the chain). */
export type SubscriberPriority = 'idle' | number;

export interface Subscribers {
  /** The subscribers' process. */
  pid: number;
  /** Starts a measurement window: counts and delays from now on. */
  reset(): void;
  stats(): Promise<SubscriberStats>;
  close(): Promise<void>;
}

/** Lowers the subscribers' process to `priority`; says what it got when the system refuses. */
function lower(pid: number, priority: SubscriberPriority): void {
  if (priority === 0) return;
  if (priority === 'idle') {
    try {
      idleProcess(pid);
      return;
    } catch (e) {
      process.stderr.write(`subscribers: could not use SCHED_IDLE (${(e as Error).message.split('\n')[0]}); niceness 19\n`);
    }
  }
  try {
    reniceProcess(pid, priority === 'idle' ? 19 : priority);
  } catch (e) {
    process.stderr.write(`subscribers: could not lower their CPU priority: ${(e as Error).message}\n`);
  }
}

export async function openSubscribers(httpUrl: string, n: number, priority: SubscriberPriority, deadline: Deadline): Promise<Subscribers> {
  const child: ChildProcess = fork(new URL('./subscriberClients.ts', import.meta.url), [httpUrl.replace(/^http/, 'ws'), String(n)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid as number;
  // Lowered before it opens sockets; threads it makes later inherit the priority.
  lower(pid, priority);
  const replies: ((m: ClientsReply) => void)[] = [];
  let exited = false;
  child.on('message', (m: ClientsReply) => replies.shift()?.(m));
  child.on('exit', () => {
    exited = true;
    for (const r of replies.splice(0)) r({ type: 'failed', message: 'the subscribers process exited' });
  });
  const next = () => new Promise<ClientsReply>((resolve) => replies.push(resolve));
  const ask = (m: ClientsRequest) => child.send(m);
  let answered = false;
  const first = await Promise.race([
    next().finally(() => {
      answered = true;
    }),
    (async (): Promise<ClientsReply> => {
      while (Date.now() <= deadline.at && !exited && !answered) await sleep(250);
      return { type: 'failed', message: `timed out: ${deadline.what}` };
    })(),
  ]);
  if (first.type !== 'ready') {
    child.kill('SIGKILL');
    checkDeadline(deadline);
    throw new Error(`subscribers: ${first.type === 'failed' ? first.message : 'unexpected answer'}`);
  }
  let cpuAtReset = 0;
  return {
    pid,
    reset() {
      cpuAtReset = cpuMsOf(pid);
      ask({ type: 'reset' });
    },
    async stats() {
      const answer = next();
      ask({ type: 'stats' });
      const s = await answer;
      if (s.type !== 'stats') throw new Error(`subscribers: ${s.type === 'failed' ? s.message : 'unexpected answer'}`);
      return {
        sockets: n,
        closed: s.closed,
        blocks: s.blocks,
        heads: s.heads,
        expectedHeads: s.blocks * (n - s.closed),
        logs: s.logs,
        p50Ms: s.p50Ms,
        p99Ms: s.p99Ms,
        maxMs: s.maxMs,
        clientCpuMs: procfsAvailable ? cpuMsOf(pid) - cpuAtReset : undefined,
      };
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      ask({ type: 'close' });
      await Promise.race([gone, sleep(5000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

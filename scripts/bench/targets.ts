/**
 * The endpoints under test: anvil and our chain, started here (or an already running URL),
 * described, and stopped again on every way out (normal end, error, Ctrl-C).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnvil } from '../lib/anvil.ts';
import { startChain } from '../lib/localChain.ts';
import { startLocalL1 } from '../lib/localL1.ts';
import type { Spawned } from '../lib/process.ts';
import { processTree } from '../lib/procfs.ts';
import { waitForRpc } from '../lib/rpc.ts';
import type { CpuRoles } from './cpu.ts';
import { call } from './util.ts';

export type TargetName = 'anvil' | 'chain';

export interface Target {
  name: TargetName;
  url: string;
  /** How the endpoint came to be: started here, or given with --url. */
  origin: 'started' | 'url';
  clientVersion: string;
  /** anvil_getAutomine when the endpoint is an anvil; undefined otherwise. */
  automine?: boolean;
  /** Set when the target failed (start, funding or a load); later phases skip it. */
  error?: string;
  /** The process behind the target when this run started it. */
  proc?: Spawned;
  /** Extra anvil arguments this run started anvil with. */
  anvilArgs?: string[];
  /** The processes behind the target by role, read when a load starts and ends (CPU per transaction). */
  cpuRoles?: () => CpuRoles;
  /** The chain's own L1 (anvil with the rollup contracts), when this run started the chain. */
  l1?: { url: string; rollup: string; deployBlock: bigint };
}

/** The chain in the bench settles on its own L1: batches close after 5 s, the cron fires every 2 s. */
export const BENCH_CHAIN_VARS = { BATCH_MAX_AGE_MS: '5000' };
const BENCH_CRON_MS = 2000;

/** Everything that must be undone on the way out, run once. */
export class Cleanup {
  private readonly steps: Array<() => Promise<void> | void> = [];
  private done = false;

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (e) {
        process.stderr.write(`cleanup: ${(e as Error).message}\n`);
      }
    }
  }
}

/** Processes spawned by startAnvil/startChain run in their own process group (pgid = pid). */
const spawnedGroups = new Set<number>();

function track(proc: Spawned, cleanup: Cleanup, what: string): void {
  const pid = proc.child.pid;
  if (pid !== undefined) spawnedGroups.add(pid);
  cleanup.add(async () => {
    if (!proc.alive()) return;
    process.stderr.write(`stopping ${what}\n`);
    await proc.stop();
    if (pid !== undefined) spawnedGroups.delete(pid);
  });
}

/**
 * Direct children of this process, by pid. A service whose start is still pending (startChain can
 * take a minute) has no handle yet; on Ctrl-C these are the processes this script started.
 */
function ownChildPids(): number[] {
  try {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([pid, ppid]) => ppid === process.pid && pid !== undefined && Number.isInteger(pid))
      .map(([pid]) => pid as number);
  } catch {
    return [];
  }
}

/** Ends the process groups of this script's own children (used on Ctrl-C and at exit). */
export async function stopOwnChildren(graceMs = 5000): Promise<void> {
  const pids = new Set([...spawnedGroups, ...ownChildPids()]);
  const signal = (pid: number, sig: NodeJS.Signals | 0) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  const alive = [...pids].filter((pid) => signal(pid, 'SIGTERM'));
  const until = Date.now() + graceMs;
  while (alive.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    for (let i = alive.length - 1; i >= 0; i--) if (!signal(alive[i] as number, 0)) alive.splice(i, 1);
  }
  for (const pid of alive) signal(pid, 'SIGKILL');
}

/** Synchronous last resort for process.on('exit'): kill what is still tracked. */
export function killTrackedSync(): void {
  for (const pid of spawnedGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
}

async function describe(name: TargetName, url: string, origin: Target['origin']): Promise<Target> {
  let clientVersion = 'unknown';
  try {
    clientVersion = await call<string>(url, 'web3_clientVersion', [], 5000);
  } catch {}
  let automine: boolean | undefined;
  if (/anvil/i.test(clientVersion)) {
    try {
      automine = await call<boolean>(url, 'anvil_getAutomine', [], 5000);
    } catch {}
  }
  return { name, url, origin, clientVersion, automine };
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/**
 * Arguments added to anvil by default. Without them anvil 1.7 writes a JSON snapshot of the whole
 * state for every block beyond its in-memory window to ~/.foundry/anvil/tmp and does not remove it
 * on exit (about 1.7 GB per benchmark run); mining and automine are unchanged.
 */
export const DEFAULT_ANVIL_ARGS = ['--max-persisted-states', '0'];

export interface StartOptions {
  targets: TargetName[];
  anvilArgs: string[];
  /** Replaces the chain (or the only target) with an already running endpoint. */
  url?: string;
  echo: boolean;
  keepData: boolean;
  log: (line: string) => void;
}

/** Starts the targets in parallel; a target that fails to start comes back with `error` set. */
export async function startTargets(o: StartOptions, cleanup: Cleanup): Promise<Target[]> {
  const urlTarget: TargetName | undefined = o.url ? (o.targets.includes('chain') ? 'chain' : o.targets[0]) : undefined;
  return Promise.all(
    o.targets.map(async (name): Promise<Target> => {
      try {
        if (name === urlTarget && o.url) {
          await waitForRpc(o.url, 10_000);
          o.log(`${name}: using running endpoint ${o.url}`);
          return await describe(name, o.url, 'url');
        }
        if (name === 'anvil') {
          const anvil = await startAnvil({ echo: o.echo, args: o.anvilArgs });
          track(anvil, cleanup, `anvil (pid ${anvil.child.pid})`);
          o.log(`anvil: started at ${anvil.url} ${o.anvilArgs.join(' ')}`);
          const target: Target = { ...(await describe(name, anvil.url, 'started')), proc: anvil, anvilArgs: o.anvilArgs };
          // The anvil of the moment: restartAnvil replaces the process between phases.
          target.cpuRoles = (): CpuRoles => (target.proc?.child.pid ? { anvil: processTree(target.proc.child.pid) } : {});
          return target;
        }
        const persistDir = mkdtempSync(join(tmpdir(), 'edge-rollup-bench-'));
        cleanup.add(() => {
          if (o.keepData) o.log(`chain data kept in ${persistDir}`);
          else rmSync(persistDir, { recursive: true, force: true });
        });
        const l1 = await startLocalL1({ chainVars: BENCH_CHAIN_VARS, echo: o.echo });
        track(l1, cleanup, `the chain's L1 anvil (pid ${l1.child.pid})`);
        o.log(`chain: its L1 (anvil) at ${l1.url}, rollup ${l1.deployment.rollup}; starting scripts/serve.ts (persist ${persistDir}) ...`);
        const chain = await startChain({
          persistDir,
          echo: o.echo,
          vars: { ...BENCH_CHAIN_VARS, ...l1.vars },
          cronIntervalMs: BENCH_CRON_MS,
          // The chain's own cost: Miniflare's rate-limiting binding is not Cloudflare's (README).
          rateLimit: 'off',
          keyRateLimit: 'off',
        });
        track(chain, cleanup, `chain (pid ${chain.child.pid})`);
        o.log(`chain: started at ${chain.url}`);
        return {
          ...(await describe(name, chain.url, 'started')),
          proc: chain,
          cpuRoles: () => ({
            ...Object.fromEntries(Object.entries(chain.processes).map(([role, pid]) => [role, [pid]])),
            'serve.ts': chain.child.pid ? [chain.child.pid] : [],
            'its L1 (anvil)': l1.child.pid ? processTree(l1.child.pid) : [],
          }),
          l1: { url: l1.url, rollup: l1.deployment.rollup, deployBlock: l1.deployment.deployBlock },
        };
      } catch (e) {
        return { name, url: o.url ?? '', origin: o.url ? 'url' : 'started', clientVersion: 'unknown', error: `start: ${(e as Error).message}` };
      }
    }),
  );
}

/** Replaces an anvil this run started by a fresh one (same arguments, new port): height back to 0. */
export async function restartAnvil(t: Target, o: { echo: boolean }, cleanup: Cleanup): Promise<void> {
  if (t.name !== 'anvil' || t.origin !== 'started' || !t.proc) throw new Error('only an anvil started by this run can be restarted');
  const old = t.proc;
  t.proc = undefined;
  await old.stop();
  if (old.child.pid !== undefined) spawnedGroups.delete(old.child.pid);
  const anvil = await startAnvil({ echo: o.echo, args: t.anvilArgs });
  track(anvil, cleanup, `anvil (pid ${anvil.child.pid})`);
  t.proc = anvil;
  t.url = anvil.url;
}

export async function blockHeight(url: string): Promise<number> {
  return Number(BigInt(await call<string>(url, 'eth_blockNumber')));
}

export function labelOf(t: Target): string {
  if (t.automine === true) return `${t.name} (automine)`;
  if (t.automine === false) return `${t.name} (interval mining)`;
  return t.name;
}

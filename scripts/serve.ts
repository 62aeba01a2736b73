/**
 * The local runtime: the Worker exactly as `wrangler deploy` bundles it, served by Miniflare
 * (workerd) with every binding of wrangler.toml (Durable Object, D1, R2, Queues) persisted under
 * one folder, and the cron handler fired on a timer. The edge Worker, the Sequencer Durable Object
 * the prover (queue consumer, with the Settlement Durable Object) and the Simulator Durable Objects
 * (eth_call and friends) run in four workerd processes. Miniflare is driven directly rather than through
 * `wrangler dev`, whose extra proxy hop halves request throughput (see
 * docs/decisions/0003-local-runtime-miniflare.md).
 *
 *   node scripts/serve.ts --help   (every flag)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { bin, projectRoot } from './lib/process.ts';
import { childrenOf, idleProcess, reniceProcess } from './lib/procfs.ts';

const HELP = `usage: node scripts/serve.ts [options]

Serves the chain's Worker locally (Miniflare/workerd) and prints "ready <url>" when it answers,
after a line "processes sequencer=PID prover=PID simulator=PID edge=PID" naming its four workerd
processes.

  --port N               port on 127.0.0.1 (default 8787)
  --persist DIR          folder for D1, R2, Durable Object and queue state (default .data/chain)
  --cron-interval-ms MS  fire the scheduled handler every MS ms (default 60000, 0 disables)
  --var NAME=VALUE       override a [vars] entry of wrangler.toml (repeatable); API keys: --var API_KEYS=k1,k2.
                         Without --var DEV_CHAIN=1 (which npm start and the tests set) the Worker runs
                         as deployed: an empty genesis, and it proves and settles only with
                         --var PROVER_KEY=, OPERATOR_KEY= and TRUSTED_PROVERS= of its own
  --rate-limit N         JSON-RPC calls per period per client address (RPC_RATE_LIMIT's simple.limit;
                         default wrangler.toml's). Every local client is one address unless it sends
                         CF-Connecting-IP itself
  --key-rate-limit N     the same per API key (RPC_KEY_RATE_LIMIT; default wrangler.toml's);
                         "off" for either removes that binding locally (npm run bench: the chain's
                         own cost, without Miniflare's ~1.8 ms of edge CPU per call)
  --prover-priority P    CPU priority of the prover's workerd process: idle (the default: Linux's
                         SCHED_IDLE through chrt, niceness 19 where that fails) or a niceness 0..19.
                         Proving is background work that must not take the sequencer's or the
                         edge's CPU (docs/decisions/0008)
  --simulator-priority P the same for the simulator's workerd process (eth_call, eth_estimateGas,
                         eth_createAccessList), default niceness 10 (docs/decisions/0013)
  --inspector-port N     expose the edge workerd's DevTools inspector (CPU profiles of the Worker)
  --sequencer-inspector-port N, --prover-inspector-port N, --simulator-inspector-port N
                         the same for the sequencer's, the prover's and the simulator's workerd
                         (scripts/profile.ts)
  --help                 this text`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    persist: { type: 'string', default: join(projectRoot, '.data', 'chain') },
    'cron-interval-ms': { type: 'string', default: '60000' },
    'inspector-port': { type: 'string' },
    'sequencer-inspector-port': { type: 'string' },
    'prover-inspector-port': { type: 'string' },
    'prover-priority': { type: 'string', default: 'idle' },
    'simulator-inspector-port': { type: 'string' },
    'simulator-priority': { type: 'string', default: '10' },
    var: { type: 'string', multiple: true, default: [] },
    'rate-limit': { type: 'string' },
    'key-rate-limit': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function priorityFlag(flag: 'prover-priority' | 'simulator-priority'): 'idle' | number {
  const p = values[flag] === 'idle' ? 'idle' : Number(values[flag]);
  if (p !== 'idle' && (!Number.isInteger(p) || p < 0 || p > 19)) {
    console.error(`--${flag} wants idle or an integer niceness 0..19, got ${values[flag]}`);
    process.exit(2);
  }
  return p;
}
const proverPriority = priorityFlag('prover-priority');
const simulatorPriority = priorityFlag('simulator-priority');

const persist = resolve(values.persist);
mkdirSync(persist, { recursive: true });
// Inside the project: workerd refuses module paths that climb out of the project root.
mkdirSync(join(projectRoot, '.data'), { recursive: true });
const buildDir = mkdtempSync(join(projectRoot, '.data', 'build-'));
execFileSync(bin('wrangler'), ['deploy', '--dry-run', '--outdir', buildDir], {
  cwd: projectRoot,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});

/** Every module of the bundle: the entry first, then what it imports (WebAssembly). */
function bundleModules(dir: string): { type: 'ESModule' | 'CompiledWasm'; path: string }[] {
  const files = readdirSync(dir);
  return [
    { type: 'ESModule' as const, path: join(dir, 'index.js') },
    ...files.filter((f) => f.endsWith('.wasm')).map((f) => ({ type: 'CompiledWasm' as const, path: join(dir, f) })),
  ];
}

const { workerOptions } = unstable_getMiniflareWorkerOptions(join(projectRoot, 'wrangler.toml'));
// The bundle's modules are listed explicitly: wrangler's rules for unbundled sources do not apply.
const { modulesRules: _rules, bindings, ...options } = workerOptions as typeof workerOptions & { bindings?: Record<string, unknown> };
const vars: Record<string, unknown> = { ...bindings };
for (const v of values.var) {
  const eq = v.indexOf('=');
  if (eq < 1) throw new Error(`--var wants NAME=VALUE, got ${v}`);
  vars[v.slice(0, eq)] = v.slice(eq + 1);
}

// Rate limits: wrangler.toml's bindings with the limits of the flags. Locally every client is
// 127.0.0.1, and npm start, the e2e suite and the bench send thousands of calls a second from it.
type RateLimitBinding = { simple: { limit: number; period?: number } };
const ratelimits = (options as { ratelimits?: Record<string, RateLimitBinding> }).ratelimits ?? {};
for (const [name, flag] of [
  ['RPC_RATE_LIMIT', 'rate-limit'],
  ['RPC_KEY_RATE_LIMIT', 'key-rate-limit'],
] as const) {
  const value = values[flag];
  if (value === undefined) continue;
  // Benchmarks of the chain itself: Miniflare's binding costs the local edge ~1.8 ms of CPU per
  // call (README), Cloudflare's does not; without the binding the edge charges nothing.
  if (value === 'off') {
    delete ratelimits[name];
    continue;
  }
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || !ratelimits[name]) {
    console.error(`--${flag} wants a positive integer and wrangler.toml's ${name} binding, got ${value}`);
    process.exit(2);
  }
  ratelimits[name] = { ...ratelimits[name], simple: { ...ratelimits[name].simple, limit } };
}

// Four workerd processes, as in production where edge isolates, the Durable Object and queue
// consumers run on different machines: workerd runs all services of a process on one thread, so one
// process would cap the whole chain at one core (docs/decisions/0003). They share the persisted D1
// and R2 files and meet (Durable Object calls, queue deliveries) through a dev registry made fresh
// for this run.
const SEQUENCER_SCRIPT = 'edge-rollup-sequencer';
// In the OS temp dir: a killed run (the kill -9 test does that) leaves nothing in the project.
const registry = mkdtempSync(join(tmpdir(), 'edge-rollup-registry-'));
const shared = { host: '127.0.0.1', port: 0, resourcePersistencePath: persist, unsafeDevRegistryPath: registry };
const modules = bundleModules(buildDir);

/** One workerd process running the bundle as `name`, with `overrides` on wrangler.toml's options. */
async function host(name: string, overrides: Record<string, unknown>, sharedOverrides: Record<string, unknown> = {}): Promise<Miniflare> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...shared,
      ...sharedOverrides,
      workers: [{ ...options, bindings: vars, name, modulesRoot: buildDir, modules, ...overrides }],
    } as never),
  );
  await mf.ready;
  return mf;
}
const PROVER_SCRIPT = 'edge-rollup-prover';
const SIMULATOR_SCRIPT = 'edge-rollup-simulator';
const sequencerObject = { className: 'Sequencer', useSQLite: true };
const settlementObject = { className: 'Settlement', useSQLite: true };
const simulatorObject = { className: 'Simulator', useSQLite: true };
const hubObject = { className: 'SubscriptionHub', useSQLite: true };
const EDGE_SCRIPT = 'edge-rollup';
// The subscription hubs hold the WebSockets, so they live in the edge's process: a WebSocket upgrade
// is not carried between processes through the dev registry (docs/decisions/0021).
const remoteHub = { className: 'SubscriptionHub', scriptName: EDGE_SCRIPT };
const remoteSequencer = { className: 'Sequencer', scriptName: SEQUENCER_SCRIPT };
const remoteSettlement = { className: 'Settlement', scriptName: PROVER_SCRIPT };
const remoteSimulator = { className: 'Simulator', scriptName: SIMULATOR_SCRIPT };

/** The workerd process each host runs in, found as the child that appeared while it started. */
const hostPids: Record<string, number | undefined> = {};
async function tracked<T>(role: string, start: () => Promise<T>): Promise<T> {
  const before = childrenOf(process.pid);
  const made = await start();
  hostPids[role] = [...childrenOf(process.pid)].find((pid) => !before.has(pid));
  return made;
}

/** Lowers a process's CPU priority: SCHED_IDLE, or niceness 19 where that fails; a warning if neither works. */
function lowerPriority(role: string, pid: number, priority: 'idle' | number): void {
  if (priority === 'idle') {
    try {
      idleProcess(pid);
      return;
    } catch (e) {
      console.warn(`could not make the ${role} SCHED_IDLE (${(e as Error).message.split('\n')[0]}); using niceness 19`);
    }
  }
  try {
    reniceProcess(pid, priority === 'idle' ? 19 : priority);
  } catch (e) {
    console.warn(`could not lower the ${role}'s CPU priority: ${(e as Error).message}`);
  }
}

// The sequencer host: the Sequencer Durable Object with its SQLite, the D1 writes of its outbox,
// R2, the queue's producer side.
const inspector = (flag: 'sequencer-inspector-port' | 'prover-inspector-port' | 'simulator-inspector-port' | 'inspector-port') =>
  values[flag] ? { inspectorPort: Number(values[flag]) } : {};
const sequencerHost = await tracked('sequencer', () =>
  host(
    SEQUENCER_SCRIPT,
    { queueConsumers: undefined, durableObjects: { SEQUENCER: sequencerObject, SETTLEMENT: remoteSettlement, SIMULATOR: remoteSimulator, HUB: remoteHub } },
    inspector('sequencer-inspector-port'),
  ),
);

// The prover and settlement host: the queue consumer re-executing blocks from R2, and the
// Settlement Durable Object the cron drives (aggregation, L1 transactions), in their own process
// like the fanned-out consumers of production, so that neither takes the sequencer's thread. On
// Cloudflare they run on other machines; here they share the cores with the sequencer and the edge,
// so the process runs at the lowest priority (SCHED_IDLE): proving catches up when the load pauses
// instead of slowing the acknowledgement of every transaction (docs/decisions/0008).
const proverHost = await tracked('prover', () =>
  host(
    PROVER_SCRIPT,
    { durableObjects: { SEQUENCER: remoteSequencer, SETTLEMENT: settlementObject, SIMULATOR: remoteSimulator, HUB: remoteHub } },
    inspector('prover-inspector-port'),
  ),
);
if (proverPriority !== 0 && hostPids.prover !== undefined) lowerPriority('prover', hostPids.prover, proverPriority);

// The simulator host: the Simulator Durable Objects that execute eth_call, eth_estimateGas and
// eth_createAccessList over D1 and the sequencer's unindexed blocks. On Cloudflare they run on
// other machines than the sequencer; here they share its cores, so (like the prover) the process
// runs at a lower priority: a flood of heavy calls slows calls, not blocks (docs/decisions/0013).
const simulatorHost = await tracked('simulator', () =>
  host(
    SIMULATOR_SCRIPT,
    {
      queueConsumers: undefined,
      durableObjects: { SEQUENCER: remoteSequencer, SETTLEMENT: remoteSettlement, SIMULATOR: simulatorObject, HUB: remoteHub },
    },
    inspector('simulator-inspector-port'),
  ),
);
if (simulatorPriority !== 0 && hostPids.simulator !== undefined) lowerPriority('simulator', hostPids.simulator, simulatorPriority);

// The edge: the JSON-RPC Worker on its own socket (no Miniflare entry-worker hop), reading D1 and
// calling the Durable Objects in the other processes.
const edge = await tracked('edge', () =>
  host(
    EDGE_SCRIPT,
    {
      durableObjects: { SEQUENCER: remoteSequencer, SETTLEMENT: remoteSettlement, SIMULATOR: remoteSimulator, HUB: hubObject },
      queueConsumers: undefined,
      unsafeDirectSockets: [{ host: '127.0.0.1', port: Number(values.port) }],
    },
    inspector('inspector-port'),
  ),
);
const url = await edge.unsafeGetDirectURL(EDGE_SCRIPT);
rmSync(buildDir, { recursive: true, force: true });
// For tools that measure the processes (npm run bench reports CPU time per role).
console.log(
  `processes ${Object.entries(hostPids)
    .map(([role, pid]) => `${role}=${pid ?? '?'}`)
    .join(' ')}`,
);
console.log(`ready ${url.href}`);

const cronMs = Number(values['cron-interval-ms']);
const crons = (options as { cronTriggers?: string[] }).cronTriggers ?? [];
const worker = await proverHost.getWorker(PROVER_SCRIPT);
const cron =
  cronMs > 0
    ? setInterval(() => {
        worker.scheduled({ cron: crons[0] ?? '* * * * *', scheduledTime: new Date() }).catch((e: unknown) => console.error('scheduled handler failed', e));
      }, cronMs)
    : undefined;

const shutdown = async () => {
  if (cron) clearInterval(cron);
  await edge.dispose();
  await proverHost.dispose();
  await simulatorHost.dispose();
  await sequencerHost.dispose();
  rmSync(registry, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

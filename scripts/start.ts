/**
 * `npm start`: runs the chain locally with its L1 (anvil with the contracts, scripts/lib/localL1.ts;
 * the Worker through scripts/serve.ts: Miniflare over workerd, via scripts/lib/localChain.ts) and
 * prints, as anvil does, the RPC URL, the chain id and the funded development accounts with their
 * keys, plus the L1 contracts; then a status line whenever the chain's status changes.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatEther } from 'viem';
import { DEV_DERIVATION_PATH, DEV_MNEMONIC, devAccounts, devPrivateKey } from './bench/accounts.ts';
import { stopOwnChildren } from './bench/targets.ts';
import { startChain } from './lib/localChain.ts';
import { type LocalL1, startLocalL1 } from './lib/localL1.ts';
import { projectRoot } from './lib/process.ts';
import { rpc } from './lib/rpc.ts';

const DEFAULT_PERSIST = join(projectRoot, '.data', 'chain');

const HELP = `Usage: npm start -- [flags]     (or: node scripts/start.ts [flags])

Runs the whole chain on this machine: anvil as the L1 (from @foundry-rs/anvil, a block every
second, final two blocks later) with the rollup's contracts deployed and the development prover key registered, and the
Worker with Miniflare over workerd (scripts/serve.ts: the RPC Worker, the Sequencer and
Settlement Durable Objects, D1, R2, Queues, and the cron that settles on L1). Waits until the
JSON-RPC answers on 127.0.0.1, prints the RPC URL, the chain id, the ten funded development
accounts (mnemonic "${DEV_MNEMONIC}") with balances and private keys, and the L1
contracts, then streams the runtime's output and a status line (head, proven, batches on L1)
until Ctrl-C (SIGINT) or SIGTERM, which stop everything. State (L2 and L1) is kept between runs.
This is a local development chain (DEV_CHAIN=1: funded development accounts, public keys), never
one to hold value: see README, Deploying.

Flags:
  --port N              port of the JSON-RPC endpoint on 127.0.0.1 (default 8787)
  --l1-port N           port of anvil, the L1, on 127.0.0.1 (default 8545)
  --cron-interval-ms MS how often the scheduled handler (settlement) fires (default 60000, the
                        cron schedule; e.g. 5000 settles deposits and withdrawals in seconds)
  --persist DIR         folder of the local D1, R2, Durable Object, queue and anvil state
                        (default .data/chain)
  --fresh               wipe the persist folder first: start again from genesis (L2 and L1)
  --help                this text`;

interface StartOptions {
  port: number;
  l1Port: number;
  cronIntervalMs: number;
  persistDir: string;
  fresh: boolean;
  help: boolean;
}

function parseStartArgs(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      fresh: { type: 'boolean', default: false },
      port: { type: 'string', default: '8787' },
      'l1-port': { type: 'string', default: '8545' },
      'cron-interval-ms': { type: 'string', default: '60000' },
      persist: { type: 'string', default: DEFAULT_PERSIST },
    },
  });
  const portOf = (flag: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${flag} needs a port number, got ${v}`);
    return n;
  };
  const cronIntervalMs = Number(values['cron-interval-ms']);
  if (!Number.isInteger(cronIntervalMs) || cronIntervalMs < 100) throw new Error(`--cron-interval-ms needs at least 100, got ${values['cron-interval-ms']}`);
  return {
    port: portOf('port', values.port),
    l1Port: portOf('l1-port', values['l1-port']),
    cronIntervalMs,
    persistDir: resolve(values.persist),
    fresh: values.fresh,
    help: values.help,
  };
}

/** Refuses to wipe a folder that holds the project or the home directory. */
function wipe(dir: string): void {
  for (const guarded of ['/', homedir(), projectRoot]) {
    const rel = relative(dir, resolve(guarded));
    if (rel === '' || !rel.startsWith('..')) throw new Error(`--fresh refuses to wipe ${dir}: it contains ${guarded}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Without this check a server already on the port (an earlier `npm start`) would answer for us. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

async function banner(url: string, port: number, persistDir: string, l1: LocalL1): Promise<string> {
  const chainId = Number(BigInt(await rpc<string>(url, 'eth_chainId')));
  const accounts = devAccounts();
  const balances = await Promise.all(
    accounts.map(async (a) => {
      try {
        return `${formatEther(BigInt(await rpc<string>(url, 'eth_getBalance', [a.address, 'latest'])))} ETH`;
      } catch (e) {
        return `balance unavailable: ${(e as Error).message}`;
      }
    }),
  );
  const keys = accounts.map(devPrivateKey);
  const out: string[] = [];
  out.push('', 'edge-rollup: local chain (Miniflare over workerd)', '');
  out.push('Available Accounts', '==================', '');
  for (const [i, a] of accounts.entries()) out.push(`(${i}) ${a.address} (${balances[i]})`);
  out.push('', 'Private Keys', '==================', '');
  for (const [i, k] of keys.entries()) out.push(`(${i}) ${k}`);
  out.push('', 'Wallet', '==================');
  out.push(`Mnemonic:          ${DEV_MNEMONIC}`);
  out.push(`Derivation path:   ${DEV_DERIVATION_PATH}`);
  out.push('', 'Chain ID', '==================', '', String(chainId), '');
  out.push(`State:             ${persistDir} (npm start -- --fresh starts again from genesis)`);
  out.push('', 'L1 (anvil)', '==================', '');
  out.push(`L1 RPC URL:        ${l1.url}`);
  out.push(`Rollup:            ${l1.deployment.rollup}`);
  out.push(`Bridge:            ${l1.deployment.bridge}   deposit(address l2Recipient) payable`);
  out.push(`ThresholdVerifier: ${l1.deployment.verifier}`);
  out.push(`L2 withdrawals:    0x0000000000000000000000000000000000008001   withdraw(address l1Recipient) payable`);
  out.push(`Claim on L1:       node scripts/claim-withdrawal.ts --tx <L2 tx hash> --wait --l1-rpc ${l1.url} --l2-rpc ${url}`);
  const wsUrl = url.replace(/^http/, 'ws');
  out.push('', `Listening on 127.0.0.1:${port}`, `RPC URL:           ${url}`, `WebSocket:         ${wsUrl} (eth_subscribe)`, '');
  out.push('Point a client at it:');
  out.push(`  cast block-number --rpc-url ${url}`);
  out.push(`  cast send --rpc-url ${url} --private-key ${keys[0]} ${accounts[1]?.address} --value 1ether`);
  out.push(`  viem: createPublicClient({ transport: http('${url}') }).getBlockNumber()`);
  out.push(
    `        createWalletClient({ account: privateKeyToAccount('${keys[0]}'), chain: defineChain({ id: ${chainId}, name: 'edge-rollup', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: ['${url}'] } } }), transport: http('${url}') })`,
  );
  out.push(`  viem: createPublicClient({ transport: webSocket('${wsUrl}') }).watchBlocks({ onBlock: console.log })`);
  out.push('', 'Press Ctrl-C to stop. Output of the runtime follows.', '');
  return out.join('\n');
}

let lastStatus = '';

/** One line of the chain's /status, printed when it changed: head, proving, batches, L1. */
async function printStatus(url: string): Promise<void> {
  try {
    const s = (await (await fetch(new URL('/status', url))).json()) as StatusJson;
    const l1 = s.settlement?.l1;
    const inFlight = s.settlement?.inFlight?.map((t) => `${t.kind} ${t.batches[0]}..${t.batches[1]}`).join(', ') || 'none';
    const line = [
      `head ${s.head}`,
      `proven ${s.provenHead === null ? '?' : s.provenHead < 0 ? 'none' : s.provenHead} (lag ${s.provingLag ?? '?'}, failures ${s.failures ?? '?'}, dead letters ${s.deadLetters ?? '?'})`,
      `batches closed ${s.batches.closed}${s.batches.open ? ` (+open ${s.batches.open.first}..${s.batches.open.last})` : ''}`,
      l1 ? `L1 committed ${l1.committed} proven ${l1.proven} executed ${l1.executed}, in flight: ${inFlight}` : 'L1 settlement off',
      `deposits pending ${s.pendingDeposits}`,
      ...(s.settlement?.waiting ? [waitingLine(s.settlement.waiting)] : []),
      ...(s.settlement?.lastError ? [`settlement error: ${s.settlement.lastError}`] : []),
      ...(s.errors ?? []).map((e) => `ERROR: ${e}`),
    ].join(' | ');
    if (line !== lastStatus) process.stdout.write(`[status] ${line}\n`);
    lastStatus = line;
  } catch (e) {
    process.stdout.write(`[status] unavailable: ${(e as Error).message}\n`);
  }
}

/** "proving batches 3..4 waits for 12 block proofs (57, 58, ...) since 14:02:11". */
function waitingLine(w: { batches: number[]; missingBlocks: number[]; missing: number; since: number; firstMissingTimestamp: number }): string {
  const blocks = `${w.missingBlocks.slice(0, 6).join(', ')}${w.missing > 6 ? ', ...' : ''}`;
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  return `proving batches ${w.batches[0]}..${w.batches[1]} waits since ${time(w.since)} for ${w.missing} block proofs (${blocks}; block ${w.missingBlocks[0]} sealed at ${time(w.firstMissingTimestamp * 1000)})`;
}

interface StatusJson {
  head: number;
  provenHead: number | null;
  provingLag: number | null;
  failures: number | null;
  deadLetters: number | null;
  pendingDeposits: number;
  batches: { closed: number; open: { first: number; last: number } | null };
  settlement?: {
    l1?: { committed: number; proven: number; executed: number } | null;
    inFlight?: { kind: string; batches: number[] }[];
    lastError?: string | null;
    waiting?: { batches: number[]; missingBlocks: number[]; missing: number; since: number; firstMissingTimestamp: number } | null;
  };
  errors?: string[];
}

async function main(): Promise<number> {
  let opts: StartOptions;
  try {
    opts = parseStartArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!(await portIsFree(opts.port))) {
    process.stderr.write(`port ${opts.port} on 127.0.0.1 is in use (another npm start?); pick one with --port\n`);
    return 1;
  }
  if (opts.fresh) {
    try {
      wipe(opts.persistDir);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
    process.stdout.write(`wiped ${opts.persistDir}\n`);
  }

  let chain: Awaited<ReturnType<typeof startChain>> | undefined;
  let l1: LocalL1 | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the chain ...\n`);
    void (async () => {
      // While startChain is still waiting, there is no handle yet: end this script's own children.
      if (chain) await chain.stop();
      if (l1) await l1.stop();
      await stopOwnChildren();
      process.stdout.write('chain stopped\n');
      process.exit(0);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (!(await portIsFree(opts.l1Port))) {
    process.stderr.write(`port ${opts.l1Port} on 127.0.0.1 is in use (another anvil?); pick one with --l1-port\n`);
    return 1;
  }
  mkdirSync(opts.persistDir, { recursive: true });
  process.stdout.write(`starting the L1 (anvil) on 127.0.0.1:${opts.l1Port} ...\n`);
  try {
    l1 = await startLocalL1({ persistDir: opts.persistDir, port: opts.l1Port });
  } catch (e) {
    if (stopping) return new Promise<number>(() => {});
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`starting the chain on 127.0.0.1:${opts.port} (state in ${opts.persistDir}) ...\n`);
  try {
    chain = await startChain({ port: opts.port, persistDir: opts.persistDir, echo: true, vars: l1.vars, cronIntervalMs: opts.cronIntervalMs });
  } catch (e) {
    if (stopping) return new Promise<number>(() => {}); // the signal handler exits
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  if (stopping) return new Promise<number>(() => {});
  try {
    process.stdout.write(`${await banner(chain.url, opts.port, opts.persistDir, l1)}\n`);
  } catch (e) {
    process.stderr.write(`the chain started but did not answer eth_chainId: ${(e as Error).message}\n`);
  }
  const started = chain;
  const statusTimer = setInterval(() => void printStatus(started.url), 10_000);
  if (started.alive()) await new Promise<void>((res) => started.child.once('exit', () => res()));
  clearInterval(statusTimer);
  if (stopping) return new Promise<number>(() => {});
  process.stderr.write(`the local runtime exited (code ${started.child.exitCode ?? started.child.signalCode}); the chain is down\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`start failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

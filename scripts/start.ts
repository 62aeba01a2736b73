/**
 * `npm start`: runs the chain locally (scripts/serve.ts: Miniflare over workerd, through scripts/lib/localChain.ts) and prints,
 * as anvil does, the RPC URL, the chain id and the funded development accounts with their keys.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatEther } from 'viem';
import { DEV_DERIVATION_PATH, DEV_MNEMONIC, devAccounts, devPrivateKey } from './bench/accounts.ts';
import { stopOwnChildren } from './bench/targets.ts';
import { startChain } from './lib/localChain.ts';
import { projectRoot } from './lib/process.ts';
import { rpc } from './lib/rpc.ts';

const DEFAULT_PERSIST = join(projectRoot, '.data', 'chain');

const HELP = `Usage: npm start -- [flags]     (or: node scripts/start.ts [flags])

Runs the whole chain on this machine with Miniflare over workerd (scripts/serve.ts: the RPC
Worker, the Sequencer Durable Object, D1, R2, Queues, cron), waits until its JSON-RPC answers on
127.0.0.1, prints the RPC URL, the chain id, the ten funded development accounts (mnemonic
"${DEV_MNEMONIC}") with balances and private keys, then streams the runtime's output
until Ctrl-C (SIGINT) or SIGTERM, which stop the chain. State is kept between runs.

Flags:
  --port N        port of the JSON-RPC endpoint on 127.0.0.1 (default 8787)
  --persist DIR   folder of the local D1, R2, Durable Object and queue state (default .data/chain)
  --fresh         wipe the persist folder first: start again from genesis
  --help          this text`;

interface StartOptions {
  port: number;
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
      persist: { type: 'string', default: DEFAULT_PERSIST },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port needs a port number, got ${values.port}`);
  return { port, persistDir: resolve(values.persist), fresh: values.fresh, help: values.help };
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

async function banner(url: string, port: number, persistDir: string): Promise<string> {
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
  out.push('', `Listening on 127.0.0.1:${port}`, `RPC URL:           ${url}`, '');
  out.push('Point a client at it:');
  out.push(`  cast block-number --rpc-url ${url}`);
  out.push(`  cast send --rpc-url ${url} --private-key ${keys[0]} ${accounts[1]?.address} --value 1ether`);
  out.push(`  viem: createPublicClient({ transport: http('${url}') }).getBlockNumber()`);
  out.push(
    `        createWalletClient({ account: privateKeyToAccount('${keys[0]}'), chain: defineChain({ id: ${chainId}, name: 'edge-rollup', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: ['${url}'] } } }), transport: http('${url}') })`,
  );
  out.push('', 'Press Ctrl-C to stop. Output of the runtime follows.', '');
  return out.join('\n');
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
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the chain ...\n`);
    void (async () => {
      // While startChain is still waiting, there is no handle yet: end this script's own children.
      if (chain) await chain.stop();
      await stopOwnChildren();
      process.stdout.write('chain stopped\n');
      process.exit(0);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  process.stdout.write(`starting the chain on 127.0.0.1:${opts.port} (state in ${opts.persistDir}) ...\n`);
  try {
    chain = await startChain({ port: opts.port, persistDir: opts.persistDir, echo: true });
  } catch (e) {
    if (stopping) return new Promise<number>(() => {}); // the signal handler exits
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  if (stopping) return new Promise<number>(() => {});
  try {
    process.stdout.write(`${await banner(chain.url, opts.port, opts.persistDir)}\n`);
  } catch (e) {
    process.stderr.write(`the chain started but did not answer eth_chainId: ${(e as Error).message}\n`);
  }
  const started = chain;
  if (started.alive()) await new Promise<void>((res) => started.child.once('exit', () => res()));
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

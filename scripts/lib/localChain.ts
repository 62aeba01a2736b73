import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, projectRoot, type Spawned, spawnService } from './process.ts';
import { waitForRpc } from './rpc.ts';

export interface LocalChain extends Spawned {
  url: string;
  port: number;
  persistDir: string;
  /** The workerd process of each host (sequencer, prover, edge), as scripts/serve.ts names them. */
  processes: Record<string, number>;
}

/** Reads serve.ts's line "processes sequencer=PID prover=PID edge=PID". */
export function parseProcesses(output: string): Record<string, number> {
  const line = output.split('\n').find((l) => l.startsWith('processes '));
  const out: Record<string, number> = {};
  for (const m of line?.matchAll(/(\w+)=(\d+)/g) ?? []) out[m[1] as string] = Number(m[2]);
  return out;
}

export interface StartChainOptions {
  port?: number;
  /** Folder for the local D1, R2, Durable Object and queue state; kept across restarts. */
  persistDir?: string;
  /** Overrides of wrangler.toml's [vars] (and secrets: PROVER_KEY, OPERATOR_KEY). */
  vars?: Record<string, string>;
  /**
   * A local development chain (default true): DEV_CHAIN=1, so the genesis funds the development
   * accounts and the public prover and operator keys are accepted. false runs the Worker as
   * `wrangler deploy` would: an empty genesis, and it proves and settles only with real keys in
   * `vars` (the bridge-solvency test).
   */
  devChain?: boolean;
  /** How often the scheduled (cron) handler fires locally. */
  cronIntervalMs?: number;
  /**
   * JSON-RPC calls per 10 s per client address and per API key (serve.ts --rate-limit and
   * --key-rate-limit). Default LOCAL_RATE_LIMIT for both: local clients are all 127.0.0.1. 'off'
   * runs without the binding (the bench: Miniflare's costs the edge ~1.8 ms of CPU per call).
   */
  rateLimit?: number | 'off';
  keyRateLimit?: number | 'off';
  echo?: boolean;
}

/**
 * The local chain's rate limit unless a caller sets one: high enough that npm start, the e2e suite
 * and the bench (thousands of calls a second, all from 127.0.0.1) never meet it, while every call
 * still goes through the binding as on Cloudflare.
 */
export const LOCAL_RATE_LIMIT = 1_000_000;

/** The local-development opt-in (core/chain/config.ts isDevChain): set only by local tooling, never in wrangler.toml. */
export const DEV_CHAIN_VARS: Readonly<Record<string, string>> = { DEV_CHAIN: '1' };

/** Runs the Worker with scripts/serve.ts (Miniflare over workerd) and waits until its RPC answers. */
export async function startChain(opts: StartChainOptions = {}): Promise<LocalChain> {
  const port = opts.port ?? (await freePort());
  const persistDir = opts.persistDir ?? join(projectRoot, '.data', 'chain');
  mkdirSync(persistDir, { recursive: true });
  // Local chains admit unprotected transactions (keyless deployments), as anvil does.
  const vars = { ...(opts.devChain === false ? {} : DEV_CHAIN_VARS), ALLOW_UNPROTECTED_TXS: 'true', ...opts.vars };
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}=${v}`]);
  const cronArgs = opts.cronIntervalMs === undefined ? [] : ['--cron-interval-ms', String(opts.cronIntervalMs)];
  const limitArgs = ['--rate-limit', String(opts.rateLimit ?? LOCAL_RATE_LIMIT), '--key-rate-limit', String(opts.keyRateLimit ?? LOCAL_RATE_LIMIT)];
  const proc = spawnService(
    process.execPath,
    [join(projectRoot, 'scripts', 'serve.ts'), '--port', String(port), '--persist', persistDir, ...cronArgs, ...limitArgs, ...varArgs],
    {
      echo: opts.echo,
      env: { WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(url, 120_000, proc.alive);
  } catch (e) {
    await proc.stop();
    throw new Error(`the chain did not start: ${(e as Error).message}\n${proc.output()}`);
  }
  // The edge answers a moment before serve.ts prints its lines; the process ids are only for reports.
  for (let waited = 0; !/^ready /m.test(proc.output()) && waited < 5000 && proc.alive(); waited += 50) await new Promise((r) => setTimeout(r, 50));
  return { ...proc, url, port, persistDir, processes: parseProcesses(proc.output()) };
}

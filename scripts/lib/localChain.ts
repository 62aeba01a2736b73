import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bin, freePort, projectRoot, type Spawned, spawnService } from './process.ts';
import { waitForRpc } from './rpc.ts';

export interface LocalChain extends Spawned {
  url: string;
  port: number;
  persistDir: string;
}

export interface StartChainOptions {
  port?: number;
  /** Folder for the local D1, R2, Durable Object and queue state; kept across restarts. */
  persistDir?: string;
  /** Extra `--var NAME:VALUE` overrides for wrangler.toml's [vars]. */
  vars?: Record<string, string>;
  echo?: boolean;
}

/** Runs the Worker with `wrangler dev` (workerd through Miniflare) and waits until its RPC answers. */
export async function startChain(opts: StartChainOptions = {}): Promise<LocalChain> {
  const port = opts.port ?? (await freePort());
  const persistDir = opts.persistDir ?? join(projectRoot, '.data', 'chain');
  mkdirSync(persistDir, { recursive: true });
  const varArgs = Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const inspectorPort = await freePort();
  const proc = spawnService(
    bin('wrangler'),
    [
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persistDir,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      ...varArgs,
    ],
    { echo: opts.echo, env: { WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(url, 120_000, proc.alive);
  } catch (e) {
    await proc.stop();
    throw new Error(`the chain did not start: ${(e as Error).message}\n${proc.output()}`);
  }
  return { ...proc, url, port, persistDir };
}

import { bin, freePort, type Spawned, spawnService } from './process.ts';
import { waitForRpc } from './rpc.ts';

export interface Anvil extends Spawned {
  url: string;
  port: number;
}

/** Starts anvil from @foundry-rs/anvil on a free loopback port (or the one given) and waits until it answers. */
export async function startAnvil(opts: { port?: number; args?: string[]; echo?: boolean } = {}): Promise<Anvil> {
  const port = opts.port ?? (await freePort());
  const proc = spawnService(bin('anvil'), ['--host', '127.0.0.1', '--port', String(port), ...(opts.args ?? [])], { echo: opts.echo });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(url, 30_000, proc.alive);
  } catch (e) {
    await proc.stop();
    throw new Error(`anvil did not start: ${(e as Error).message}\n${proc.output()}`);
  }
  return { ...proc, url, port };
}

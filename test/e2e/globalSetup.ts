/**
 * Global setup of the e2e project: gives the tests one JSON-RPC URL (`inject('rpcUrl')`).
 *
 * - With `E2E_RPC_URL` set, the tests run against that endpoint (anvil, a deployed chain) and
 *   nothing is started here.
 * - Otherwise the chain is started with `wrangler dev` (scripts/lib/localChain.ts) on a fresh
 *   persist dir under the OS temp dir, so every run begins at genesis, and stopped afterwards.
 *   `E2E_ECHO=1` echoes wrangler's output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startChain } from '../../scripts/lib/localChain.ts';
import { waitForRpc } from '../../scripts/lib/rpc.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** JSON-RPC endpoint of the chain under test. */
    rpcUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.E2E_RPC_URL;
  if (external) {
    await waitForRpc(external, 30_000);
    project.provide('rpcUrl', external);
    return undefined;
  }

  const persistDir = mkdtempSync(join(tmpdir(), 'edge-rollup-e2e-'));
  const chain = await startChain({ persistDir, echo: process.env.E2E_ECHO === '1' }).catch((e: unknown) => {
    rmSync(persistDir, { recursive: true, force: true });
    throw e;
  });
  project.provide('rpcUrl', chain.url);

  return async () => {
    await chain.stop();
    rmSync(persistDir, { recursive: true, force: true });
  };
}

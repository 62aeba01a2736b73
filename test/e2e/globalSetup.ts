/**
 * Global setup of the e2e project: gives the tests one JSON-RPC URL (`inject('rpcUrl')`).
 *
 * - With `E2E_RPC_URL` set, the tests run against that endpoint (anvil, a deployed chain) and
 *   nothing is started here.
 * - Otherwise anvil is started as the L1 with the contracts deployed (scripts/lib/localL1.ts), and
 *   the chain (scripts/lib/localChain.ts) on a fresh persist dir under the OS temp dir, so every
 *   run begins at genesis; both are stopped afterwards.
 *   `E2E_ECHO=1` echoes wrangler's output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startChain } from '../../scripts/lib/localChain.ts';
import { startLocalL1 } from '../../scripts/lib/localL1.ts';
import { waitForRpc } from '../../scripts/lib/rpc.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** JSON-RPC endpoint of the chain under test. */
    rpcUrl: string;
    /** Its L1 (anvil) and the contracts there; null against an external endpoint. */
    l1: { url: string; rollup: string; bridge: string; verifier: string } | null;
    /** The workerd process of each host of the local runtime (sequencer, prover, edge); null against an external endpoint. */
    processes: Record<string, number> | null;
  }
}

/** Batches close after 2 s and the cron fires every second: a deposit or withdrawal settles in seconds. */
const E2E_VARS = { BATCH_MAX_AGE_MS: '2000' };
const E2E_CRON_MS = 1000;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.E2E_RPC_URL;
  if (external) {
    await waitForRpc(external, 30_000);
    project.provide('rpcUrl', external);
    project.provide('l1', null);
    project.provide('processes', null);
    return undefined;
  }

  const echo = process.env.E2E_ECHO === '1';
  const persistDir = mkdtempSync(join(tmpdir(), 'edge-rollup-e2e-'));
  const l1 = await startLocalL1({ chainVars: E2E_VARS, echo }).catch((e: unknown) => {
    rmSync(persistDir, { recursive: true, force: true });
    throw e;
  });
  const chain = await startChain({ persistDir, echo, vars: { ...E2E_VARS, ...l1.vars }, cronIntervalMs: E2E_CRON_MS }).catch(async (e: unknown) => {
    await l1.stop();
    rmSync(persistDir, { recursive: true, force: true });
    throw e;
  });
  project.provide('rpcUrl', chain.url);
  project.provide('l1', { url: l1.url, rollup: l1.deployment.rollup, bridge: l1.deployment.bridge, verifier: l1.deployment.verifier });
  project.provide('processes', chain.processes);

  return async () => {
    await chain.stop();
    await l1.stop();
    rmSync(persistDir, { recursive: true, force: true });
  };
}

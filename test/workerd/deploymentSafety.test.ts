/**
 * The Worker as `wrangler deploy` would run it without the dev opt-in: without PROVER_KEY, or with
 * a public development key, it proves nothing and acknowledges no job (each goes back to the queue),
 * and /status says why; with a key of its own it proves as before. The test project's bindings set
 * DEV_CHAIN (vitest.config.ts); here it is taken away from the env handed to the handlers.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { keccakHex } from '../../core/chain/keccak.ts';
import type { ProvingJob } from '../../core/proving/job.ts';
import { sequencerStub } from '../../workers/env.ts';
import worker from '../../workers/index.ts';
import { STATUS_TTL_MS } from '../../workers/rpc/app.ts';
import { devKey } from '../support/accounts.ts';
import { result, signedTransfer } from './rpc.ts';

/** The env of a deployment: no DEV_CHAIN, and the given secrets. */
const deployed = (secrets: Record<string, string> = {}) => ({ ...env, DEV_CHAIN: undefined, ...secrets });

async function sealedJob(from: number): Promise<ProvingJob> {
  const receipt = await result<{ blockNumber: string; blockHash: string }>('eth_sendRawTransactionSync', [await signedTransfer(from, 0)]);
  await sequencerStub(env).flushOutbox();
  const block = Number(BigInt(receipt.blockNumber));
  const listed = await env.TRACES.list({ prefix: 'traces/v1/31337/' });
  const object = listed.objects.find((o) => o.key.endsWith(`-${receipt.blockHash}.bin`));
  if (!object) throw new Error(`no trace blob for block ${block}`);
  const bytes = new Uint8Array(await (await env.TRACES.get(object.key))!.arrayBuffer());
  // The test pool's own consumer (with DEV_CHAIN) proves it too: wait for that, then forget it.
  for (
    let i = 0;
    i < 150 &&
    !(await env.INDEX_DB.prepare('SELECT 1 FROM block_proofs WHERE block = ?')
      .bind(block)
      .first()
      .catch(() => null));
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  await env.INDEX_DB.prepare('DELETE FROM block_proofs WHERE block = ?').bind(block).run();
  return { block, blockHash: receipt.blockHash as `0x${string}`, key: object.key, traceHash: keccakHex(bytes) };
}

async function deliver(jobs: ProvingJob[], withEnv: typeof env) {
  const batch = createMessageBatch<ProvingJob>(
    'edge-rollup-proving',
    jobs.map((body, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, withEnv, ctx);
  return getQueueResult(batch, ctx);
}

const proofRow = (block: number) => env.INDEX_DB.prepare('SELECT prover FROM block_proofs WHERE block = ?').bind(block).first<{ prover: string }>();

describe('a deployed Worker without good keys', () => {
  it('says in /status that it refuses to prove, and why', async () => {
    const res = await worker.fetch(new Request('http://chain/status'), deployed(), createExecutionContext());
    const status = await res.json<{ deployment: { devChain: boolean; prover: { ready: boolean; refused?: string }; settlement: unknown } }>();
    expect(status.deployment).toEqual({
      devChain: false,
      prover: { ready: false, refused: expect.stringMatching(/PROVER_KEY is not set/) },
      settlement: 'disabled',
    });
    // With an L1 configured, a key of its own but the public operator key and no trusted provers
    // (read after the isolate's cached reading expired).
    await new Promise((r) => setTimeout(r, STATUS_TTL_MS + 50));
    const l1 = { L1_RPC_URL: 'http://127.0.0.1:9', ROLLUP_ADDRESS: `0x${'11'.repeat(20)}`, BRIDGE_ADDRESS: `0x${'22'.repeat(20)}` };
    const key = '0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63';
    const again = await worker.fetch(
      new Request('http://chain/status'),
      deployed({ ...l1, PROVER_KEY: key, OPERATOR_KEY: devKey(8) }),
      createExecutionContext(),
    );
    expect((await again.json<{ deployment: unknown }>()).deployment).toEqual({
      devChain: false,
      prover: { ready: true, address: privateKeyToAccount(key).address },
      settlement: {
        ready: false,
        refused: expect.stringMatching(/^refusing to settle: OPERATOR_KEY is the public development key of account 8 .*; TRUSTED_PROVERS is not set/),
      },
    });
  });

  it('refuses to prove without PROVER_KEY or with a public one: no proof, every job retried, none acknowledged', async () => {
    // Block 1 is left out: its proof checks its parent against the genesis of the prover's own
    // configuration, and this chain was started with the development genesis, which a
    // configuration without DEV_CHAIN does not have (it would be refused for that, whatever the key).
    await sealedJob(2);
    const jobs = [await sealedJob(0), await sealedJob(1)];
    expect(jobs.every((j) => j.block > 1)).toBe(true);
    for (const secrets of [{}, { PROVER_KEY: devKey(9) }, { PROVER_KEY: devKey(17) }] as Record<string, string>[]) {
      const outcome = await deliver(jobs, deployed(secrets));
      expect(outcome.explicitAcks).toEqual([]);
      expect(outcome.ackAll).toBe(false);
      expect(outcome.retryBatch.retry).toBe(true);
      for (const j of jobs) expect(await proofRow(j.block)).toBeNull();
    }
    // With a key of its own the same jobs are proven, signed by that key.
    const key = '0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63';
    const outcome = await deliver(jobs, deployed({ PROVER_KEY: key }));
    expect(outcome.explicitAcks.sort()).toEqual(['m0', 'm1']);
    for (const j of jobs) expect((await proofRow(j.block))?.prover).toBe(privateKeyToAccount(key).address.toLowerCase());
  });
});

// The proving reconciler over the Cloudflare adapters (durable-objects/settlement.ts): the
// sequencer's sealed blocks over RPC, D1's proofs, R2's blob metadata and the queue's producer.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { ProvingReconciler } from '../../core/proving/reconcile.ts';
import { doSql } from '../../durable-objects/doSql.ts';
import { reconcilerPorts } from '../../durable-objects/settlement.ts';
import { sequencerStub, settlementStub } from '../../workers/env.ts';
import { result, signedTransfer } from './rpc.ts';

const config = parseChainConfig(env);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function proofRow(block: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await env.INDEX_DB.prepare('SELECT trace_hash FROM block_proofs WHERE block = ?')
      .bind(block)
      .first<{ trace_hash: string }>()
      .catch(() => null);
    if (row) return row;
    await sleep(100);
  }
  return null;
}

describe('proving reconciliation in workerd', () => {
  it('sends again the job of a block whose proof is missing, and the queue proves it', async () => {
    const receipt = await result<{ blockNumber: string }>('eth_sendRawTransactionSync', [await signedTransfer(0, 0)]);
    await sequencerStub(env).flushOutbox();
    const block = Number(BigInt(receipt.blockNumber));
    const first = await proofRow(block);
    expect(first).not.toBeNull();
    // The proof is lost (as if its job never arrived): the reconciler finds the gap and sends the job again.
    await env.INDEX_DB.prepare('DELETE FROM block_proofs WHERE block = ?').bind(block).run();
    const report = await runInDurableObject(settlementStub(env), (_instance, state) =>
      new ProvingReconciler(doSql(state.storage), { chainId: config.chainId, retryAfterMs: 0 }, reconcilerPorts(env)).run(Date.now()),
    );
    expect(report.resent).toContain(block);
    expect(report.traceMissing).toEqual([]);
    expect((await proofRow(block))?.trace_hash).toBe(first?.trace_hash);
    // The cron's entry point runs the same reconciler with the configured deadline: nothing is late yet.
    const cron = await settlementStub(env).reconcileProving();
    expect(cron.resent).toEqual([]);
    expect(cron.floor).toBeGreaterThanOrEqual(block);
  });
});

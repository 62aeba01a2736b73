// The proving counts /status reads instead of counting whole tables, and /status's short cache.
// This file's D1 starts empty (the vitest plugin isolates storage per file).
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import type { ProvingJob } from '../../core/proving/job.ts';
import { indexMigrations } from '../../migrations/index.ts';
import { sequencerStub } from '../../workers/env.ts';
import worker from '../../workers/index.ts';
import { migrate } from '../../workers/index-db/migrate.ts';
import { IndexReader } from '../../workers/index-db/reader.ts';
import { STATUS_TTL_MS } from '../../workers/rpc/app.ts';
import { result, signedTransfer } from './rpc.ts';

const db = env.INDEX_DB;
const reader = new IndexReader(env, parseChainConfig(env));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The rows of the three proving tables, counted the expensive way. */
async function counted() {
  const n = async (table: string) => (await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n;
  const head = (await db.prepare('SELECT MAX(block) AS h FROM block_proofs').first<{ h: number | null }>())?.h ?? -1;
  return { provenHead: head, proofs: await n('block_proofs'), failures: await n('proving_failures'), deadLetters: await n('proving_dead_letters') };
}

async function deliver(queue: string, messages: { id: string; body: ProvingJob }[]) {
  const batch = createMessageBatch<ProvingJob>(
    queue,
    messages.map((m) => ({ ...m, timestamp: Date.now(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

async function sealedJob(from: number): Promise<ProvingJob> {
  const receipt = await result<{ blockNumber: string; blockHash: string }>('eth_sendRawTransactionSync', [await signedTransfer(from, 0)]);
  await sequencerStub(env).flushOutbox();
  const listed = await env.TRACES.list({ prefix: 'traces/v1/31337/' });
  const object = listed.objects.find((o) => o.key.endsWith(`-${receipt.blockHash}.bin`));
  if (!object) throw new Error(`no trace blob for block ${receipt.blockNumber}`);
  const bytes = new Uint8Array(await (await env.TRACES.get(object.key))!.arrayBuffer());
  return { block: Number(BigInt(receipt.blockNumber)), blockHash: receipt.blockHash as `0x${string}`, key: object.key, traceHash: keccakHex(bytes) };
}

describe('proving counts', () => {
  it('a database made before version 4 is counted once, by the migration', async () => {
    await migrate(
      db,
      indexMigrations.filter((m) => m.version < 4),
    );
    await db.batch([
      ...[3, 5, 9].map((b) =>
        db
          .prepare(
            `INSERT INTO block_proofs (block, block_hash, trace_hash, digest, signature, prover, statement, proven_at) VALUES (?, 'h', 't', 'd', 's', 'p', '{}', 0)`,
          )
          .bind(b),
      ),
      db.prepare(`INSERT INTO proving_failures (block, trace_hash, reason, failed_at) VALUES (4, 'a', 'r', 0), (4, 'b', 'r', 0)`),
      db.prepare(`INSERT INTO proving_dead_letters (message_id, block, trace_key, attempts, received_at) VALUES ('old', 7, 'k', 6, 0)`),
    ]);
    await migrate(db, indexMigrations);
    expect(await reader.provingStatus()).toEqual({ provenHead: 9, proofs: 3, failures: 2, deadLetters: 1 });
    expect(await reader.provingStatus()).toEqual(await counted());
    // Migrating again (another isolate racing this one) counts nothing twice.
    await db.prepare('DELETE FROM schema_migrations WHERE version >= 4').run();
    await migrate(
      db,
      indexMigrations.filter((m) => m.version < 4),
    );
    await migrate(db, indexMigrations);
    expect(await reader.provingStatus()).toEqual(await counted());
  });

  it('counts each proof, refusal and dead letter once, however often its job is delivered', async () => {
    const job = await sealedJob(0);
    // The queue proves the block on its own; these deliveries race it and each other, so that more
    // than one of them finds no proof yet and inserts (the insert is ignored, the count must be too).
    const outcomes = await Promise.all(['p1', 'p2', 'p3'].map((id) => deliver('edge-rollup-proving', [{ id, body: job }])));
    expect(outcomes.flatMap((o) => o.explicitAcks).sort()).toEqual(['p1', 'p2', 'p3']);

    const bytes = new Uint8Array(await (await env.TRACES.get(job.key))!.arrayBuffer());
    bytes[bytes.length - 40] ^= 1;
    const tampered = { ...job, block: 999_999, key: `${job.key}.tampered`, traceHash: keccakHex(bytes) };
    await env.TRACES.put(tampered.key, bytes);
    await deliver('edge-rollup-proving', [{ id: 't1', body: tampered }]);
    await deliver('edge-rollup-proving', [
      { id: 't2', body: tampered },
      { id: 't3', body: tampered },
    ]);

    const lost = { ...job, block: 888_888, key: 'traces/v1/31337/never-written.bin' };
    await deliver('edge-rollup-proving-dlq', [
      { id: 'dead-1', body: lost },
      { id: 'dead-2', body: lost },
    ]);
    await deliver('edge-rollup-proving-dlq', [{ id: 'dead-1', body: lost }]);

    const rows = await counted();
    expect(await reader.provingStatus()).toEqual(rows);
    expect(await db.prepare('SELECT 1 FROM block_proofs WHERE block = ?').bind(job.block).first()).not.toBeNull();
    expect(rows.failures).toBe(3); // two from the migration test, one for the tampered trace
    expect(rows.deadLetters).toBe(3); // 'old', 'dead-1', 'dead-2'
  });

  it('/status reads D1 and the Durable Objects at most once per STATUS_TTL_MS; in between it answers the same reading', async () => {
    const status = async () =>
      (await worker.fetch(new Request('http://chain/status'), env, createExecutionContext())).json<{ readAt: number; head: number; proofs: number }>();
    const readings: { readAt: number; head: number; proofs: number }[] = [];
    const end = Date.now() + 2.5 * STATUS_TTL_MS;
    while (Date.now() < end) {
      readings.push(await status());
      await sleep(50);
    }
    const times = [...new Set(readings.map((r) => r.readAt))];
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(STATUS_TTL_MS);
    for (const t of times) expect(new Set(readings.filter((r) => r.readAt === t).map((r) => JSON.stringify(r))).size).toBe(1);
  });
});

import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { keccakHex } from '../../core/chain/keccak.ts';
import type { ProvingJob } from '../../core/proving/job.ts';
import { decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { sequencerStub } from '../../workers/env.ts';
import worker from '../../workers/index.ts';
import { result, signedTransfer } from './rpc.ts';

async function proofOf(block: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await env.INDEX_DB.prepare('SELECT * FROM block_proofs WHERE block = ?')
      .bind(block)
      .first<{ block_hash: string; prover: string; trace_hash: string }>()
      .catch(() => null);
    if (row) return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no proof of block ${block} within ${timeoutMs} ms`);
}

async function sealedJob(from: number): Promise<ProvingJob> {
  const receipt = await result<{ blockNumber: string; blockHash: string }>('eth_sendRawTransactionSync', [await signedTransfer(from, 0)]);
  await sequencerStub(env).flushOutbox();
  const block = Number(BigInt(receipt.blockNumber));
  const listed = await env.TRACES.list({ prefix: 'traces/v1/31337/' });
  const object = listed.objects.find((o) => o.key.endsWith(`-${receipt.blockHash}.bin`));
  if (!object) throw new Error(`no trace blob for block ${block}`);
  const bytes = new Uint8Array(await (await env.TRACES.get(object.key))!.arrayBuffer());
  return { block, blockHash: receipt.blockHash as `0x${string}`, key: object.key, traceHash: keccakHex(bytes) };
}

async function deliver(jobs: ProvingJob[]) {
  const batch = createMessageBatch<ProvingJob>(
    'edge-rollup-proving',
    jobs.map((body, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe('proving pipeline in workerd', () => {
  it('writes each sealed block as a trace blob to R2 and proves it from the queue without manual steps', async () => {
    const job = await sealedJob(0);
    const proof = await proofOf(job.block);
    expect(proof.block_hash).toBe(job.blockHash);
    expect(proof.trace_hash).toBe(job.traceHash);
    expect(proof.prover).toBe('0xa0ee7a142d267c1f36714e4a8f75612f20a79720');
  });

  it('writes exactly one proof when a job is delivered twice or three times', async () => {
    const job = await sealedJob(1);
    const outcome = await deliver([job, job, job]);
    expect(outcome.explicitAcks.sort()).toEqual(['m0', 'm1', 'm2']);
    const rows = await env.INDEX_DB.prepare('SELECT COUNT(*) AS n FROM block_proofs WHERE block = ?').bind(job.block).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('refuses a tampered blob: no proof, a recorded failure, the message acknowledged', async () => {
    const job = await sealedJob(2);
    const bytes = new Uint8Array(await (await env.TRACES.get(job.key))!.arrayBuffer());
    bytes[bytes.length - 40] ^= 1;
    const key = `${job.key}.tampered`;
    await env.TRACES.put(key, bytes);
    await env.INDEX_DB.prepare('DELETE FROM block_proofs WHERE block = ?').bind(job.block).run();
    const outcome = await deliver([{ ...job, key, traceHash: keccakHex(bytes) }]);
    expect(outcome.explicitAcks).toEqual(['m0']);
    const failure = await env.INDEX_DB.prepare('SELECT reason FROM proving_failures WHERE block = ?').bind(job.block).first<{ reason: string }>();
    expect(failure?.reason).toBeTruthy();
    expect(await env.INDEX_DB.prepare('SELECT 1 FROM block_proofs WHERE block = ?').bind(job.block).first()).toBeNull();
  });

  it("judges a trace against the chain's configuration, not the trace's word: refused with the reason", async () => {
    const job = await sealedJob(4);
    await proofOf(job.block);
    const trace = decodeTrace(new Uint8Array(await (await env.TRACES.get(job.key))!.arrayBuffer()));
    const chainGasLimit = trace.env.gasLimit;
    // A block that claims a larger gas limit than the chain's, with everything else consistent.
    trace.env.gasLimit = chainGasLimit * 2n;
    const bytes = encodeTrace(trace);
    const key = `${job.key}.gas-limit`;
    await env.TRACES.put(key, bytes);
    await env.INDEX_DB.prepare('DELETE FROM block_proofs WHERE block = ?').bind(job.block).run();
    const outcome = await deliver([{ ...job, key, traceHash: keccakHex(bytes) }]);
    expect(outcome.explicitAcks).toEqual(['m0']);
    const failure = await env.INDEX_DB.prepare('SELECT reason FROM proving_failures WHERE block = ?').bind(job.block).first<{ reason: string }>();
    expect(failure?.reason).toBe(`gas limit ${chainGasLimit * 2n} is not the chain's ${chainGasLimit}`);
    expect(await env.INDEX_DB.prepare('SELECT 1 FROM block_proofs WHERE block = ?').bind(job.block).first()).toBeNull();
  });

  it('retries a job whose blob is not in R2 yet, and proves it once the blob is there', async () => {
    const job = await sealedJob(3);
    await proofOf(job.block);
    await env.INDEX_DB.prepare('DELETE FROM block_proofs WHERE block = ?').bind(job.block).run();
    const late = { ...job, key: `${job.key}.late` };
    const first = await deliver([late]);
    expect(first.retryMessages.map((m) => m.msgId)).toEqual(['m0']);
    expect(first.explicitAcks).toEqual([]);
    await env.TRACES.put(late.key, await (await env.TRACES.get(job.key))!.arrayBuffer());
    const second = await deliver([late]);
    expect(second.explicitAcks).toEqual(['m0']);
    expect((await proofOf(job.block)).trace_hash).toBe(job.traceHash);
  });

  it('sends a job that fails every retry to the dead-letter queue, where the status counts it', async () => {
    const before = await status();
    await env.PROVING_QUEUE.send({
      block: 888_888,
      blockHash: `0x${'33'.repeat(32)}`,
      key: 'traces/v1/31337/never-written.bin',
      traceHash: `0x${'44'.repeat(32)}`,
    });
    const deadline = Date.now() + 60_000;
    let s = await status();
    while (s.deadLetters === before.deadLetters && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      s = await status();
    }
    expect(s.deadLetters).toBe(before.deadLetters + 1);
    const row = await env.INDEX_DB.prepare('SELECT block, attempts FROM proving_dead_letters WHERE block = 888888').first<{
      block: number;
      attempts: number;
    }>();
    expect(row?.block).toBe(888_888);
  });
});

async function status(): Promise<{ deadLetters: number }> {
  const res = await worker.fetch(new Request('http://chain/status'), env, createExecutionContext());
  return res.json();
}

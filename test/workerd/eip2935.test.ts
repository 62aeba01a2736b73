import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { pad, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { HISTORY_STORAGE_ADDRESS } from '../../core/chain/standardContracts.ts';
import type { ProvingJob } from '../../core/proving/job.ts';
import { decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { sequencerStub } from '../../workers/env.ts';
import worker from '../../workers/index.ts';
import { rootWithHistoryWrite } from '../support/historyWrite.ts';
import { result, signedTransfer } from './rpc.ts';

async function proofOf(block: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await env.INDEX_DB.prepare('SELECT block_hash FROM block_proofs WHERE block = ?')
      .bind(block)
      .first<{ block_hash: string }>()
      .catch(() => null);
    if (row) return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no proof of block ${block} within ${timeoutMs} ms`);
}

const slot = (n: number) => pad(toHex(n % 8191), { size: 32 });
const hashOf = async (n: number) => (await result<{ hash: string }>('eth_getBlockByNumber', [toHex(n), false])).hash;

describe('EIP-2935 in the Sequencer Durable Object', () => {
  it("stores each block's parent hash in the history contract, served by eth_getStorageAt, and the blocks are proven from their traces", async () => {
    const blocks: number[] = [];
    for (let nonce = 0; nonce < 4; nonce++) {
      const receipt = await result<{ blockNumber: string }>('eth_sendRawTransactionSync', [await signedTransfer(5, nonce)]);
      blocks.push(Number(BigInt(receipt.blockNumber)));
    }
    await sequencerStub(env).flushOutbox();
    expect(new Set(blocks).size).toBe(4);
    for (const n of blocks) {
      // At block n the contract holds n - 1's hash, and nothing yet for n itself.
      expect(await result('eth_getStorageAt', [HISTORY_STORAGE_ADDRESS, slot(n - 1), toHex(n)])).toBe(await hashOf(n - 1));
      expect(BigInt(await result<string>('eth_getStorageAt', [HISTORY_STORAGE_ADDRESS, slot(n), toHex(n)]))).toBe(0n);
      expect((await proofOf(n)).block_hash).toBe(await hashOf(n));
    }
    expect(await result('eth_getStorageAt', [HISTORY_STORAGE_ADDRESS, slot(0), 'latest'])).toBe(await hashOf(0));
  });

  it('refuses a block whose claimed state holds another hash in the history slot: no proof, the reason recorded', async () => {
    const receipt = await result<{ blockNumber: string; blockHash: string }>('eth_sendRawTransactionSync', [await signedTransfer(6, 0)]);
    await sequencerStub(env).flushOutbox();
    const block = Number(BigInt(receipt.blockNumber));
    await proofOf(block);
    const listed = await env.TRACES.list({ prefix: 'traces/v1/31337/' });
    const object = listed.objects.find((o) => o.key.endsWith(`-${receipt.blockHash}.bin`));
    if (!object) throw new Error(`no trace blob for block ${block}`);
    const trace = decodeTrace(new Uint8Array(await (await env.TRACES.get(object.key))!.arrayBuffer()));
    const honest = trace.claimed.stateRoot;
    // What a sequencer that stored another hash would claim (the rest of the block unchanged).
    trace.claimed.stateRoot = await rootWithHistoryWrite(parseChainConfig({ DEV_CHAIN: '1' }), trace, keccakHex(trace.env.parentHash));
    const bytes = encodeTrace(trace);
    const key = `${object.key}.history`;
    await env.TRACES.put(key, bytes);
    await env.INDEX_DB.prepare('DELETE FROM block_proofs WHERE block = ?').bind(block).run();
    const job: ProvingJob = { block, blockHash: receipt.blockHash as `0x${string}`, key, traceHash: keccakHex(bytes) };
    const batch = createMessageBatch<ProvingJob>('edge-rollup-proving', [{ id: 'm0', timestamp: Date.now(), attempts: 1, body: job }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['m0']);
    const failure = await env.INDEX_DB.prepare('SELECT reason FROM proving_failures WHERE block = ?').bind(block).first<{ reason: string }>();
    expect(failure?.reason).toBe(`stateRoot differs: claimed ${trace.claimed.stateRoot}, re-executed ${honest}`);
    expect(await env.INDEX_DB.prepare('SELECT 1 FROM block_proofs WHERE block = ?').bind(block).first()).toBeNull();
  });
});

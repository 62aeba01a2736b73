import { env } from 'cloudflare:workers';
import { pad, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { HISTORY_STORAGE_ADDRESS } from '../../core/chain/standardContracts.ts';
import { sequencerStub } from '../../workers/env.ts';
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
});

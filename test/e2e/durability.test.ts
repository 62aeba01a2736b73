/**
 * Acceptance: killing the local runtime in the middle of a load and starting it again loses no
 * transaction whose hash was returned. This file starts its own chain (not the shared one), kills
 * its whole process group with SIGKILL while senders are mid-flight, restarts it on the same
 * persisted state, and waits for every acknowledged hash to be mined.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalChain, startChain } from '../../scripts/lib/localChain.ts';
import { rpc } from '../../scripts/lib/rpc.ts';
import { devAccount } from './helpers.ts';

const SENDERS = 8;
const LOAD_MS = 1_500;

describe('kill -9 of the local runtime under load', () => {
  const persistDir = mkdtempSync(join(tmpdir(), 'edge-rollup-kill-'));
  let chain: LocalChain | undefined;
  afterAll(async () => {
    await chain?.stop();
    rmSync(persistDir, { recursive: true, force: true });
  });

  it('keeps every transaction whose hash was returned', async () => {
    chain = await startChain({ persistDir });
    const url = chain.url;
    const chainId = Number(BigInt(await rpc<string>(url, 'eth_chainId')));
    const funder = devAccount(0);
    const senders = Array.from({ length: SENDERS }, () => privateKeyToAccount(generatePrivateKey()));
    let funderNonce = Number(BigInt(await rpc<string>(url, 'eth_getTransactionCount', [funder.address, 'pending'])));
    for (const s of senders) {
      const raw = await funder.signTransaction({
        chainId,
        type: 'eip1559',
        to: s.address,
        value: parseEther('1'),
        nonce: funderNonce++,
        gas: 21_000n,
        maxFeePerGas: 50_000_000_000n,
        maxPriorityFeePerGas: 1_000_000n,
      });
      await rpc(url, 'eth_sendRawTransactionSync', [raw]);
    }

    const acknowledged: string[] = [];
    let stop = false;
    const loops = senders.map(async (s) => {
      for (let nonce = 0; !stop && nonce < 10_000; nonce++) {
        const raw = await s.signTransaction({
          chainId,
          type: 'eip1559',
          to: funder.address,
          value: 1n,
          nonce,
          gas: 21_000n,
          maxFeePerGas: 50_000_000_000n,
          maxPriorityFeePerGas: 1_000_000n,
        });
        try {
          acknowledged.push(await rpc<string>(url, 'eth_sendRawTransaction', [raw]));
        } catch {
          return; // the runtime died under us: this transaction was never acknowledged
        }
      }
    });
    await new Promise((r) => setTimeout(r, LOAD_MS));
    await chain.stop('SIGKILL');
    stop = true;
    await Promise.all(loops);
    expect(acknowledged.length).toBeGreaterThan(SENDERS);

    chain = await startChain({ persistDir, port: chain.port });
    const deadline = Date.now() + 60_000;
    const missing = new Set(acknowledged);
    while (missing.size > 0 && Date.now() < deadline) {
      for (const hash of [...missing]) {
        const receipt = await rpc<{ status: string } | null>(chain.url, 'eth_getTransactionReceipt', [hash]);
        if (receipt) {
          expect(receipt.status).toBe('0x1');
          missing.delete(hash);
        }
      }
      if (missing.size > 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect([...missing]).toEqual([]);
    console.log(`kill -9 after ${acknowledged.length} acknowledged transfers from ${SENDERS} senders: all mined after restart`);
  });
});

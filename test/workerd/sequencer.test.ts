import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { sequencerStub } from '../../workers/env.ts';
import { call, result, signedTransfer, waitForReceipt } from './rpc.ts';

const config = parseChainConfig(env);

describe('sequencer Durable Object in workerd', () => {
  it('answers eth_sendRawTransactionSync with the receipt of a sealed block', async () => {
    const raw = await signedTransfer(0, 0);
    const receipt = await result<{ status: string; blockNumber: string; transactionHash: string }>('eth_sendRawTransactionSync', [raw]);
    expect(receipt.status).toBe('0x1');
    expect(BigInt(receipt.blockNumber)).toBeGreaterThan(0n);
    const block = await result<{ transactions: string[] }>('eth_getBlockByNumber', [receipt.blockNumber, false]);
    expect(block.transactions).toContain(receipt.transactionHash);
  });

  it('reads a receipt right after its block is sealed, before D1 has indexed it', async () => {
    const stub = sequencerStub(env);
    const hash = await result<string>('eth_sendRawTransaction', [await signedTransfer(1, 0)]);
    const receipt = await waitForReceipt(hash);
    // The index may or may not have caught up; either way the receipt above was served.
    const status = await stub.status();
    expect(status.head).toBeGreaterThanOrEqual(BigInt(receipt.blockNumber as string));
  });

  it('loses no acknowledged transaction when evicted before sealing', async () => {
    const stub = sequencerStub(env);
    const head = await stub.headNumber();
    const checked = await Promise.all([0, 1, 2, 3, 4].map(async (n) => checkRawTransaction(await signedTransfer(2, n), config.chainId, config.blockGasLimit)));
    const acks = await stub.submit(checked);
    expect(acks.every((a) => 'hash' in a)).toBe(true);
    // Tear the instance down at once: in-memory pool, timers and caches are gone.
    await evictDurableObject(stub);
    // The next request rebuilds from SQLite; the restored pool is sealed without any resubmission.
    for (const t of checked) {
      const r = await waitForReceipt(t.hash);
      expect(r.status).toBe('0x1');
    }
    expect(await stub.headNumber()).toBeGreaterThan(head);
    expect(BigInt(await result<string>('eth_getTransactionCount', ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 'latest']))).toBe(5n);
  });

  it('seals from the alarm when nothing else wakes it', async () => {
    const stub = sequencerStub(env);
    const t = checkRawTransaction(await signedTransfer(3, 0), config.chainId, config.blockGasLimit);
    await stub.submit([t]);
    await evictDurableObject(stub);
    await runDurableObjectAlarm(stub);
    expect(await stub.receipt(t.hash)).not.toBeNull();
  });

  it('flushes every sealed block to D1 through the outbox, idempotently', async () => {
    const stub = sequencerStub(env);
    await result('eth_sendRawTransactionSync', [await signedTransfer(4, 0)]);
    await stub.flushOutbox();
    const status = await stub.status();
    expect(status.outbox).toBe(0);
    const indexed = await env.INDEX_DB.prepare('SELECT number FROM indexed_head').first<{ number: number }>();
    expect(BigInt(indexed?.number ?? -1)).toBe(status.head);
    const rows = await env.INDEX_DB.prepare('SELECT COUNT(*) AS n FROM blocks').first<{ n: number }>();
    expect(BigInt(rows?.n ?? 0)).toBe(status.head + 1n);
    // Historical balance from the state shards equals the sequencer's trie-backed answer.
    const before = status.head - 1n;
    const viaD1 = await result<string>('eth_getBalance', ['0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65', `0x${before.toString(16)}`]);
    const viaSequencer = await stub.account('0x15d34aaf54267db7d7c367839aaf71a00a2c6a65', before);
    expect('ok' in viaSequencer && BigInt(viaD1)).toBe('ok' in viaSequencer && viaSequencer.ok.balance);
  });

  it('refuses a transaction for another chain and changes nothing', async () => {
    const stub = sequencerStub(env);
    const head = await stub.headNumber();
    const { devAccount } = await import('../support/accounts.ts');
    const raw = await devAccount(5).signTransaction({
      chainId: 1,
      type: 'eip1559',
      to: '0x000000000000000000000000000000000000dead',
      value: 1n,
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: 3_000_000_000n,
      maxPriorityFeePerGas: 1n,
    });
    const r = await call('eth_sendRawTransaction', [raw]);
    expect(r.error?.code).toBe(-32000);
    expect(r.error?.message).toMatch(/chain id/);
    expect(await stub.headNumber()).toBe(head);
    expect((await stub.status()).pending).toBe(0);
  });

  it('holds a transaction behind a nonce gap without waking up, and mines it once the gap fills', async () => {
    const stub = sequencerStub(env);
    const ahead = checkRawTransaction(await signedTransfer(7, 1), config.chainId, config.blockGasLimit);
    expect(await stub.submit([ahead])).toEqual([{ hash: ahead.hash }]);
    // The alarm armed by the submission seals nothing (nonce 0 is missing). It re-arms only for the
    // open batch's deadline (blocks of earlier tests), when that batch closes by age: no spinning.
    await runDurableObjectAlarm(stub);
    const open = (await stub.status()).batches.open;
    const alarmAt = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    expect(alarmAt).toBe(open ? open.firstSealedAt + config.batchMaxAgeMs : null);
    expect((await stub.status()).pending).toBe(1);
    expect(await stub.receipt(ahead.hash)).toBeNull();
    const gap = await result<string>('eth_sendRawTransaction', [await signedTransfer(7, 0)]);
    expect((await waitForReceipt(gap)).status).toBe('0x1');
    expect((await waitForReceipt(ahead.hash)).status).toBe('0x1');
  });
});

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import type { RpcLog, RpcReceipt } from '../../core/chain/types.ts';
import type { BlockRows, OutboxEntry } from '../../core/sequencer/sequencer.ts';
import type { Sequencer } from '../../durable-objects/sequencer.ts';
import { indexMigrations } from '../../migrations/index.ts';
import { sequencerStub } from '../../workers/env.ts';
import { migrate } from '../../workers/index-db/migrate.ts';
import { IndexReader } from '../../workers/index-db/reader.ts';
import { D1_BATCH_BYTES, flushOutboxEntries } from '../../workers/index-db/writer.ts';
import { devAccount } from '../support/accounts.ts';
import { bigLogDataHex, bigLogsInitCode } from '../support/bigLogs.ts';
import { checkedD1, checkedEnv } from './checkedD1.ts';
import { result, waitForReceipt } from './rpc.ts';

const config = parseChainConfig(env);

/** The environment with the index database refusing every write batch, as when D1 is unavailable. */
function d1Down(e: typeof env): typeof env {
  const db = new Proxy(e.INDEX_DB, {
    get: (target, prop) => {
      if (prop === 'batch') return () => Promise.reject(new Error('D1 is unavailable (injected)'));
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return new Proxy(e, { get: (target, prop) => (prop === 'INDEX_DB' ? db : Reflect.get(target, prop)) });
}

describe('values longer than a row, through D1 under the production limits', () => {
  it('the checked binding refuses what production D1 refuses', async () => {
    const db = checkedD1(env.INDEX_DB);
    await db.prepare(`CREATE TABLE IF NOT EXISTS limits_probe (k TEXT, v TEXT)`).run();
    const insert = db.prepare(`INSERT INTO limits_probe (k, v) VALUES (?, ?)`);
    expect(() => insert.bind('big', 'x'.repeat(2_000_001))).toThrow(/string or blob too big/);
    expect(() => insert.bind('y'.repeat(1_000_000), 'y'.repeat(1_000_001))).toThrow(/a row of 2000001 bytes/);
    const many = Array.from({ length: 101 }, (_, i) => i);
    expect(() => db.prepare(`SELECT ${many.map(() => '?').join(' + ')} AS n`).bind(...many)).toThrow(/too many SQL variables/);
    // Within the limits, statements go through, batched too.
    await db.batch([insert.bind('small', 'v'), db.prepare(`DELETE FROM limits_probe WHERE k = ?`).bind('small')]);
    expect((await db.prepare(`SELECT COUNT(*) AS n FROM limits_probe`).first<{ n: number }>())?.n).toBe(0);
  });

  it('serves a transaction with more than 2 MB of logs from the sequencer, then indexes and serves it from D1', { timeout: 240_000 }, async () => {
    const stub = sequencerStub(env);
    const useEnv = (e: typeof env) =>
      runInDurableObject(stub, (instance: Sequencer) => {
        Object.assign(instance, { env: e });
      });
    // First D1 is down for the sequencer's outbox: the block stays unindexed, and reads are the sequencer's.
    await useEnv(d1Down(env));
    const count = 5;
    const size = 450_000;
    const raw = await devAccount(8).signTransaction({
      chainId: Number(config.chainId),
      type: 'eip1559',
      nonce: 0,
      data: bigLogsInitCode(count, size),
      gas: config.blockGasLimit,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    });
    const hash = await result<Hex>('eth_sendRawTransaction', [raw]);
    const receipt = (await waitForReceipt(hash, 180_000)) as unknown as RpcReceipt;
    expect(receipt.status).toBe('0x1');
    const data = bigLogDataHex(size);
    expect(receipt.logs.map((l) => l.data === data)).toEqual(Array(count).fill(true));
    const block = Number(BigInt(receipt.blockNumber));
    const q = `0x${block.toString(16)}`;
    const index = new IndexReader(env, config);
    expect((await stub.flushOutbox()).remaining).toBeGreaterThan(0);
    expect(await index.indexedHead()).toBeLessThan(block);
    expect(await result('eth_getTransactionReceipt', [hash])).toEqual(receipt);
    expect(await result('eth_getLogs', [{ fromBlock: q, toBlock: q }])).toEqual(receipt.logs);
    expect(await result('eth_getBlockReceipts', [q])).toEqual([receipt]);
    // Then the outbox writes to D1 through the checked bindings.
    await useEnv(checkedEnv(env));
    // A flush that failed while D1 was down sets the outbox's backoff (100 ms, doubling), and a flush
    // already running answers for itself: ask again until the backoff has passed.
    let remaining = (await stub.flushOutbox()).remaining;
    for (let i = 0; i < 100 && remaining > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      remaining = (await stub.flushOutbox()).remaining;
    }
    expect(remaining).toBe(0);
    expect(await index.indexedHead()).toBeGreaterThanOrEqual(block);
    // Stored in parts in D1, and served whole from there: receipt, block receipts, logs.
    const parts = await env.INDEX_DB.prepare(`SELECT COUNT(*) AS n FROM value_parts WHERE key = ?`).bind(`receipt:${hash}`).first<{ n: number }>();
    expect(parts?.n).toBeGreaterThan(1);
    expect(await index.receipt(hash)).toEqual(receipt);
    expect(await index.blockReceipts(block)).toEqual([receipt]);
    const logs: RpcLog[] = await index.logs({ fromBlock: block, toBlock: block, addresses: [], topics: [], limit: 100 });
    expect(logs).toEqual(receipt.logs);
    // And through the Worker's methods, which now read D1.
    expect(await result('eth_getLogs', [{ fromBlock: q, toBlock: q }])).toEqual(receipt.logs);
    expect(await result('eth_getTransactionReceipt', [hash])).toEqual(receipt);
    expect(await result('rollup_getTransactionStatus', [hash])).toEqual({ status: 'included', blockNumber: q, blockHash: receipt.blockHash });
  });

  it('writes a flush of big blocks in groups of about D1_BATCH_BYTES, each indexed whole', async () => {
    // Blocks far above the chain's head, each with one receipt carrying a 3 MB log.
    const first = 1_000_000;
    const blocks = [first, first + 1, first + 2, first + 3];
    const rowsOf = (n: number): BlockRows => {
      const hash = `0x${n.toString(16).padStart(64, '0')}` as Hex;
      const log = {
        address: '0x000000000000000000000000000000000000beef',
        topics: [],
        data: `0x${'ab'.repeat(1_500_000)}`,
        logIndex: '0x0',
        blockNumber: `0x${n.toString(16)}`,
      };
      return {
        hash,
        header: JSON.stringify({ number: `0x${n.toString(16)}`, hash }),
        txHashes: JSON.stringify([hash]),
        txs: [{ hash, tx: JSON.stringify({ hash }), receipt: JSON.stringify({ transactionHash: hash, logs: [log] }) }],
      };
    };
    const entries: OutboxEntry[] = blocks.map((block, i) => ({
      id: i,
      kind: 'index',
      block,
      attempts: 0,
      payload: JSON.stringify({ accounts: [], storage: [], storageCleared: [], codes: [] }),
    }));
    await migrate(env.INDEX_DB, indexMigrations);
    const checked = checkedEnv(env);
    let batches = 0;
    const counting = new Proxy(checked.INDEX_DB, {
      get: (target, prop) => {
        if (prop === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            batches++;
            return target.batch(statements);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const e = new Proxy(checked, { get: (target, prop) => (prop === 'INDEX_DB' ? counting : Reflect.get(target, prop)) });
    await flushOutboxEntries(e, config, entries, rowsOf);
    // Each block carries about 6 MB (its log twice, in the receipt and in its row): two per group.
    const perBlock = 2 * rowsOf(first).txs[0].receipt.length;
    expect(batches).toBe(Math.ceil(blocks.length / Math.ceil(D1_BATCH_BYTES / perBlock)));
    const index = new IndexReader(env, config);
    expect(await index.indexedHead()).toBe(blocks[blocks.length - 1]);
    for (const n of blocks) expect(await index.blockReceipts(n)).toEqual([JSON.parse(rowsOf(n).txs[0].receipt)]);
  });
});

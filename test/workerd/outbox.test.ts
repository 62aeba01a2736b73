// The Sequencer's outbox to D1. When one block cannot be written: the flush backs off, the block is
// set aside with an error in /status while later blocks are indexed, D1's indexed head stays below
// it, reads stay right, and once D1 takes it again the index closes up without a manual step. And
// one flush issues a bounded number of D1 statements (D1 allows 1000 queries per invocation).
import { createExecutionContext, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { OUTBOX_SET_ASIDE_AFTER, setAsideDelay } from '../../core/sequencer/outbox.ts';
import type { BlockRows, OutboxEntry } from '../../core/sequencer/sequencer.ts';
import type { Sequencer } from '../../durable-objects/sequencer.ts';
import { sequencerStub } from '../../workers/env.ts';
import worker from '../../workers/index.ts';
import { FLUSH_OPERATIONS, flushOutboxEntries } from '../../workers/index-db/writer.ts';
import { checkedEnv } from './checkedD1.ts';
import { result, signedTransfer } from './rpc.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment with the index database refusing every batch that writes block `poison`'s row. */
function refusingBlock(e: typeof env, poison: number): typeof env {
  const bound = new WeakMap<object, { sql: string; params: unknown[] }>();
  const db = new Proxy(e.INDEX_DB, {
    get: (target, prop) => {
      if (prop === 'prepare')
        return (sql: string) => {
          const statement = target.prepare(sql);
          return new Proxy(statement, {
            get: (t, p) => {
              if (p === 'bind')
                return (...params: unknown[]) => {
                  const b = t.bind(...params);
                  bound.set(b, { sql, params });
                  return b;
                };
              const v = Reflect.get(t, p, t);
              return typeof v === 'function' ? v.bind(t) : v;
            },
          });
        };
      if (prop === 'batch')
        return (statements: D1PreparedStatement[]) => {
          const writesPoison = statements.some((s) => {
            const b = bound.get(s);
            return b?.sql.startsWith('INSERT OR REPLACE INTO blocks') && b.params.some((p, k) => k % 4 === 0 && p === poison);
          });
          return writesPoison ? Promise.reject(new Error(`D1 refuses block ${poison} (injected)`)) : target.batch(statements);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return new Proxy(e, { get: (target, prop) => (prop === 'INDEX_DB' ? db : Reflect.get(target, prop)) });
}

const indexedHead = async () => (await env.INDEX_DB.prepare('SELECT number FROM indexed_head WHERE id = 0').first<{ number: number }>())?.number ?? -1;
const inIndex = async (n: number) => (await env.INDEX_DB.prepare('SELECT 1 AS one FROM blocks WHERE number = ?').bind(n).first()) !== null;
const status = async () =>
  (await worker.fetch(new Request('http://chain/status'), env, createExecutionContext())).json<{ errors: string[]; outbox: number; indexedHead: number }>();

describe('outbox to D1', () => {
  it('is set aside with an error in /status while later blocks are indexed, and written once D1 takes it', { timeout: 90_000 }, async () => {
    const stub = sequencerStub(env);
    await result('eth_sendRawTransactionSync', [await signedTransfer(0, 0)]);
    await stub.flushOutbox();
    const poison = Number(await stub.headNumber()) + 2;
    await runInDurableObject(stub, (instance: Sequencer) => {
      Object.assign(instance, { env: refusingBlock(env, poison) });
    });
    for (let nonce = 1; nonce <= 4; nonce++) await result('eth_sendRawTransactionSync', [await signedTransfer(0, nonce)]);
    const head = Number(await stub.headNumber());
    expect(head).toBe(poison + 2);

    // Flushes back off after each failure (the alarm comes back), the block fails alone, then is set aside.
    const deadline = Date.now() + 30_000;
    let s = await stub.status();
    while (s.outboxSetAside.count === 0 && Date.now() < deadline) {
      await sleep(200);
      await stub.flushOutbox();
      s = await stub.status();
    }
    expect(s.outboxSetAside.entries).toMatchObject([{ kind: 'index', block: poison, attempts: OUTBOX_SET_ASIDE_AFTER }]);
    expect(s.outboxSetAside.entries[0].error).toMatch(/D1 refuses block/);
    // After the flush's backoff, the blocks behind it go on.
    const goOnBy = Date.now() + 20_000;
    while ((await stub.status()).outbox > 1 && Date.now() < goOnBy) {
      await sleep(200);
      await stub.flushOutbox();
    }
    expect((await stub.status()).outbox).toBe(1);

    // Later blocks went on; D1's indexed head stays below the block it lacks.
    expect(await inIndex(poison - 1)).toBe(true);
    expect(await inIndex(poison)).toBe(false);
    expect(await inIndex(head)).toBe(true);
    expect(await indexedHead()).toBe(poison - 1);
    await sleep(2_100); // /status's cache
    expect((await status()).errors.some((e) => e.includes(`index of block ${poison}`))).toBe(true);
    // Reads of the blocks above it are served (from the sequencer, which D1 does not claim to cover).
    const balance = await result<string>('eth_getBalance', ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', `0x${(poison + 1).toString(16)}`]);
    expect(BigInt(balance)).toBeGreaterThan(0n);
    const block = await result<{ number: string }>('eth_getBlockByNumber', [`0x${poison.toString(16)}`, false]);
    expect(Number(BigInt(block.number))).toBe(poison);

    // D1 takes it again: after its delay the set-aside entry is written and the index closes up.
    await runInDurableObject(stub, (instance: Sequencer) => {
      Object.assign(instance, { env });
    });
    await sleep(setAsideDelay(OUTBOX_SET_ASIDE_AFTER));
    const closeBy = Date.now() + 20_000;
    while ((await indexedHead()) < head && Date.now() < closeBy) {
      await stub.flushOutbox();
      await sleep(200);
    }
    expect(await indexedHead()).toBe(head);
    expect(await inIndex(poison)).toBe(true);
    expect((await stub.status()).outbox).toBe(0);
    expect((await stub.status()).outboxSetAside.count).toBe(0);
  });

  it('one flush stops at its statement budget, and the indexed head in D1 stops below the first block left', async () => {
    const config = parseChainConfig(env);
    const blocks = [500_001, 500_002, 500_003];
    // 1500 small transactions a block: about 75 statements each, so a group (about 2000 rows) holds two blocks.
    const rowsOf = (n: number): BlockRows => {
      const txs = Array.from({ length: 1500 }, (_, i) => {
        const hash = `0x${n.toString(16).padStart(32, '0')}${i.toString(16).padStart(32, '0')}` as Hex;
        return { hash, tx: JSON.stringify({ hash }), receipt: JSON.stringify({ transactionHash: hash, logs: [] }) };
      });
      const hash = `0x${n.toString(16).padStart(64, '0')}` as Hex;
      return { hash, header: JSON.stringify({ number: `0x${n.toString(16)}`, hash }), txHashes: '[]', txs };
    };
    const entries: OutboxEntry[] = blocks.map((block, i) => ({
      id: i,
      kind: 'index',
      block,
      attempts: 0,
      payload: JSON.stringify({ accounts: [], storage: [], storageCleared: [], codes: [] }),
    }));
    const first = await flushOutboxEntries(checkedEnv(env), config, entries, rowsOf, { barrier: 500_004, maxStatements: 100 });
    expect(first.written).toBe(2);
    expect(first.statements).toBeGreaterThan(100);
    expect(first.statements).toBeLessThan(FLUSH_OPERATIONS);
    expect(await indexedHead()).toBe(500_002);
    expect(await inIndex(500_003)).toBe(false);
    const rest = await flushOutboxEntries(checkedEnv(env), config, entries.slice(first.written), rowsOf, { barrier: 500_004, maxStatements: 100 });
    expect(rest.written).toBe(1);
    expect(await indexedHead()).toBe(500_003);
  });
});

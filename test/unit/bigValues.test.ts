import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import type { RpcLog, RpcReceipt } from '../../core/chain/types.ts';
import { DROPPED_KEEP_MS, DROPPED_KEEP_ROWS, DroppedTxs } from '../../core/sequencer/droppedTxs.ts';
import { ensureSchema } from '../../core/sequencer/schema.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { INLINE_CHARS, joinParts, loadValue, PART_CHARS, pointerOf, splitValue, storeValue } from '../../core/storage/chunked.ts';
import type { SqlPort, SqlValue } from '../../core/storage/sql.ts';
import { checkedTx, devAccount } from '../support/accounts.ts';
import { bigLogDataHex, bigLogsInitCode } from '../support/bigLogs.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
const NOW = 1_800_000_000_000;

async function newSequencer(sql: SqlPort = nodeSql()) {
  const s = new SequencerCore(sql, config);
  await s.init();
  return s;
}

const transfer = (from: number, nonce: number, to: Hex = '0x000000000000000000000000000000000000beef') =>
  checkedTx(config, from, nonce, { to, value: parseEther('1'), gas: 21_000n });

/** A creation transaction emitting `count` logs of `size` bytes each, with the whole block's gas. */
const bigLogs = (from: number, nonce: number, count: number, size: number) =>
  checkedTx(config, from, nonce, { data: bigLogsInitCode(count, size), gas: config.blockGasLimit });

/** The SQL port with a failure injected: `fails` names the statements that throw, as production would. */
function failing(sql: SqlPort, fails: (statement: string, params: SqlValue[]) => string | undefined): SqlPort {
  return {
    query: (statement, ...params) => {
      const error = fails(statement, params);
      if (error) throw new Error(error);
      return sql.query(statement, ...params);
    },
    transaction: (fn) => sql.transaction(fn),
  };
}

const partsCount = (sql: SqlPort) => sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM value_parts`)[0].n;

function expectLogs(logs: RpcLog[], count: number, size: number) {
  const data = bigLogDataHex(size);
  expect(logs.map((l) => l.topics[0])).toEqual([...Array(count).keys()].map((k) => `0x${k.toString(16).padStart(64, '0')}`));
  for (const l of logs) expect(l.data === data).toBe(true);
}

describe('values longer than a row', () => {
  it('split into parts that join back to the value, never cutting a surrogate pair', () => {
    const value = `${'a'.repeat(PART_CHARS - 1)}😀${'b'.repeat(PART_CHARS)}`;
    const { column, parts } = splitValue('k:1', value);
    const pointer = pointerOf(column);
    expect(pointer).toEqual({ key: 'k:1', count: parts.length });
    // No part begins with the low half of a pair or ends with a high half.
    expect(parts.every(([, , text]) => text.length <= PART_CHARS && !/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(text))).toBe(true);
    expect(
      joinParts(
        pointer as { key: string; count: number },
        parts.map(([, , t]) => t),
      ),
    ).toBe(value);
    expect(() =>
      joinParts(
        { key: 'k:1', count: parts.length },
        parts.slice(1).map(([, , t]) => t),
      ),
    ).toThrow(/parts/);
    // A short value, and any JSON text, stays in its column as it is.
    const json = JSON.stringify({ parts: 'parts:1:x' });
    expect(splitValue('k:2', json)).toEqual({ column: json, parts: [] });
    expect(pointerOf(json)).toBeUndefined();
    expect(splitValue('k:3', 'x'.repeat(INLINE_CHARS)).parts).toEqual([]);
  });

  it('are refused by the test SQL port as production refuses them, and stored in parts through it', () => {
    const sql = nodeSql();
    ensureSchema(sql);
    const big = 'x'.repeat(2_000_001);
    expect(() => sql.query(`INSERT INTO meta (key, value) VALUES (?, ?)`, 'big', big)).toThrow(/string or blob too big/);
    const half = 'y'.repeat(1_000_001);
    expect(() => sql.query(`INSERT INTO meta (key, value) VALUES (?, ?)`, half, half)).toThrow(/a row of 2000002 bytes/);
    const many = Array.from({ length: 101 }, (_, i) => i);
    expect(() => sql.query(`SELECT ${many.map(() => '?').join(' + ')} AS n`, ...many)).toThrow(/too many SQL variables/);
    expect(
      sql.query(
        `SELECT ${many
          .slice(1)
          .map(() => '?')
          .join(' + ')} AS n`,
        ...many.slice(1),
      )[0].n,
    ).toBe(5050);
    const column = storeValue(sql, 'meta:big', big);
    sql.query(`INSERT INTO meta (key, value) VALUES (?, ?)`, 'big', column);
    expect(loadValue(sql, sql.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'big'`)[0].value)).toBe(big);
  });
});

describe('no transaction can stop the sealer', () => {
  it('includes and serves a transaction with more than 2 MB of logs, and one log of 1.9 MB', async () => {
    const seq = await newSequencer();
    const several = await bigLogs(0, 0, 5, 450_000);
    const single = await bigLogs(1, 0, 1, 1_900_000);
    for (const t of [several, single]) {
      expect(seq.submit([t])).toEqual([{ hash: t.hash }]);
      const sealed = await seq.seal(NOW);
      expect(sealed?.included).toEqual([t.hash]);
    }
    const a = seq.receipt(several.hash) as RpcReceipt;
    expect(a.status).toBe('0x1');
    expect(JSON.stringify(a).length).toBeGreaterThan(4_000_000);
    expectLogs(a.logs, 5, 450_000);
    expectLogs((seq.receipt(single.hash) as RpcReceipt).logs, 1, 1_900_000);
    expect(seq.blockReceipts(BigInt(a.blockNumber))).toEqual([a]);
    // The D1 writer gets the stored rows back whole, and the outbox entry's state changes.
    const rows = seq.blockRows(Number(BigInt(a.blockNumber)));
    expect(rows?.txs.map((t) => JSON.parse(t.receipt))).toEqual([a]);
    const entries = seq.outboxPending(100, Number.POSITIVE_INFINITY);
    expect(entries.map((e) => e.block)).toEqual([0, 1, 2]);
    expect(entries.every((e) => JSON.parse(e.payload).accounts.length > 0)).toBe(true);
    expect(seq.transactionStatus(several.hash)).toEqual({ status: 'included', blockNumber: 1n, blockHash: seq.block(1n, false)?.hash });
  });

  it('deletes an outbox payload stored in parts with its entry', async () => {
    const sql = nodeSql();
    const seq = await newSequencer(sql);
    // Many accounts credited in one block: the block's state changes outgrow a row.
    const payload = { accounts: [], storage: Array.from({ length: 20_000 }, (_, i) => [`0x${i.toString(16).padStart(40, '0')}`, '0x01', '0x02']) };
    const column = storeValue(sql, 'outbox:99', JSON.stringify(payload));
    sql.query(`INSERT INTO outbox (kind, block, payload) VALUES ('index', 99, ?)`, column);
    const before = partsCount(sql);
    expect(before).toBeGreaterThan(0);
    const entry = seq.outboxPending(100, Number.POSITIVE_INFINITY).find((e) => e.block === 99);
    expect(JSON.parse(entry?.payload ?? 'null')).toEqual(payload);
    // A read budget stops after the entry that reaches it.
    expect(seq.outboxPending(100, 1).map((e) => e.block)).toEqual([0]);
    seq.outboxDone(seq.outboxPending(100, Number.POSITIVE_INFINITY).map((e) => e.id));
    expect(partsCount(sql)).toBe(0);
    expect(seq.outboxSize()).toBe(0);
  });

  it('drops a transaction whose rows cannot be stored, with the reason, and seals the rest of its block and later blocks', async () => {
    const sql = nodeSql();
    const victim = await transfer(3, 0);
    const seq = await newSequencer(
      failing(sql, (statement, params) =>
        statement.startsWith('INSERT INTO txs') && params.includes(victim.hash) ? 'string or blob too big: SQLITE_TOOBIG (injected)' : undefined,
      ),
    );
    const others = [await transfer(0, 0), await transfer(1, 0), await transfer(0, 1), await transfer(2, 0)];
    // The victim arrives second: bisection first seals the prefix before it, then isolates it.
    const batch = [others[0], victim, ...others.slice(1)];
    expect(seq.submit(batch).every((r) => 'hash' in r)).toBe(true);
    const sealed: Hex[] = [];
    const dropped: { hash: Hex; reason: string }[] = [];
    for (let i = 0; i < 5 && seq.pool.size > 0; i++) {
      const r = await seq.seal(NOW + i * 1000);
      sealed.push(...(r?.included ?? []));
      dropped.push(...(r?.dropped ?? []));
    }
    expect(seq.pool.size).toBe(0);
    expect(sealed.sort()).toEqual(others.map((t) => t.hash).sort());
    expect(dropped).toEqual([{ hash: victim.hash, reason: expect.stringMatching(/^could not be sealed: string or blob too big/) }]);
    const status = seq.transactionStatus(victim.hash);
    expect(status).toEqual({ status: 'dropped', reason: dropped[0].reason, droppedAt: expect.any(Number) });
    expect(seq.receipt(victim.hash)).toBeNull();
    expect(seq.stateNonce(victim.sender)).toBe(0n);
    expect(seq.pendingNonce(victim.sender)).toBe(0n);
    // Sealing goes on, and the record survives a restart.
    seq.submit([await transfer(1, 1)]);
    expect((await seq.seal(NOW + 10_000))?.included).toHaveLength(1);
    expect((await newSequencer(sql)).transactionStatus(victim.hash)).toEqual(status);
  });

  it('drops a transaction whose execution fails, keeps its nonce, and includes the others', async () => {
    const poisoned: Hex = '0x00000000000000000000000000000000000bad01';
    const seq = await newSequencer(
      failing(nodeSql(), (statement, params) => (statement.includes('FROM accounts') && params[0] === poisoned ? 'disk I/O error (injected)' : undefined)),
    );
    const victim = await transfer(4, 0, poisoned);
    const later = await transfer(4, 1);
    const other = await transfer(5, 0);
    seq.submit([victim, later, other]);
    const r = await seq.seal(NOW);
    expect(r?.included).toEqual([other.hash]);
    expect(r?.dropped).toEqual([{ hash: victim.hash, reason: expect.stringMatching(/disk I\/O error/) }]);
    expect(seq.transactionStatus(victim.hash)).toMatchObject({ status: 'dropped', reason: r?.dropped[0].reason });
    expect(seq.transactionStatus(later.hash)).toEqual({ status: 'pending' });
    expect(seq.transactionStatus('0x'.padEnd(66, '7') as Hex)).toEqual({ status: 'unknown' });
    expect(seq.stateNonce(victim.sender)).toBe(0n);
    // The sender's next nonce is the dropped one: a new transaction with it goes through.
    const retry = await transfer(4, 0);
    expect(seq.submit([retry])).toEqual([{ hash: retry.hash }]);
    expect((await seq.seal(NOW + 1000))?.included).toEqual([retry.hash, later.hash]);
  });

  it('keeps the record of dropped transactions bounded by age and count', () => {
    const sql = nodeSql();
    ensureSchema(sql);
    const dropped = new DroppedTxs(sql);
    const sender = devAccount(0).address.toLowerCase() as Hex;
    const drop = (i: number) => ({ hash: `0x${i.toString(16).padStart(64, '0')}` as Hex, sender, nonce: BigInt(i), reason: 'r' });
    dropped.record([drop(1), drop(2)], NOW);
    dropped.record([drop(3)], NOW + DROPPED_KEEP_MS);
    expect(dropped.get(drop(1).hash)).toEqual({ reason: 'r', droppedAt: NOW });
    dropped.record([drop(4)], NOW + DROPPED_KEEP_MS + 1);
    expect(dropped.get(drop(1).hash)).toBeUndefined();
    expect(dropped.get(drop(3).hash)).toBeDefined();
    const many = Array.from({ length: DROPPED_KEEP_ROWS }, (_, i) => drop(10 + i));
    dropped.record(many, NOW + DROPPED_KEEP_MS + 2);
    expect(sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM dropped_txs`)[0].n).toBe(DROPPED_KEEP_ROWS);
    expect(dropped.get(drop(4).hash)).toBeUndefined();
    expect(dropped.get(many[0].hash)).toBeDefined();
    expect(dropped.get(drop(3).hash)).toBeUndefined();
  });
});

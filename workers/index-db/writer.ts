import type { ChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { shardOf } from '../../core/chain/shard.ts';
import type { RpcReceipt } from '../../core/chain/types.ts';
import type { BlockRows, IndexPayload, OutboxEntry } from '../../core/sequencer/sequencer.ts';
import { splitValue, type ValuePart } from '../../core/storage/chunked.ts';
import { multiRow, type SqlValue } from '../../core/storage/sql.ts';
import { indexMigrations } from '../../migrations/index.ts';
import { stateMigrations } from '../../migrations/state.ts';
import { type Env, stateShards } from '../env.ts';
import { migrate } from './migrate.ts';

/** Multi-row INSERTs that stay under the 100-bound-parameter limit. */
function insertRows(db: D1Database, head: string, rows: SqlValue[][]): D1PreparedStatement[] {
  return multiRow(head, rows).map((s) => db.prepare(s.sql).bind(...s.params));
}

/**
 * Bound values per D1 batch, roughly: a flush writes consecutive blocks in groups of about this
 * much data (a block with megabytes of logs goes alone), so that neither the batch nor the rows
 * held in memory for it grow with the number of blocks waiting.
 */
export const D1_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Writes outbox entries (consecutive blocks) to D1, in groups of about D1_BATCH_BYTES, one batch
 * per database and group. Every statement is an idempotent upsert, so a retry after a crash
 * between "written" and "acknowledged" rewrites the same rows. In each group the shards are
 * written before the index, and the index's head moves last: a block the index calls indexed is
 * in every shard.
 */
export async function flushOutboxEntries(
  env: Env,
  config: ChainConfig,
  entries: OutboxEntry[],
  rowsOf: (block: number) => BlockRows | undefined,
): Promise<void> {
  let group: { entry: OutboxEntry; rows: BlockRows }[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (entry.kind !== 'index') throw new Error(`unknown outbox entry kind ${entry.kind}`);
    const rows = rowsOf(entry.block);
    if (!rows) throw new Error(`block ${entry.block} is in the outbox but not in the sequencer's blocks`);
    group.push({ entry, rows });
    // Logs are written twice: in their receipt and in their own rows.
    bytes += entry.payload.length + rows.header.length + rows.txs.reduce((n, t) => n + t.tx.length + 2 * t.receipt.length, 0);
    if (bytes >= D1_BATCH_BYTES) {
      await writeBlocks(env, config, group);
      group = [];
      bytes = 0;
    }
  }
  if (group.length > 0) await writeBlocks(env, config, group);
}

async function writeBlocks(env: Env, config: ChainConfig, group: { entry: OutboxEntry; rows: BlockRows }[]): Promise<void> {
  const shards = stateShards(env, config.stateShards);
  const perShard = shards.map(() => ({ accounts: [] as SqlValue[][], storage: [] as SqlValue[][], wipes: [] as SqlValue[][], code: [] as SqlValue[][] }));
  const at = (key: Hex) => perShard[shardOf(key, shards.length)];
  const blocks: SqlValue[][] = [];
  const txs: SqlValue[][] = [];
  const logs: SqlValue[][] = [];
  const parts: ValuePart[] = [];
  // A value too long for its row goes to value_parts; its column holds the pointer.
  const column = (key: string, value: string) => {
    const split = splitValue(key, value);
    parts.push(...split.parts);
    return split.column;
  };
  let head = -1;
  for (const { entry, rows } of group) {
    const p = JSON.parse(entry.payload) as IndexPayload;
    const n = entry.block;
    head = Math.max(head, n);
    for (const [address, a] of p.accounts) {
      at(address).accounts.push(a ? [address, n, a.nonce, a.balance, a.codeHash, 0] : [address, n, '0', '0', '0x', 1]);
    }
    for (const [address, slot, value] of p.storage) at(address).storage.push([address, slot, n, value]);
    for (const address of p.storageCleared) at(address).wipes.push([address, n]);
    for (const [hash, code] of p.codes) at(hash).code.push([hash, code]);
    blocks.push([n, rows.hash, rows.header, rows.txHashes]);
    rows.txs.forEach((t, i) => {
      txs.push([t.hash, n, i, column(`tx:${t.hash}`, t.tx), column(`receipt:${t.hash}`, t.receipt)]);
      // Only logs need the receipt parsed; the rows themselves are written as stored.
      if (t.receipt.includes('"logs":[]')) return;
      for (const l of (JSON.parse(t.receipt) as RpcReceipt).logs) {
        const index = Number(BigInt(l.logIndex));
        logs.push([
          n,
          index,
          l.address,
          l.topics[0] ?? null,
          l.topics[1] ?? null,
          l.topics[2] ?? null,
          l.topics[3] ?? null,
          column(`log:${n}:${index}`, JSON.stringify(l)),
        ]);
      }
    });
  }
  await Promise.all(
    shards.map(async (db, i) => {
      const rows = perShard[i];
      const statements = [
        ...insertRows(db, 'INSERT OR REPLACE INTO accounts (address, block, nonce, balance, code_hash, deleted)', rows.accounts),
        ...insertRows(db, 'INSERT OR REPLACE INTO storage (address, slot, block, value)', rows.storage),
        ...insertRows(db, 'INSERT OR REPLACE INTO storage_wipes (address, block)', rows.wipes),
        ...insertRows(db, 'INSERT OR IGNORE INTO code (hash, code)', rows.code),
      ];
      if (statements.length === 0) return;
      await migrate(db, stateMigrations);
      await db.batch(statements);
    }),
  );
  const db = env.INDEX_DB;
  await migrate(db, indexMigrations);
  await db.batch([
    // Parts first (one per statement: each is up to 1.5 MiB): a pointer never exists without its parts.
    ...parts.map((p) => db.prepare('INSERT OR REPLACE INTO value_parts (key, part, text) VALUES (?, ?, ?)').bind(...p)),
    ...insertRows(db, 'INSERT OR REPLACE INTO blocks (number, hash, header, tx_hashes)', blocks),
    ...insertRows(db, 'INSERT OR REPLACE INTO txs (hash, block, idx, tx, receipt)', txs),
    ...insertRows(db, 'INSERT OR REPLACE INTO logs (block, log_index, address, topic0, topic1, topic2, topic3, log)', logs),
    db.prepare(`INSERT INTO indexed_head (id, number) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET number = MAX(number, excluded.number)`).bind(head),
  ]);
}

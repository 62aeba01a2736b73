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
 * D1 statements (and R2 and queue operations) one outbox flush invocation issues at most. D1
 * allows 1000 queries per Worker invocation on the paid plan (50 on the free one), and its
 * documentation does not say how a batch's statements count, so each statement counts as one
 * and half of the limit is left for everything else (docs/decisions/0014).
 */
export const FLUSH_OPERATIONS = 500;

/** Rows of a group at most, so that one group's statements stay well inside FLUSH_OPERATIONS. */
const D1_BATCH_ROWS = 2000;

export interface FlushOptions {
  /**
   * The lowest block whose index entry is waiting outside these entries (a set-aside one, or the
   * head + 1): D1's indexed head never passes an entry not written yet.
   */
  barrier: number;
  /** Statements this call may issue at most (it always writes its first group). */
  maxStatements: number;
}

/**
 * Writes outbox entries (index entries, in block order) to D1, in groups of about D1_BATCH_BYTES
 * and D1_BATCH_ROWS, one batch per database and group, until `maxStatements` would be passed.
 * Returns how many entries (a prefix) were written and the statements issued. Every statement is
 * an idempotent upsert, so a retry after a crash between "written" and "acknowledged" rewrites the
 * same rows. In each group the shards are written before the index, and the index's head moves
 * last, and only up to below the first entry still unwritten: a block the index calls indexed is
 * in every shard, and so is every block below it.
 */
export async function flushOutboxEntries(
  env: Env,
  config: ChainConfig,
  entries: OutboxEntry[],
  rowsOf: (block: number) => BlockRows | undefined,
  opts: Partial<FlushOptions> = {},
): Promise<{ written: number; statements: number }> {
  // Without a barrier the entries are taken as every index entry waiting (consecutive blocks).
  const barrier = opts.barrier ?? (entries.length > 0 ? entries[entries.length - 1].block + 1 : 0);
  const maxStatements = opts.maxStatements ?? Number.MAX_SAFE_INTEGER;
  const groups: { entry: OutboxEntry; rows: BlockRows }[][] = [];
  let group: { entry: OutboxEntry; rows: BlockRows }[] = [];
  let bytes = 0;
  let rowCount = 0;
  for (const entry of entries) {
    if (entry.kind !== 'index') throw new Error(`unknown outbox entry kind ${entry.kind}`);
    const rows = rowsOf(entry.block);
    if (!rows) throw new Error(`block ${entry.block} is in the outbox but not in the sequencer's blocks`);
    group.push({ entry, rows });
    // Logs are written twice: in their receipt and in their own rows.
    bytes += entry.payload.length + rows.header.length + rows.txs.reduce((n, t) => n + t.tx.length + 2 * t.receipt.length, 0);
    rowCount += estimateRows(entry, rows);
    if (bytes >= D1_BATCH_BYTES || rowCount >= D1_BATCH_ROWS) {
      groups.push(group);
      group = [];
      bytes = 0;
      rowCount = 0;
    }
  }
  if (group.length > 0) groups.push(group);
  let written = 0;
  let statements = 0;
  for (const [k, g] of groups.entries()) {
    if (k > 0 && statements >= maxStatements) break;
    const next = groups[k + 1]?.[0]?.entry.block ?? Number.MAX_SAFE_INTEGER;
    statements += await writeBlocks(env, config, g, Math.min(barrier, next) - 1);
    written += g.length;
  }
  return { written, statements };
}

/** Rows an entry writes, roughly (logs counted by their index field): what bounds a group's statements. */
function estimateRows(entry: OutboxEntry, rows: BlockRows): number {
  let logs = 0;
  for (const t of rows.txs) logs += t.receipt.split('"logIndex"').length - 1;
  // The payload's accounts, slots and codes: one row each, about one per 100 characters at least.
  return 1 + rows.txs.length + logs + Math.ceil(entry.payload.length / 100);
}

async function writeBlocks(env: Env, config: ChainConfig, group: { entry: OutboxEntry; rows: BlockRows }[], indexedThrough: number): Promise<number> {
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
  // The index's head moves to the floor the caller vouches for (blocks above a set-aside entry may be written, not indexed).
  const head = indexedThrough;
  for (const { entry, rows } of group) {
    const p = JSON.parse(entry.payload) as IndexPayload;
    const n = entry.block;
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
  let counted = 0;
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
      counted += statements.length;
    }),
  );
  const db = env.INDEX_DB;
  await migrate(db, indexMigrations);
  const index = [
    // Parts first (one per statement: each is up to 1.5 MiB): a pointer never exists without its parts.
    ...parts.map((p) => db.prepare('INSERT OR REPLACE INTO value_parts (key, part, text) VALUES (?, ?, ?)').bind(...p)),
    ...insertRows(db, 'INSERT OR REPLACE INTO blocks (number, hash, header, tx_hashes)', blocks),
    ...insertRows(db, 'INSERT OR REPLACE INTO txs (hash, block, idx, tx, receipt)', txs),
    ...insertRows(db, 'INSERT OR REPLACE INTO logs (block, log_index, address, topic0, topic1, topic2, topic3, log)', logs),
    db.prepare(`INSERT INTO indexed_head (id, number) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET number = MAX(number, excluded.number)`).bind(head),
  ];
  await db.batch(index);
  return counted + index.length;
}

import { VALUE_PARTS_TABLE } from '../storage/chunked.ts';
import type { SqlPort } from '../storage/sql.ts';

/**
 * The sequencer's own SQLite schema: hot state, the trie, the pool, recent blocks and the outbox.
 * Statements are idempotent and only ever appended, so an existing database gains new tables on
 * its next start; `version` guards future migrations.
 */
export const SCHEMA_VERSION = 4;

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS accounts (address TEXT PRIMARY KEY, nonce TEXT NOT NULL, balance TEXT NOT NULL, code_hash TEXT NOT NULL, storage_root TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS storage (address TEXT NOT NULL, slot TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (address, slot)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS code (hash TEXT PRIMARY KEY, code BLOB NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS trie_nodes (key TEXT PRIMARY KEY, node BLOB NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS pool (hash TEXT PRIMARY KEY, sender TEXT NOT NULL, nonce TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, header TEXT NOT NULL, tx_hashes TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS txs (hash TEXT PRIMARY KEY, block INTEGER NOT NULL, idx INTEGER NOT NULL, tx TEXT NOT NULL, receipt TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS txs_by_block ON txs (block, idx)`,
  // Trace blobs waiting for R2, in parts under the 2 MB row limit.
  `CREATE TABLE IF NOT EXISTS traces (block INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (block, part))`,
  `CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, block INTEGER NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)`,
  // L1 priority operations (deposits) handed over by the settlement worker; block is set once included.
  `CREATE TABLE IF NOT EXISTS priority_ops (idx INTEGER PRIMARY KEY, l1_sender TEXT NOT NULL, l2_recipient TEXT NOT NULL, amount TEXT NOT NULL, block INTEGER)`,
  `CREATE INDEX IF NOT EXISTS priority_ops_pending ON priority_ops (block, idx)`,
  // Per sealed block, what its batch needs: its share of the batch data, its withdrawals, the priority queue after it.
  `CREATE TABLE IF NOT EXISTS block_data (block INTEGER PRIMARY KEY, data BLOB NOT NULL, withdrawals TEXT NOT NULL, priority_ops INTEGER NOT NULL, rolling_hash TEXT NOT NULL, timestamp INTEGER NOT NULL, state_root TEXT NOT NULL, sealed_at INTEGER NOT NULL)`,
  // Closed batches: their commitment (what L1 stores the hash of) and their data (what L1 receives).
  `CREATE TABLE IF NOT EXISTS batches (number INTEGER PRIMARY KEY, first_block INTEGER NOT NULL, last_block INTEGER NOT NULL, commitment TEXT NOT NULL, hash TEXT NOT NULL, data BLOB NOT NULL, closed_at INTEGER NOT NULL)`,
  // Per sealed block, its effective tips with their gas, sorted and merged (core/sequencer/feeHistory.ts).
  `CREATE TABLE IF NOT EXISTS fee_summaries (block INTEGER PRIMARY KEY, tips BLOB NOT NULL)`,
  // The batch holding a block, in one seek (rollup_getWithdrawalProof).
  `CREATE INDEX IF NOT EXISTS batches_by_last_block ON batches (last_block)`,
  // Each closed batch's withdrawals tree, stored once (core/batches/withdrawalTree.ts): its shape, its
  // nodes (padding-only subtrees left out), and its withdrawals by the transaction that made them.
  `CREATE TABLE IF NOT EXISTS withdrawal_trees (batch INTEGER PRIMARY KEY, leaves INTEGER NOT NULL, depth INTEGER NOT NULL, root TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS withdrawal_nodes (batch INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (batch, level, idx)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS withdrawal_leaves (batch INTEGER NOT NULL, idx INTEGER NOT NULL, tx_hash TEXT NOT NULL, withdrawal TEXT NOT NULL, PRIMARY KEY (batch, idx))`,
  `CREATE INDEX IF NOT EXISTS withdrawal_leaves_by_tx ON withdrawal_leaves (tx_hash)`,
  // Receipts, transactions and outbox payloads too long for their row, in parts (core/storage/chunked.ts).
  VALUE_PARTS_TABLE,
  // Transactions taken out of the pool without a block, and why (seq orders them for pruning).
  `CREATE TABLE IF NOT EXISTS dropped_txs (seq INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL UNIQUE, sender TEXT NOT NULL, nonce TEXT NOT NULL, reason TEXT NOT NULL, dropped_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS dropped_txs_by_time ON dropped_txs (dropped_at)`,
  // Trie pruning's marks and work list (core/sequencer/prune.ts).
  `CREATE TABLE IF NOT EXISTS trie_marks (key TEXT PRIMARY KEY) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS trie_frontier (key TEXT PRIMARY KEY) WITHOUT ROWID`,
];

/** Changes to tables made by earlier versions, by the version that brings them (each runs once). */
const MIGRATIONS: Record<number, string[]> = {
  // The last block that wrote each trie node: trie pruning never sweeps a node written after its cycle began.
  2: [`ALTER TABLE trie_nodes ADD COLUMN block INTEGER NOT NULL DEFAULT 0`],
  3: [
    // Outbox backoff (core/sequencer/outbox.ts): an entry that keeps failing waits until next_at
    // while later ones go on; an index entry written to D1 above a set-aside one stays (done = 1)
    // as the simulators' feed until the indexed floor passes it.
    `ALTER TABLE outbox ADD COLUMN next_at INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE outbox ADD COLUMN done INTEGER NOT NULL DEFAULT 0`,
    `CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (kind, done, block)`,
  ],
  // The L1 transaction of each deposit, read from its log, so rollup_getDeposit finds it by that hash
  // (null for operations handed over before this version).
  4: [`ALTER TABLE priority_ops ADD COLUMN l1_tx_hash TEXT`, `CREATE INDEX IF NOT EXISTS priority_ops_by_l1_tx ON priority_ops (l1_tx_hash, idx)`],
};

export function ensureSchema(sql: SqlPort): void {
  sql.transaction(() => {
    for (const s of STATEMENTS) sql.query(s);
    sql.query(`INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1')`);
    for (let v = Number(getMeta(sql, 'schema_version')) + 1; v <= SCHEMA_VERSION; v++) {
      for (const s of MIGRATIONS[v] ?? []) sql.query(s);
      setMeta(sql, 'schema_version', String(v));
    }
  });
}

export function getMeta(sql: SqlPort, key: string): string | undefined {
  return sql.query<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key)[0]?.value;
}

export function setMeta(sql: SqlPort, key: string, value: string): void {
  sql.query(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
}

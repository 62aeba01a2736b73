import { VALUE_PARTS_TABLE } from '../core/storage/chunked.ts';
import type { Migration } from '../workers/index-db/migrate.ts';

/** The chain index in D1: blocks, transactions with receipts, and logs for eth_getLogs. */
export const indexMigrations: Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, header TEXT NOT NULL, tx_hashes TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS txs (hash TEXT PRIMARY KEY, block INTEGER NOT NULL, idx INTEGER NOT NULL, tx TEXT NOT NULL, receipt TEXT NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS txs_by_block ON txs (block, idx)`,
      `CREATE TABLE IF NOT EXISTS logs (block INTEGER NOT NULL, log_index INTEGER NOT NULL, address TEXT NOT NULL, topic0 TEXT, topic1 TEXT, topic2 TEXT, topic3 TEXT, log TEXT NOT NULL, PRIMARY KEY (block, log_index))`,
      `CREATE INDEX IF NOT EXISTS logs_by_address ON logs (address, block)`,
      `CREATE INDEX IF NOT EXISTS logs_by_topic0 ON logs (topic0, block)`,
      `CREATE TABLE IF NOT EXISTS indexed_head (id INTEGER PRIMARY KEY CHECK (id = 0), number INTEGER NOT NULL)`,
    ],
  },
  {
    version: 2,
    statements: [
      // One proof per block: a job delivered twice finds its row and writes nothing.
      `CREATE TABLE IF NOT EXISTS block_proofs (block INTEGER PRIMARY KEY, block_hash TEXT NOT NULL, trace_hash TEXT NOT NULL, digest TEXT NOT NULL, signature TEXT NOT NULL, prover TEXT NOT NULL, statement TEXT NOT NULL, proven_at INTEGER NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS proving_failures (block INTEGER NOT NULL, trace_hash TEXT NOT NULL, reason TEXT NOT NULL, failed_at INTEGER NOT NULL, PRIMARY KEY (block, trace_hash))`,
    ],
  },
  {
    version: 3,
    statements: [
      `CREATE TABLE IF NOT EXISTS proving_dead_letters (message_id TEXT PRIMARY KEY, block INTEGER, trace_key TEXT, attempts INTEGER NOT NULL, received_at INTEGER NOT NULL)`,
    ],
  },
  {
    version: 4,
    statements: [
      // The rows of the three proving tables, counted as they are inserted (workers/prover/consume.ts),
      // so that /status reads one row instead of counting whole tables: D1 bills every row read.
      `CREATE TABLE IF NOT EXISTS proving_counts (id INTEGER PRIMARY KEY CHECK (id = 0), proofs INTEGER NOT NULL, failures INTEGER NOT NULL, dead_letters INTEGER NOT NULL)`,
      // A database made before this version is counted once, here, atomically with the version row.
      `INSERT OR IGNORE INTO proving_counts (id, proofs, failures, dead_letters) SELECT 0, (SELECT COUNT(*) FROM block_proofs), (SELECT COUNT(*) FROM proving_failures), (SELECT COUNT(*) FROM proving_dead_letters)`,
    ],
  },
  {
    version: 5,
    // Receipts, transactions and logs too long for their row, in parts (core/storage/chunked.ts).
    statements: [VALUE_PARTS_TABLE],
  },
];

import type { Migration } from '../workers/index-db/migrate.ts';

/**
 * A state shard in D1: the history of every account and slot whose address falls in the shard,
 * one row per block that changed it, so a value at any block is the latest row at or before it.
 */
export const stateMigrations: Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS accounts (address TEXT NOT NULL, block INTEGER NOT NULL, nonce TEXT NOT NULL, balance TEXT NOT NULL, code_hash TEXT NOT NULL, deleted INTEGER NOT NULL, PRIMARY KEY (address, block))`,
      `CREATE TABLE IF NOT EXISTS storage (address TEXT NOT NULL, slot TEXT NOT NULL, block INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (address, slot, block))`,
      `CREATE TABLE IF NOT EXISTS storage_wipes (address TEXT NOT NULL, block INTEGER NOT NULL, PRIMARY KEY (address, block))`,
      `CREATE TABLE IF NOT EXISTS code (hash TEXT PRIMARY KEY, code TEXT NOT NULL)`,
    ],
  },
];

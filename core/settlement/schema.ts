import type { SqlPort } from '../storage/sql.ts';

/** The settlement worker's own SQLite state: its checkpoints, the L1 transactions it sent, its lease. */
const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS settlement_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // One row per L1 transaction (all its replacements share the row: same nonce, hashes appended).
  `CREATE TABLE IF NOT EXISTS l1_txs (id INTEGER PRIMARY KEY AUTOINCREMENT, nonce INTEGER NOT NULL, kind TEXT NOT NULL, first_batch INTEGER NOT NULL, last_batch INTEGER NOT NULL, l2_txs INTEGER NOT NULL, calldata_bytes INTEGER NOT NULL, to_address TEXT NOT NULL, data TEXT NOT NULL, gas TEXT NOT NULL, max_fee TEXT NOT NULL, tip TEXT NOT NULL, hashes TEXT NOT NULL, raw TEXT NOT NULL, sent_at INTEGER NOT NULL, status TEXT NOT NULL, block INTEGER, gas_used TEXT, error TEXT)`,
  `CREATE INDEX IF NOT EXISTS l1_txs_status ON l1_txs (status)`,
  `CREATE TABLE IF NOT EXISTS settlement_lease (id INTEGER PRIMARY KEY CHECK (id = 0), owner TEXT NOT NULL, expires INTEGER NOT NULL)`,
];

export function ensureSettlementSchema(sql: SqlPort): void {
  sql.transaction(() => {
    for (const s of STATEMENTS) sql.query(s);
  });
}

export function getSetting(sql: SqlPort, key: string): string | undefined {
  return sql.query<{ value: string }>(`SELECT value FROM settlement_meta WHERE key = ?`, key)[0]?.value;
}

export function putSetting(sql: SqlPort, key: string, value: string): void {
  sql.query(`INSERT INTO settlement_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
}

/**
 * Takes the lease for `ms` unless another holder's lease is still valid. Atomic in one statement,
 * so two runs started at once (same Durable Object, or two processes on one database) cannot both
 * hold it: the loser skips its run.
 */
export function acquireLease(sql: SqlPort, owner: string, nowMs: number, ms: number): boolean {
  sql.query(
    `INSERT INTO settlement_lease (id, owner, expires) VALUES (0, ?, ?) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires WHERE settlement_lease.expires < ? OR settlement_lease.owner = excluded.owner`,
    owner,
    nowMs + ms,
    nowMs,
  );
  return sql.query<{ owner: string }>(`SELECT owner FROM settlement_lease WHERE id = 0`)[0]?.owner === owner;
}

export function releaseLease(sql: SqlPort, owner: string): void {
  sql.query(`UPDATE settlement_lease SET expires = 0 WHERE id = 0 AND owner = ?`, owner);
}

import type { Hex } from '../chain/hex.ts';
import { multiRow, run, type SqlPort } from '../storage/sql.ts';

/** Dropped transactions kept for `rollup_getTransactionStatus`: the newest this many... */
export const DROPPED_KEEP_ROWS = 100_000;
/** ...and none older than this. */
export const DROPPED_KEEP_MS = 7 * 24 * 3600 * 1000;
/** Reasons are error messages; this much of one is kept. */
const REASON_CHARS = 500;

export interface Drop {
  hash: Hex;
  sender: Hex;
  nonce: bigint;
  reason: string;
}

export interface DroppedTx {
  reason: string;
  droppedAt: number;
}

/**
 * Transactions the sequencer acknowledged and then took out of the pool without a block (they
 * could not be executed or stored, or their nonce was used meanwhile), with the reason, so that
 * their hash still answers why. Writes run inside the caller's SQL transaction, with the pool
 * removal they explain.
 */
export class DroppedTxs {
  private readonly sql: SqlPort;
  constructor(sql: SqlPort) {
    this.sql = sql;
  }

  record(drops: Drop[], nowMs: number): void {
    if (drops.length === 0) return;
    run(
      this.sql,
      multiRow(
        'INSERT OR REPLACE INTO dropped_txs (hash, sender, nonce, reason, dropped_at)',
        drops.map((d) => [d.hash, d.sender, d.nonce.toString(), d.reason.slice(0, REASON_CHARS), nowMs]),
      ),
    );
    // Both deletions walk an index from its low end: pruning costs what it removes.
    this.sql.query(`DELETE FROM dropped_txs WHERE dropped_at < ?`, nowMs - DROPPED_KEEP_MS);
    this.sql.query(`DELETE FROM dropped_txs WHERE seq <= (SELECT MAX(seq) FROM dropped_txs) - ?`, DROPPED_KEEP_ROWS);
  }

  /** The log line of each drop, once the transaction that recorded it committed. */
  announce(drops: Drop[]): void {
    for (const d of drops) console.warn(`dropped transaction ${d.hash} (sender ${d.sender}, nonce ${d.nonce}): ${d.reason}`);
  }

  get(hash: Hex): DroppedTx | undefined {
    const row = this.sql.query<{ reason: string; dropped_at: number }>(`SELECT reason, dropped_at FROM dropped_txs WHERE hash = ?`, hash)[0];
    return row ? { reason: row.reason, droppedAt: row.dropped_at } : undefined;
  }
}

import { deleteValue, loadValue } from '../storage/chunked.ts';
import type { SqlPort } from '../storage/sql.ts';

export interface OutboxEntry {
  id: number;
  kind: string;
  block: number;
  payload: string;
  attempts: number;
}

/** An entry that failed alone this many times is set aside: later entries go on without it. */
export const OUTBOX_SET_ASIDE_AFTER = 5;
/** First delay of a set-aside entry's next try; it doubles with each failure, up to OUTBOX_MAX_DELAY_MS. */
export const OUTBOX_SET_ASIDE_DELAY_MS = 10_000;
export const OUTBOX_MAX_DELAY_MS = 10 * 60 * 1000;
/** A flush that failed waits this long before the next one, doubling with each failure in a row, up to OUTBOX_FLUSH_MAX_DELAY_MS. */
export const OUTBOX_FLUSH_BASE_DELAY_MS = 100;
export const OUTBOX_FLUSH_MAX_DELAY_MS = 60_000;

/** Delay before the next flush after `failures` failed flushes in a row (the whole outbox waits). */
export function flushDelay(failures: number): number {
  return Math.min(OUTBOX_FLUSH_BASE_DELAY_MS * 2 ** Math.min(Math.max(failures - 1, 0), 30), OUTBOX_FLUSH_MAX_DELAY_MS);
}

/** Delay before a set-aside entry is tried again, after `attempts` failures. */
export function setAsideDelay(attempts: number): number {
  return Math.min(OUTBOX_SET_ASIDE_DELAY_MS * 2 ** Math.min(Math.max(attempts - OUTBOX_SET_ASIDE_AFTER, 0), 30), OUTBOX_MAX_DELAY_MS);
}

type Row = { id: number; kind: string; block: number; payload: string; attempts: number };

/**
 * The sequencer's outbox (rows in its SQLite, written in the seal's transaction). Entries leave in
 * id order, except that an entry which keeps failing is set aside (retried later, with growing
 * delays) while the ones after it go on: every write is idempotent, so the order is not needed for
 * correctness. What order is needed for is the indexed floor: the D1 index and the simulators'
 * feed trust D1 only up to the block below the lowest index entry not yet written, so an index
 * entry written above a set-aside one is kept (done) as the feed's copy until the floor passes it.
 */
export class Outbox {
  private readonly sql: SqlPort;

  constructor(sql: SqlPort) {
    this.sql = sql;
  }

  /**
   * The entries to flush now, oldest first: at most `limit`, and no more once their payloads reach
   * `maxChars` (the first is always taken). Set-aside entries not yet due are skipped. An entry
   * that failed before goes alone, so that one entry that cannot be written is found and set aside
   * instead of failing every round it is part of.
   */
  pending(limit: number, maxChars: number, now: number): OutboxEntry[] {
    const rows = this.sql.query<Row>(`SELECT id, kind, block, payload, attempts FROM outbox WHERE done = 0 AND next_at <= ? ORDER BY id LIMIT ?`, now, limit);
    const out: OutboxEntry[] = [];
    let chars = 0;
    for (const row of rows) {
      if (out.length > 0 && (chars >= maxChars || row.attempts > 0)) break;
      const payload = loadValue(this.sql, row.payload);
      chars += payload.length;
      out.push({ ...row, payload });
      if (row.attempts > 0) break;
    }
    return out;
  }

  /**
   * Marks entries written. Trace entries go; index entries go once no index entry below them is
   * left (the floor passed them), the others stay as the feed's copy.
   */
  done(ids: number[]): void {
    if (ids.length === 0) return;
    this.sql.transaction(() => {
      for (const id of ids) this.sql.query(`UPDATE outbox SET done = 1 WHERE id = ?`, id);
      const floor = this.indexedFloor(Number.MAX_SAFE_INTEGER);
      const gone = this.sql.query<{ pointer: string | null }>(
        `DELETE FROM outbox WHERE done = 1 AND (kind != 'index' OR block <= ?) RETURNING CASE WHEN payload LIKE 'parts:%' THEN payload END AS pointer`,
        floor,
      );
      for (const row of gone) if (row.pointer) deleteValue(this.sql, row.pointer);
    });
  }

  /**
   * A round failed: the first entry of it is blamed (it went alone if it had failed before), and
   * after OUTBOX_SET_ASIDE_AFTER failures it is set aside until a growing delay has passed.
   */
  failed(entry: OutboxEntry, error: string, now: number): void {
    const attempts = entry.attempts + 1;
    const nextAt = attempts >= OUTBOX_SET_ASIDE_AFTER ? now + setAsideDelay(attempts) : 0;
    this.sql.query(`UPDATE outbox SET attempts = ?, last_error = ?, next_at = ? WHERE id = ?`, attempts, error.slice(0, 500), nextAt, entry.id);
  }

  /** Entries not written yet. */
  size(): number {
    return this.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE done = 0`)[0].n;
  }

  /** When the earliest entry not written yet may be tried (now or earlier if one is due); undefined when none waits. */
  nextDue(): number | undefined {
    const at = this.sql.query<{ at: number | null }>(`SELECT MIN(next_at) AS at FROM outbox WHERE done = 0`)[0]?.at;
    return at ?? undefined;
  }

  /**
   * The highest block up to which every index entry has been written (`head` when none waits): what
   * D1 may call indexed, and where the simulators' feed starts.
   */
  indexedFloor(head: number): number {
    const lowest = this.sql.query<{ block: number | null }>(`SELECT MIN(block) AS block FROM outbox WHERE kind = 'index' AND done = 0`)[0]?.block;
    return lowest === null || lowest === undefined ? head : lowest - 1;
  }

  /** The lowest index entry not written yet outside `ids` (the round being flushed), or undefined. */
  lowestIndexOutside(ids: number[]): number | undefined {
    const rows = this.sql.query<{ block: number; id: number }>(
      `SELECT block, id FROM outbox WHERE kind = 'index' AND done = 0 ORDER BY block LIMIT ?`,
      ids.length + 1,
    );
    const round = new Set(ids);
    return rows.find((r) => !round.has(r.id))?.block;
  }

  /** Entries set aside (failed OUTBOX_SET_ASIDE_AFTER times or more): how many, and the oldest few with their errors. */
  setAside(limit = 5): { count: number; entries: { kind: string; block: number; attempts: number; nextAt: number; error: string | null }[] } {
    const count = this.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE done = 0 AND attempts >= ?`, OUTBOX_SET_ASIDE_AFTER)[0].n;
    if (count === 0) return { count, entries: [] };
    const entries = this.sql
      .query<{ kind: string; block: number; attempts: number; next_at: number; last_error: string | null }>(
        `SELECT kind, block, attempts, next_at, last_error FROM outbox WHERE done = 0 AND attempts >= ? ORDER BY id LIMIT ?`,
        OUTBOX_SET_ASIDE_AFTER,
        limit,
      )
      .map((r) => ({ kind: r.kind, block: r.block, attempts: r.attempts, nextAt: r.next_at, error: r.last_error }));
    return { count, entries };
  }
}

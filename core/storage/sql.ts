/**
 * The one storage port the sequencer core needs: synchronous SQLite. Implemented over a
 * Durable Object's `ctx.storage.sql` (durable-objects/doSql.ts) and over Node's `node:sqlite`
 * (test/support/nodeSql.ts), so the same core runs in workerd and in plain Node.
 */
export type SqlValue = string | number | null | Uint8Array;
export type SqlRow = Record<string, SqlValue>;

export interface SqlPort {
  /** Runs one statement and returns its rows (empty for writes). Blobs come back as Uint8Array. */
  query<T extends SqlRow = SqlRow>(sql: string, ...params: SqlValue[]): T[];
  /** Runs `fn` atomically: every write in it commits together or not at all. */
  transaction<T>(fn: () => T): T;
}

/** SQLite allows at most 100 bound parameters per statement on Cloudflare. */
export const MAX_BOUND_PARAMS = 100;

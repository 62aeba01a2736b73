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

export interface Statement {
  sql: string;
  params: SqlValue[];
}

/**
 * Multi-row statements for `head` (e.g. "INSERT INTO t (a, b)") over `rows`, each within the
 * bound-parameter limit: one statement per chunk instead of one per row.
 */
export function multiRow(head: string, rows: SqlValue[][], tail = ''): Statement[] {
  if (rows.length === 0) return [];
  const width = rows[0].length;
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_PARAMS / width));
  const tuple = `(${Array(width).fill('?').join(', ')})`;
  const out: Statement[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    out.push({ sql: `${head} VALUES ${chunk.map(() => tuple).join(', ')}${tail}`, params: chunk.flat() });
  }
  return out;
}

/** "... WHERE column IN (?, ?, ...)" statements over `values`, within the parameter limit. */
export function whereIn(head: string, values: SqlValue[]): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < values.length; i += MAX_BOUND_PARAMS) {
    const chunk = values.slice(i, i + MAX_BOUND_PARAMS);
    out.push({ sql: `${head} (${chunk.map(() => '?').join(', ')})`, params: chunk });
  }
  return out;
}

export function run(sql: SqlPort, statements: Statement[]): void {
  for (const s of statements) sql.query(s.sql, ...s.params);
}

import type { SqlPort, SqlRow, SqlValue } from '../core/storage/sql.ts';

/** The core's SQL port over a Durable Object's SQLite storage. */
export function doSql(storage: DurableObjectStorage): SqlPort {
  const sql = storage.sql;
  let depth = 0;
  return {
    query<T extends SqlRow = SqlRow>(statement: string, ...params: SqlValue[]): T[] {
      const rows = sql.exec(statement, ...params).toArray() as Record<string, SqlValue | ArrayBuffer>[];
      for (const row of rows) {
        for (const k in row) {
          const v = row[k];
          if (v instanceof ArrayBuffer) row[k] = new Uint8Array(v);
        }
      }
      return rows as T[];
    },
    transaction<T>(fn: () => T): T {
      if (depth > 0) return fn();
      depth++;
      try {
        return storage.transactionSync(fn);
      } finally {
        depth--;
      }
    },
  };
}

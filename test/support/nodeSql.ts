import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqlPort, SqlRow, SqlValue } from '../../core/storage/sql.ts';
import { checkLimits } from './sqlLimits.ts';

/**
 * The core's SQL port over Node's built-in SQLite, so the sequencer core runs in plain Node, under
 * the production limits (test/support/sqlLimits.ts): local SQLite would accept a row Cloudflare refuses.
 */
export function nodeSql(path = ':memory:'): SqlPort & { close(): void } {
  const db = new DatabaseSync(path);
  const statements = new Map<string, StatementSync>();
  let depth = 0;
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  return {
    query<T extends SqlRow = SqlRow>(sql: string, ...params: SqlValue[]): T[] {
      checkLimits(sql, params);
      const s = prepare(sql);
      if (/^\s*(SELECT|WITH|PRAGMA)/i.test(sql) || /RETURNING/i.test(sql)) return s.all(...params) as T[];
      s.run(...params);
      return [];
    },
    transaction<T>(fn: () => T): T {
      if (depth > 0) return fn();
      db.exec('BEGIN');
      depth++;
      try {
        const out = fn();
        db.exec('COMMIT');
        return out;
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      } finally {
        depth--;
      }
    },
    close: () => db.close(),
  };
}

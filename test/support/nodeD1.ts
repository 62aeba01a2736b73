import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { checkLimits } from './sqlLimits.ts';

/**
 * The part of a D1 binding the index writer uses (prepare, bind, first, all, run, batch), over
 * Node's SQLite, so that the writer runs in plain Node against a real SQLite, under the production
 * limits (test/support/sqlLimits.ts). A batch runs in one transaction, as D1's does.
 */
export function nodeD1(path = ':memory:'): D1Database & { sqlite: DatabaseSync } {
  const db = new DatabaseSync(path);
  const statement = (sql: string, params: SQLInputValue[] = []) => {
    const run = () => {
      checkLimits(sql, params as Parameters<typeof checkLimits>[1]);
      const s = db.prepare(sql);
      if (s.columns().length > 0) return { results: s.all(...params) };
      s.run(...params);
      return { results: [] };
    };
    return {
      bind: (...values: unknown[]) => statement(sql, values as SQLInputValue[]),
      first: async (column?: string) => {
        const row = run().results[0] as Record<string, unknown> | undefined;
        return row === undefined ? null : column ? row[column] : row;
      },
      all: async () => ({ results: run().results, success: true, meta: {} }),
      run: async () => ({ results: run().results, success: true, meta: {} }),
      raw: async () => run().results.map((r) => Object.values(r as object)),
      exec: run,
    };
  };
  const d1 = {
    sqlite: db,
    prepare: (sql: string) => statement(sql),
    batch: async (statements: ReturnType<typeof statement>[]) => {
      db.exec('BEGIN');
      try {
        const out = statements.map((s) => ({ results: s.exec().results, success: true, meta: {} }));
        db.exec('COMMIT');
        return out;
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      }
    },
    exec: async (sql: string) => {
      db.exec(sql);
      return { count: 0, duration: 0 };
    },
  };
  return d1 as unknown as D1Database & { sqlite: DatabaseSync };
}

/**
 * The limits of Durable Object SQLite and D1 that local SQLite does not enforce (it accepts a
 * 1 GB row): bound parameters per statement, bytes per string, BLOB or row, and the length of a
 * statement's text. Checked by the Node SQL port of the unit tests and by the D1 wrapper of the
 * workerd tests, so that every test runs under them.
 */
export const MAX_PARAMS = 100;
export const MAX_VALUE_BYTES = 2_000_000;
export const MAX_STATEMENT_BYTES = 100_000;

type Value = string | number | bigint | boolean | null | undefined | ArrayBuffer | ArrayBufferView;

const utf8 = new TextEncoder();

function byteLength(v: Value): number {
  if (typeof v === 'string') return v.length * 3 <= MAX_VALUE_BYTES ? v.length : utf8.encode(v).length;
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return v.byteLength;
  return 8;
}

/** Columns an `INSERT ... (a, b, c) VALUES (...), (...)` writes per row, so that its rows can be measured. */
function insertWidth(sql: string): number | undefined {
  const m = /^\s*(?:INSERT|REPLACE)\b[^(]*\(([^)]*)\)\s*VALUES\s*\(/i.exec(sql);
  return m ? m[1].split(',').length : undefined;
}

/**
 * Throws as production would (SQLITE_TOOBIG, too many SQL variables) when a statement exceeds the
 * limits: every bound value is measured, and every row an INSERT writes (the sum of its values).
 */
export function checkLimits(sql: string, params: readonly Value[]): void {
  if (sql.length > MAX_STATEMENT_BYTES) throw new Error(`statement too long: ${sql.length} bytes, at most ${MAX_STATEMENT_BYTES}: SQLITE_TOOBIG`);
  if (params.length > MAX_PARAMS) throw new Error(`too many SQL variables: ${params.length}, at most ${MAX_PARAMS}: SQLITE_ERROR`);
  const sizes = params.map(byteLength);
  for (const s of sizes) if (s > MAX_VALUE_BYTES) throw new Error(`string or blob too big: ${s} bytes, at most ${MAX_VALUE_BYTES}: SQLITE_TOOBIG`);
  const width = insertWidth(sql);
  if (!width) return;
  for (let i = 0; i < sizes.length; i += width) {
    let row = 0;
    for (let k = i; k < i + width && k < sizes.length; k++) row += sizes[k];
    if (row > MAX_VALUE_BYTES) throw new Error(`string or blob too big: a row of ${row} bytes, at most ${MAX_VALUE_BYTES}: SQLITE_TOOBIG`);
  }
}

import type { SqlPort } from './sql.ts';

/**
 * Values that can outgrow a row: Durable Object SQLite and D1 refuse any string, BLOB or row over
 * 2,000,000 bytes, and a receipt or a log can reach megabytes within the block gas limit. A value
 * of at most INLINE_CHARS UTF-16 code units stays in its column: at most 3 UTF-8 bytes each, so
 * 768 KiB, and a row with two such columns (a transaction and its receipt) stays under the limit.
 * A longer one goes to the `value_parts` table in parts of PART_CHARS units (at most 1.5 MiB each),
 * and its column holds a pointer `parts:<count>:<key>`. Values are JSON texts, which never begin
 * with `p`, so a pointer is never mistaken for a value. The same split serves the sequencer's
 * SQLite (the helpers below) and D1 (workers/index-db), each database with its own parts table.
 */
export const INLINE_CHARS = 256 * 1024;
export const PART_CHARS = 512 * 1024;

const PREFIX = 'parts:';

/** The parts table; rows are large, so it keeps its rowid (WITHOUT ROWID suits small rows only). */
export const VALUE_PARTS_TABLE = `CREATE TABLE IF NOT EXISTS value_parts (key TEXT NOT NULL, part INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (key, part))`;

export type ValuePart = [key: string, part: number, text: string];

export interface SplitValue {
  /** What the value's own column holds: the value itself, or the pointer to its parts. */
  column: string;
  parts: ValuePart[];
}

export interface Pointer {
  key: string;
  count: number;
}

/** Splits `value` when it is too long for its row; `key` names it among the database's values. */
export function splitValue(key: string, value: string): SplitValue {
  if (value.length <= INLINE_CHARS) return { column: value, parts: [] };
  const parts: ValuePart[] = [];
  for (let start = 0; start < value.length; ) {
    let end = Math.min(start + PART_CHARS, value.length);
    // Never cut a surrogate pair: each part must be valid text of its own.
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push([key, parts.length, value.slice(start, end)]);
    start = end;
  }
  return { column: `${PREFIX}${parts.length}:${key}`, parts };
}

export function pointerOf(column: string): Pointer | undefined {
  if (!column.startsWith(PREFIX)) return undefined;
  const colon = column.indexOf(':', PREFIX.length);
  return { count: Number(column.slice(PREFIX.length, colon)), key: column.slice(colon + 1) };
}

/** The value back from its parts, in part order; a missing part is an error, never a shorter value. */
export function joinParts(pointer: Pointer, texts: string[]): string {
  if (texts.length !== pointer.count) throw new Error(`value ${pointer.key} has ${texts.length} of its ${pointer.count} parts`);
  return texts.join('');
}

/** Writes the parts of `value` (if any) and returns what its column should hold. */
export function storeValue(sql: SqlPort, key: string, value: string): string {
  const { column, parts } = splitValue(key, value);
  for (const p of parts) sql.query(`INSERT OR REPLACE INTO value_parts (key, part, text) VALUES (?, ?, ?)`, ...p);
  return column;
}

/** A column's value, reassembled from its parts when the column holds a pointer. */
export function loadValue(sql: SqlPort, column: string): string {
  const pointer = pointerOf(column);
  if (!pointer) return column;
  const rows = sql.query<{ text: string }>(`SELECT text FROM value_parts WHERE key = ? ORDER BY part`, pointer.key);
  return joinParts(
    pointer,
    rows.map((r) => r.text),
  );
}

/** Deletes the parts a column points to (with the row that held it). */
export function deleteValue(sql: SqlPort, column: string): void {
  const pointer = pointerOf(column);
  if (pointer) sql.query(`DELETE FROM value_parts WHERE key = ?`, pointer.key);
}

import { RLP } from '@ethereumjs/rlp';
import { bytesToHex } from '../chain/hex.ts';
import { ServerError } from '../errors.ts';
import { EMPTY_TRIE_ROOT } from '../state/types.ts';
import { deleteValue } from '../storage/chunked.ts';
import { multiRow, run, type SqlPort, whereIn } from '../storage/sql.ts';
import { getMeta, setMeta } from './schema.ts';
import type { SequencerCore } from './sequencer.ts';

/**
 * Pruning of the sequencer's SQLite (docs/decisions/0018): a Durable Object holds at most 10 GB,
 * and without pruning every block adds its transactions, receipts, block data and the trie nodes
 * its state changes replaced. Two independent jobs, each run in bounded steps off the hot path
 * (the Durable Object's alarm calls `pruneStep`, never while a seal runs):
 *
 * - History: blocks, transactions, receipts, fee summaries and block data older than
 *   HISTORY_BLOCKS go once the D1 index holds them (no outbox entry at or below them) and their
 *   batch is executed on L1 (what settlement reads is never pruned); an executed batch's data goes
 *   with its blocks, its commitment and withdrawals tree stay (claims come any time later). Reads
 *   of pruned blocks are served by D1 (workers/rpc).
 * - Trie: mark and sweep. Trie nodes are keyed by hash and shared between roots and between
 *   identical subtrees, so "replaced at block n" says nothing about whether a node is still used.
 *   A cycle starting at head H0 marks every node reachable from the roots of the last
 *   STATE_HISTORY_BLOCKS blocks and of every block the index has not taken yet, then sweeps the
 *   nodes that are unmarked and were last written at or before H0. Each seal writes the block
 *   number into every node it writes (also over an existing node: `SqlState.commit`), and a new
 *   root's nodes are either written by a block after H0 or reachable from H0's root, so no node a
 *   later root needs is swept. States older than the marked range answer -32000
 *   (`stateNotAvailable`), as geth does for state it no longer holds.
 */

export interface PrunePolicy {
  /** Sealed blocks kept in the sequencer (besides any not yet indexed or not yet executed on L1). */
  historyBlocks: number;
  /** States (trie roots) of recent blocks kept readable and provable. */
  stateBlocks: number;
  /** A trie cycle starts when the head has moved this far since the last one began. */
  trieIntervalBlocks: number;
  /** Rows one step deletes, marks or scans at most. */
  rowsPerStep: number;
}

export type PruneVars = Partial<Record<'HISTORY_BLOCKS' | 'STATE_HISTORY_BLOCKS' | 'TRIE_PRUNE_INTERVAL_BLOCKS' | 'PRUNE_ROWS_PER_STEP', string>>;

/** BLOCKHASH reaches 256 blocks back, and the sequencer restores those hashes from its blocks table. */
export const MIN_HISTORY_BLOCKS = 256;

function intVar(vars: PruneVars, name: keyof PruneVars, fallback: number, min: number): number {
  const raw = vars[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name} must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
  return v;
}

export function parsePrunePolicy(vars: PruneVars): PrunePolicy {
  const policy = {
    historyBlocks: intVar(vars, 'HISTORY_BLOCKS', 2048, MIN_HISTORY_BLOCKS),
    // Geth keeps the state of the last 128 blocks.
    stateBlocks: intVar(vars, 'STATE_HISTORY_BLOCKS', 128, 1),
    trieIntervalBlocks: intVar(vars, 'TRIE_PRUNE_INTERVAL_BLOCKS', 10_000, 1),
    rowsPerStep: intVar(vars, 'PRUNE_ROWS_PER_STEP', 2_000, 10),
  };
  if (policy.stateBlocks > policy.historyBlocks) throw new Error('STATE_HISTORY_BLOCKS must not exceed HISTORY_BLOCKS (a state is found by its block header)');
  return policy;
}

/** The lowest block whose header, transactions and receipts the sequencer still holds (block 0 always stays). */
export function historyFloor(sql: SqlPort): number {
  return Number(getMeta(sql, 'history_floor') ?? 0);
}

/** The lowest block whose state the sequencer can still read and prove. */
export function stateFloor(sql: SqlPort): number {
  return Number(getMeta(sql, 'state_floor') ?? 0);
}

/** The answer for state the sequencer no longer holds (geth: "missing trie node" / "historical state ... is not available"). */
export function stateNotAvailable(block: bigint | number, floor: number): ServerError {
  return new ServerError(`missing trie node: historical state of block ${block} is not available (the sequencer keeps the state of blocks from ${floor})`);
}

/** The answer for blocks pruned from the sequencer when D1 cannot serve them either. */
export function historyPruned(block: bigint | number, floor: number): ServerError {
  return new ServerError(`block ${block} is pruned from the sequencer (it keeps blocks from ${floor}) and the index could not serve it: retry`);
}

/** The lowest block some outbox entry still has to write out, if any. */
function lowestUnflushed(sql: SqlPort): number | undefined {
  return sql.query<{ b: number | null }>(`SELECT MIN(block) AS b FROM outbox`)[0]?.b ?? undefined;
}

/**
 * One bounded step of pruning: history first, then the trie. Returns the rows it deleted, marked
 * or scanned; 0 means there is nothing to do until more blocks are sealed.
 */
export function pruneStep(core: SequencerCore, policy: PrunePolicy): number {
  const done = pruneHistory(core, policy, policy.rowsPerStep);
  return done + pruneTrie(core, policy, Math.max(0, policy.rowsPerStep - done));
}

// ---- history ---------------------------------------------------------------------------------

/** Deletes the oldest prunable blocks with their rows: at most `budget` transactions (a block is never split) and `budget` blocks. */
export function pruneHistory(core: SequencerCore, policy: PrunePolicy, budget: number): number {
  if (budget <= 0) return 0;
  const sql = core.sql;
  const floor = Math.max(1, historyFloor(sql));
  const head = Number(core.headNumber);
  const unflushed = lowestUnflushed(sql);
  const executed = core.batcher.lastBlockOf(core.l1Progress().executed) ?? 0;
  const limit = Math.min(head - policy.historyBlocks, unflushed === undefined ? head : unflushed - 1, executed);
  if (limit < floor) return 0;
  let to = Math.min(limit, floor + budget - 1);
  const beyond = sql.query<{ block: number }>(`SELECT block FROM txs WHERE block BETWEEN ? AND ? ORDER BY block, idx LIMIT 1 OFFSET ?`, floor, to, budget)[0];
  if (beyond) to = Math.max(floor, beyond.block - 1);
  // Withdrawal claims outlive the blocks: every batch touched keeps its tree (stored at close; older batches get it now).
  const batches = sql.query<{ number: number }>(`SELECT number FROM batches WHERE number > 0 AND last_block >= ? AND first_block <= ?`, floor, to);
  for (const b of batches) core.batcher.withdrawalTree(b.number);
  return sql.transaction(() => {
    const long = sql.query<{ tx: string; receipt: string }>(
      `SELECT tx, receipt FROM txs WHERE block BETWEEN ? AND ? AND (tx LIKE 'parts:%' OR receipt LIKE 'parts:%')`,
      floor,
      to,
    );
    for (const r of long) {
      deleteValue(sql, r.tx);
      deleteValue(sql, r.receipt);
    }
    const txs = sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM txs WHERE block BETWEEN ? AND ?`, floor, to)[0].n;
    sql.query(`DELETE FROM txs WHERE block BETWEEN ? AND ?`, floor, to);
    sql.query(`DELETE FROM blocks WHERE number BETWEEN ? AND ?`, floor, to);
    sql.query(`DELETE FROM fee_summaries WHERE block BETWEEN ? AND ?`, floor, to);
    sql.query(`DELETE FROM block_data WHERE block BETWEEN ? AND ?`, floor, to);
    // An executed batch's data was what L1 received; its commitment (the chain of state roots) stays.
    sql.query(`UPDATE batches SET data = X'' WHERE number > 0 AND last_block <= ? AND LENGTH(data) > 0`, to);
    setMeta(sql, 'history_floor', String(to + 1));
    return txs + (to - floor + 1);
  });
}

// ---- trie ------------------------------------------------------------------------------------

interface TrieCycle {
  phase: 'mark' | 'sweep';
  /** The head when the cycle began: nodes written after it are never swept by this cycle. */
  head: number;
  /** The lowest block whose root the cycle marks. */
  from: number;
  /** The last key swept. */
  cursor: string;
}

function cycleOf(sql: SqlPort): TrieCycle | undefined {
  const raw = getMeta(sql, 'prune_trie');
  return raw ? (JSON.parse(raw) as TrieCycle) : undefined;
}

/** Starts a cycle when due, then marks or sweeps at most `budget` rows. */
export function pruneTrie(core: SequencerCore, policy: PrunePolicy, budget: number): number {
  if (budget <= 0) return 0;
  const sql = core.sql;
  let cycle = cycleOf(sql);
  if (!cycle) {
    const head = Number(core.headNumber);
    const last = Number(getMeta(sql, 'prune_trie_last') ?? 0);
    if (head - last < policy.trieIntervalBlocks) return 0;
    cycle = startCycle(sql, head, policy);
    return 1;
  }
  return cycle.phase === 'mark' ? markStep(sql, cycle, budget) : sweepStep(sql, cycle, budget);
}

function startCycle(sql: SqlPort, head: number, policy: PrunePolicy): TrieCycle {
  const unflushed = lowestUnflushed(sql);
  const from = Math.max(0, Math.min(head - policy.stateBlocks + 1, unflushed ?? head));
  const cycle: TrieCycle = { phase: 'mark', head, from, cursor: '' };
  sql.transaction(() => {
    const roots = sql
      .query<{ root: string }>(`SELECT DISTINCT json_extract(header, '$.stateRoot') AS root FROM blocks WHERE number BETWEEN ? AND ?`, from, head)
      .map((r) => r.root)
      .filter((r) => r !== EMPTY_TRIE_ROOT)
      .map((r) => [r.slice(2)]);
    run(sql, multiRow('INSERT OR IGNORE INTO trie_frontier (key)', roots));
    setMeta(sql, 'prune_trie', JSON.stringify(cycle));
  });
  return cycle;
}

/** Marks up to `budget` nodes of the frontier and adds their unmarked children to it. */
function markStep(sql: SqlPort, cycle: TrieCycle, budget: number): number {
  return sql.transaction(() => {
    const keys = sql.query<{ key: string }>(`SELECT key FROM trie_frontier LIMIT ?`, budget).map((r) => r.key);
    if (keys.length === 0) {
      // Everything reachable is marked: from now on older states may lose nodes.
      setMeta(sql, 'prune_trie', JSON.stringify({ ...cycle, phase: 'sweep' }));
      if (cycle.from > stateFloor(sql)) setMeta(sql, 'state_floor', String(cycle.from));
      return 1;
    }
    run(sql, whereIn('DELETE FROM trie_frontier WHERE key IN', keys));
    const fresh = multiRow(
      'INSERT OR IGNORE INTO trie_marks (key)',
      keys.map((k) => [k]),
      ' RETURNING key',
    ).flatMap((s) => sql.query<{ key: string }>(s.sql, ...s.params).map((r) => r.key));
    const children: string[] = [];
    for (const s of whereIn('SELECT node FROM trie_nodes WHERE key IN', fresh)) {
      for (const { node } of sql.query<{ node: Uint8Array }>(s.sql, ...s.params)) childKeys(RLP.decode(node) as RlpItem, children);
    }
    const marked = new Set<string>();
    for (const s of whereIn('SELECT key FROM trie_marks WHERE key IN', children))
      for (const r of sql.query<{ key: string }>(s.sql, ...s.params)) marked.add(r.key);
    run(
      sql,
      multiRow(
        'INSERT OR IGNORE INTO trie_frontier (key)',
        [...new Set(children)].filter((k) => !marked.has(k)).map((k) => [k]),
      ),
    );
    return keys.length;
  });
}

type RlpItem = Uint8Array | RlpItem[];

/**
 * The keys of the stored nodes a node refers to: hashed children (an embedded child is walked in
 * place) and, in a state-trie leaf, the account's storage root. A storage leaf's value decodes
 * to bytes, an account's to a list of four items, so no node needs to know which trie it is in.
 */
function childKeys(item: RlpItem, out: string[]): void {
  if (!Array.isArray(item)) return;
  const ref = (c: RlpItem) => {
    if (Array.isArray(c)) childKeys(c, out);
    else if (c.length === 32) out.push(bytesToHex(c).slice(2));
  };
  if (item.length === 17) {
    for (let i = 0; i < 16; i++) ref(item[i]);
    return;
  }
  if (item.length !== 2 || Array.isArray(item[0]) || item[0].length === 0) return;
  const leaf = item[0][0] >> 4 >= 2;
  if (!leaf) {
    ref(item[1]);
    return;
  }
  const value = item[1];
  if (Array.isArray(value)) return;
  let account: RlpItem;
  try {
    account = RLP.decode(value) as RlpItem;
  } catch {
    return;
  }
  if (Array.isArray(account) && account.length === 4 && !Array.isArray(account[2]) && account[2].length === 32) {
    const root = bytesToHex(account[2]);
    if (root !== EMPTY_TRIE_ROOT) out.push(root.slice(2));
  }
}

/** Deletes the unmarked nodes last written at or before the cycle's head, `budget` keys at a time in key order. */
function sweepStep(sql: SqlPort, cycle: TrieCycle, budget: number): number {
  return sql.transaction(() => {
    const page = sql.query<{ key: string }>(`SELECT key FROM trie_nodes WHERE key > ? ORDER BY key LIMIT ?`, cycle.cursor, budget);
    if (page.length === 0) {
      const left = sql.query<{ key: string }>(`SELECT key FROM trie_marks LIMIT ?`, budget).map((r) => r.key);
      if (left.length > 0) {
        run(sql, whereIn('DELETE FROM trie_marks WHERE key IN', left));
        return left.length;
      }
      sql.query(`DELETE FROM meta WHERE key = 'prune_trie'`);
      setMeta(sql, 'prune_trie_last', String(cycle.head));
      return 1;
    }
    const last = page[page.length - 1].key;
    sql.query(
      `DELETE FROM trie_nodes WHERE key > ?1 AND key <= ?2 AND block <= ?3 AND NOT EXISTS (SELECT 1 FROM trie_marks m WHERE m.key = trie_nodes.key)`,
      cycle.cursor,
      last,
      cycle.head,
    );
    sql.query(`DELETE FROM trie_marks WHERE key <= ?`, last);
    setMeta(sql, 'prune_trie', JSON.stringify({ ...cycle, cursor: last }));
    return page.length;
  });
}

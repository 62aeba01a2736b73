import { EMPTY_ROLLING_HASH, type PriorityOp } from '../bridge/priorityOps.ts';
import { type Hex, lower } from '../chain/hex.ts';
import { InvalidParamsError } from '../errors.ts';
import type { SqlPort } from '../storage/sql.ts';
import { getMeta, setMeta } from './schema.ts';

/** Priority operations one block takes at most; the rest wait for the next block. */
export const MAX_PRIORITY_OPS_PER_BLOCK = 256;

type OpRow = { idx: number; l1_sender: Hex; l2_recipient: Hex; amount: string; l1_tx_hash: Hex | null; block?: number | null };
const OP_COLUMNS = 'idx, l1_sender, l2_recipient, amount, l1_tx_hash';

function opOf(r: OpRow): PriorityOp {
  const op: PriorityOp = { index: BigInt(r.idx), l1Sender: r.l1_sender, l2Recipient: r.l2_recipient, amount: BigInt(r.amount) };
  if (r.l1_tx_hash) op.l1TxHash = r.l1_tx_hash;
  return op;
}

/**
 * The L1 priority queue as the sequencer sees it: operations the settlement worker read from L1
 * (after its confirmations), applied at the start of blocks in queue order. Handing the same
 * operation over twice is harmless; a gap is refused, so nothing is ever applied out of order.
 */
export class PriorityQueue {
  private readonly sql: SqlPort;
  constructor(sql: SqlPort) {
    this.sql = sql;
  }

  /** Stores operations not seen before; returns how many were new. */
  add(ops: PriorityOp[]): number {
    return this.sql.transaction(() => {
      let added = 0;
      for (const op of [...ops].sort((a, b) => (a.index < b.index ? -1 : 1))) {
        if (op.index < 0n || op.amount < 0n) throw new InvalidParamsError(`priority operation ${op.index} has a negative index or amount`);
        const next = this.known();
        if (op.index > next) throw new InvalidParamsError(`priority operation ${op.index} leaves a gap: the next expected is ${next}`);
        if (op.index < next) {
          const row = this.sql.query<{ l1_sender: string; l2_recipient: string; amount: string }>(
            `SELECT l1_sender, l2_recipient, amount FROM priority_ops WHERE idx = ?`,
            Number(op.index),
          )[0];
          if (row && (row.l1_sender !== lower(op.l1Sender) || row.l2_recipient !== lower(op.l2Recipient) || row.amount !== op.amount.toString())) {
            throw new InvalidParamsError(`priority operation ${op.index} differs from the one already received`);
          }
          continue;
        }
        this.sql.query(
          `INSERT INTO priority_ops (idx, l1_sender, l2_recipient, amount, l1_tx_hash) VALUES (?, ?, ?, ?, ?)`,
          Number(op.index),
          lower(op.l1Sender),
          lower(op.l2Recipient),
          op.amount.toString(),
          op.l1TxHash ? lower(op.l1TxHash) : null,
        );
        added++;
      }
      return added;
    });
  }

  /** Number of operations received (the next index expected). */
  known(): bigint {
    return BigInt(this.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM priority_ops`)[0].n);
  }

  /** Operations received but not yet in a block, in queue order. */
  pending(limit = MAX_PRIORITY_OPS_PER_BLOCK): PriorityOp[] {
    return this.sql.query<OpRow>(`SELECT ${OP_COLUMNS} FROM priority_ops WHERE block IS NULL ORDER BY idx LIMIT ?`, limit).map((r) => opOf(r));
  }

  /**
   * One operation by its index or by the L1 transaction that made it (the first such, by index, when
   * one L1 transaction made several), with the block that applied it (null while it waits): an
   * indexed point lookup.
   */
  find(key: { index: bigint } | { l1TxHash: Hex }): (PriorityOp & { block: number | null }) | null {
    const row =
      'index' in key
        ? key.index > BigInt(Number.MAX_SAFE_INTEGER)
          ? undefined
          : this.sql.query<OpRow>(`SELECT ${OP_COLUMNS}, block FROM priority_ops WHERE idx = ?`, Number(key.index))[0]
        : this.sql.query<OpRow>(`SELECT ${OP_COLUMNS}, block FROM priority_ops WHERE l1_tx_hash = ? ORDER BY idx LIMIT 1`, lower(key.l1TxHash))[0];
    return row ? { ...opOf(row), block: row.block ?? null } : null;
  }

  hasPending(): boolean {
    return this.sql.query(`SELECT 1 AS one FROM priority_ops WHERE block IS NULL LIMIT 1`).length > 0;
  }

  /** The rolling hash after every operation included so far. */
  rollingHash(): Hex {
    return (getMeta(this.sql, 'priority_rolling_hash') as Hex | undefined) ?? EMPTY_ROLLING_HASH;
  }

  /** Marks `ops` included in `block`; call inside the block's SQL transaction. */
  consume(ops: PriorityOp[], block: number, rollingHashAfter: Hex): void {
    if (ops.length === 0) return;
    this.sql.query(`UPDATE priority_ops SET block = ? WHERE idx BETWEEN ? AND ?`, block, Number(ops[0].index), Number(ops[ops.length - 1].index));
    setMeta(this.sql, 'priority_rolling_hash', rollingHashAfter);
  }
}

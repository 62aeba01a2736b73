import type { Hex } from '../chain/hex.ts';
import type { SqlPort } from '../storage/sql.ts';
import { type ProvingJob, QUEUE_BATCH_MAX, traceKey } from './job.ts';

/**
 * Proving reconciliation: the proofs table is the source of truth for what is proven, the
 * sequencer for what was sealed. A sealed block that has no accepted proof past a deadline gets its
 * proving job sent again, whatever lost the first one (a message dropped or refused by the queue, a
 * job dead-lettered after its retries, a queue emptied by a restart). Resends of a block wait
 * longer each time; the work of one run is bounded (blocks scanned, jobs sent, blobs looked up).
 */

/** The sequencer, as the reconciler sees it. */
export interface SealedBlocks {
  head(): Promise<number>;
  /**
   * What the reconciler needs of each listed block (at most RECONCILE_MAX_SENDS of them): its hash,
   * when it was sealed, and, while its trace has not left the sequencer's outbox yet (R2 + queue),
   * that entry's failed attempts and last error. Blocks the sequencer does not hold are left out.
   */
  blocks(numbers: number[]): Promise<SealedBlockInfo[]>;
}

export interface SealedBlockInfo {
  number: number;
  hash: Hex;
  sealedAtMs: number;
  /** Present while the block's trace entry is still in the sequencer's outbox. */
  traceOutbox: { attempts: number; error: string | null } | null;
}

/** Where the provers put accepted proofs (D1's block_proofs in the Worker). */
export interface ProofLedger {
  /** The proven blocks among from..to (one indexed range read). */
  proven(from: number, to: number): Promise<Set<number>>;
}

/** The trace blobs (R2): the hash stored with a blob, null when there is no blob under the key. */
export interface TraceStore {
  traceHash(key: string): Promise<Hex | null>;
}

/** The proving queue's producer. */
export interface JobSender {
  send(jobs: ProvingJob[]): Promise<void>;
}

export interface ReconcilerPorts {
  sealed: SealedBlocks;
  proofs: ProofLedger;
  traces: TraceStore;
  queue: JobSender;
}

export interface ReconcileConfig {
  chainId: bigint;
  /** A block without a proof this long after it was sealed gets its job sent again. */
  retryAfterMs: number;
}

/** Blocks above the proven floor looked at per run (proof rows read from D1 at most). */
export const RECONCILE_SCAN_BLOCKS = 1000;
/** Jobs sent (and blobs looked up) per run at most: one queue sendBatch. */
export const RECONCILE_MAX_SENDS = QUEUE_BATCH_MAX;
/** The delay before a block's next resend doubles with each resend, up to this. */
export const RECONCILE_MAX_DELAY_MS = 60 * 60 * 1000;

export interface ResendRow {
  block: number;
  attempts: number;
  lastSentAt: number;
  nextAt: number;
  reason: string;
}

export interface ReconcileReport {
  /** Every block at or below it has an accepted proof. */
  floor: number;
  head: number;
  /** Blocks without a proof among those scanned (floor+1 .. floor+RECONCILE_SCAN_BLOCKS). */
  missing: number;
  resent: number[];
  /** Blocks whose trace is not in R2 though it left the outbox: nothing can be sent for them. */
  traceMissing: number[];
  /** Blocks whose trace is still in the sequencer's outbox (its retries carry it). */
  inOutbox: number[];
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS proving_resends (block INTEGER PRIMARY KEY, attempts INTEGER NOT NULL, last_sent_at INTEGER NOT NULL, next_at INTEGER NOT NULL, reason TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS proving_reconcile (id INTEGER PRIMARY KEY CHECK (id = 0), floor INTEGER NOT NULL, report TEXT NOT NULL, ran_at INTEGER NOT NULL)`,
];

export function resendDelay(retryAfterMs: number, attempts: number): number {
  return Math.min(retryAfterMs * 2 ** Math.min(attempts, 30), RECONCILE_MAX_DELAY_MS);
}

/**
 * Keeps its checkpoint in its own SQL storage (the Settlement Durable Object's): the proven floor
 * and, per block sent again, how often and when next. Runs may overlap only if the caller lets
 * them; a repeated send is harmless (the prover writes one proof per block).
 */
export class ProvingReconciler {
  private readonly sql: SqlPort;
  private readonly config: ReconcileConfig;
  private readonly ports: ReconcilerPorts;

  constructor(sql: SqlPort, config: ReconcileConfig, ports: ReconcilerPorts) {
    this.sql = sql;
    this.config = config;
    this.ports = ports;
    sql.transaction(() => {
      for (const s of SCHEMA) sql.query(s);
    });
  }

  floor(): number {
    return this.sql.query<{ floor: number }>(`SELECT floor FROM proving_reconcile WHERE id = 0`)[0]?.floor ?? 0;
  }

  async run(now: number): Promise<ReconcileReport> {
    const head = await this.ports.sealed.head();
    let floor = this.floor();
    const report: ReconcileReport = { floor, head, missing: 0, resent: [], traceMissing: [], inOutbox: [] };
    const from = floor + 1;
    const to = Math.min(head, floor + RECONCILE_SCAN_BLOCKS);
    if (from <= to) {
      const proven = await this.ports.proofs.proven(from, to);
      while (floor < to && proven.has(floor + 1)) floor++;
      const missing: number[] = [];
      for (let n = floor + 1; n <= to; n++) if (!proven.has(n)) missing.push(n);
      report.floor = floor;
      report.missing = missing.length;
      const resends = this.resendRows(floor + 1, to);
      // Oldest first: settlement proves batches in order, so the lowest gaps are the ones it waits for.
      const due = missing.filter((n) => (resends.get(n)?.nextAt ?? 0) <= now).slice(0, RECONCILE_MAX_SENDS);
      const infos = due.length > 0 ? await this.ports.sealed.blocks(due) : [];
      const jobs: ProvingJob[] = [];
      const rows: ResendRow[] = [];
      for (const info of infos) {
        const earlier = resends.get(info.number);
        if (info.traceOutbox) {
          report.inOutbox.push(info.number);
          continue;
        }
        if (!earlier && now - info.sealedAtMs < this.config.retryAfterMs) continue;
        const attempts = (earlier?.attempts ?? 0) + 1;
        const key = traceKey(this.config.chainId, info.number, info.hash);
        const traceHash = await this.ports.traces.traceHash(key);
        const next = { block: info.number, attempts, lastSentAt: now, nextAt: now + resendDelay(this.config.retryAfterMs, attempts) };
        if (!traceHash) {
          report.traceMissing.push(info.number);
          rows.push({ ...next, reason: `no trace blob under ${key}` });
          continue;
        }
        jobs.push({ block: info.number, blockHash: info.hash, key, traceHash, resend: attempts });
        rows.push({ ...next, reason: earlier ? 'still no proof after a resend' : `no proof ${Math.round((now - info.sealedAtMs) / 1000)} s after sealing` });
      }
      // Sent before the checkpoint moves: a crash in between sends again, never skips.
      for (let i = 0; i < jobs.length; i += QUEUE_BATCH_MAX) await this.ports.queue.send(jobs.slice(i, i + QUEUE_BATCH_MAX));
      report.resent = jobs.map((j) => j.block);
      this.sql.transaction(() => {
        for (const r of rows) {
          this.sql.query(
            `INSERT INTO proving_resends (block, attempts, last_sent_at, next_at, reason) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (block) DO UPDATE SET attempts = excluded.attempts, last_sent_at = excluded.last_sent_at, next_at = excluded.next_at, reason = excluded.reason`,
            r.block,
            r.attempts,
            r.lastSentAt,
            r.nextAt,
            r.reason,
          );
        }
        // Proven blocks need no resend bookkeeping any more.
        this.sql.query(`DELETE FROM proving_resends WHERE block <= ?`, floor);
      });
    }
    this.sql.query(
      `INSERT INTO proving_reconcile (id, floor, report, ran_at) VALUES (0, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET floor = excluded.floor, report = excluded.report, ran_at = excluded.ran_at`,
      report.floor,
      JSON.stringify(report),
      now,
    );
    return report;
  }

  private resendRows(from: number, to: number): Map<number, ResendRow> {
    const rows = this.sql.query<{ block: number; attempts: number; last_sent_at: number; next_at: number; reason: string }>(
      `SELECT block, attempts, last_sent_at, next_at, reason FROM proving_resends WHERE block BETWEEN ? AND ?`,
      from,
      to,
    );
    return new Map(rows.map((r) => [r.block, { block: r.block, attempts: r.attempts, lastSentAt: r.last_sent_at, nextAt: r.next_at, reason: r.reason }]));
  }

  /** The last run's report and the lowest blocks sent again (at most `limit`), for /status. */
  status(limit = 16): { lastRun: number | null; last: ReconcileReport | null; resends: ResendRow[] } {
    const row = this.sql.query<{ report: string; ran_at: number }>(`SELECT report, ran_at FROM proving_reconcile WHERE id = 0`)[0];
    const resends = this.sql
      .query<{ block: number; attempts: number; last_sent_at: number; next_at: number; reason: string }>(
        `SELECT block, attempts, last_sent_at, next_at, reason FROM proving_resends ORDER BY block LIMIT ?`,
        limit,
      )
      .map((r) => ({ block: r.block, attempts: r.attempts, lastSentAt: r.last_sent_at, nextAt: r.next_at, reason: r.reason }));
    return { lastRun: row?.ran_at ?? null, last: row ? (JSON.parse(row.report) as ReconcileReport) : null, resends };
  }
}

import type { ChainConfig } from '../../core/chain/config.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import type { ProvingJob } from '../../core/proving/job.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { signStatement, statementFor } from '../../core/proving/statement.ts';
import { decodeTrace, TraceFormatError } from '../../core/proving/trace.ts';
import { indexMigrations } from '../../migrations/index.ts';
import { wasmRecover } from '../crypto/secp256k1.ts';
import type { Env } from '../env.ts';
import { migrate } from '../index-db/migrate.ts';
import { proverKey, proverKeyCheck } from './key.ts';
import { injectedFailure } from './queue.ts';

type Outcome = 'proven' | 'already proven' | 'refused';

/** How long jobs wait before the next delivery while the prover key is refused. */
export const REFUSED_KEY_RETRY_S = 300;

/**
 * Proves one block from its trace blob alone, or records why it cannot. A refusal (altered or
 * inconsistent trace) is final and recorded; it is never signed. Errors of the platform (blob not
 * there yet, D1 unavailable) are thrown so that the message is retried.
 */
export async function proveJob(env: Env, config: ChainConfig, job: ProvingJob): Promise<Outcome> {
  // A missing or public key: thrown before any work, so the job is retried, never acknowledged.
  const key = proverKey(env);
  const db = env.INDEX_DB;
  await migrate(db, indexMigrations);
  const done = await db.prepare(`SELECT block_hash FROM block_proofs WHERE block = ?`).bind(job.block).first<{ block_hash: string }>();
  if (done?.block_hash === job.blockHash) return 'already proven';
  const object = await env.TRACES.get(job.key);
  if (!object) throw new Error(`trace blob ${job.key} is not in R2 (yet)`);
  const bytes = new Uint8Array(await object.arrayBuffer());
  const refuse = async (reason: string): Promise<Outcome> => {
    // Counted only when it is the first refusal of this trace: a redelivered job replaces its row.
    await db.batch([
      db
        .prepare(
          `UPDATE proving_counts SET failures = failures + 1 WHERE id = 0 AND NOT EXISTS (SELECT 1 FROM proving_failures WHERE block = ? AND trace_hash = ?)`,
        )
        .bind(job.block, job.traceHash),
      db
        .prepare(`INSERT OR REPLACE INTO proving_failures (block, trace_hash, reason, failed_at) VALUES (?, ?, ?, ?)`)
        .bind(job.block, job.traceHash, reason.slice(0, 1000), Date.now()),
    ]);
    return 'refused';
  };
  if (keccakHex(bytes) !== job.traceHash) return refuse(`the blob's hash ${keccakHex(bytes)} is not the job's ${job.traceHash}`);
  let trace: ReturnType<typeof decodeTrace>;
  try {
    trace = decodeTrace(bytes);
  } catch (e) {
    if (e instanceof TraceFormatError) return refuse(e.message);
    throw e;
  }
  if (trace.chainId !== config.chainId || trace.env.number !== BigInt(job.block)) return refuse('the trace is for another chain or block');
  // Judged against the chain's configuration this Worker was given, never the trace's own word.
  const verdict = await reexecuteBlock(trace, config, await wasmRecover());
  if (!verdict.valid) return refuse(verdict.reason);
  if (verdict.result.blockHash !== job.blockHash) return refuse(`re-executed block hash ${verdict.result.blockHash} is not the job's ${job.blockHash}`);
  const proof = signStatement(statementFor(trace, verdict.result, bytes), key);
  const statement = JSON.stringify(proof.statement, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  // One transaction: the count goes up only if this insert is the block's first proof (deliveries repeat).
  const [, written] = await db.batch([
    db.prepare(`UPDATE proving_counts SET proofs = proofs + 1 WHERE id = 0 AND NOT EXISTS (SELECT 1 FROM block_proofs WHERE block = ?)`).bind(job.block),
    db
      .prepare(
        `INSERT OR IGNORE INTO block_proofs (block, block_hash, trace_hash, digest, signature, prover, statement, proven_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(job.block, job.blockHash, job.traceHash, proof.digest, proof.signature, proof.prover, statement, Date.now()),
  ]);
  return written.meta.changes > 0 ? 'proven' : 'already proven';
}

/** The queue consumer: each message acknowledged on its own, retried with a growing delay on platform errors. */
export async function consumeProvingJobs(batch: MessageBatch<ProvingJob>, env: Env, config: ChainConfig): Promise<void> {
  const key = proverKeyCheck(env);
  if (!key.ok) {
    // Refused (no PROVER_KEY, or a public one; /status says so): no job is acknowledged unproven.
    // Each goes back to the queue for a later delivery; after max_retries it is dead-lettered and
    // recorded, for the proving reconciliation to send again once the secret is set.
    console.error(`refusing to prove ${batch.messages.length} jobs: ${key.reason}`);
    batch.retryAll({ delaySeconds: REFUSED_KEY_RETRY_S });
    return;
  }
  for (const message of batch.messages) {
    try {
      injectedFailure(env, message.body);
      await proveJob(env, config, message.body);
      message.ack();
    } catch (e) {
      // Back off a little more each time: a platform error (D1 busy, the blob not readable yet) is
      // usually gone seconds later, and five immediate retries would send a good job to the DLQ.
      const delaySeconds = Math.min(message.attempts, 10);
      console.error(`proving job for block ${message.body?.block} failed (attempt ${message.attempts}), retrying in ${delaySeconds} s`, e);
      message.retry({ delaySeconds });
    }
  }
}

/**
 * Jobs that exhausted their retries: recorded (idempotently, by message id) for the status. The
 * block is not given up: the proving reconciler (core/proving/reconcile.ts, from the cron) sends
 * its job again, since it still has no proof.
 */
export async function recordDeadLetters(batch: MessageBatch<ProvingJob>, env: Env): Promise<void> {
  await migrate(env.INDEX_DB, indexMigrations);
  const db = env.INDEX_DB;
  for (const message of batch.messages) {
    await db.batch([
      db
        .prepare(
          `UPDATE proving_counts SET dead_letters = dead_letters + 1 WHERE id = 0 AND NOT EXISTS (SELECT 1 FROM proving_dead_letters WHERE message_id = ?)`,
        )
        .bind(message.id),
      db
        .prepare(`INSERT OR IGNORE INTO proving_dead_letters (message_id, block, trace_key, attempts, received_at) VALUES (?, ?, ?, ?, ?)`)
        .bind(message.id, message.body?.block ?? null, message.body?.key ?? null, message.attempts, Date.now()),
    ]);
    message.ack();
  }
}

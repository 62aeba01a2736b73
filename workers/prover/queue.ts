import type { ProvingJob } from '../../core/proving/job.ts';
import type { JobSender } from '../../core/proving/reconcile.ts';
import type { Env } from '../env.ts';

/**
 * Fault injection for tests of the proving pipeline, local only (`npm run deploy:check` refuses a
 * configuration that sets it): `PROVING_FAULTS=drop:5,deadletter:7` makes the producer lose the
 * first job of block 5 without an error, and the consumer fail every delivery of the first job of
 * block 7 until the queue dead-letters it. Jobs sent again by the reconciler (`resend`) pass.
 */
export interface ProvingFaults {
  drop: Set<number>;
  deadLetter: Set<number>;
}

export function provingFaults(env: Env): ProvingFaults | null {
  if (!env.PROVING_FAULTS) return null;
  const faults: ProvingFaults = { drop: new Set(), deadLetter: new Set() };
  for (const item of env.PROVING_FAULTS.split(',')) {
    const [kind, block] = item.trim().split(':');
    const n = Number(block);
    if (!Number.isInteger(n) || (kind !== 'drop' && kind !== 'deadletter')) throw new Error(`PROVING_FAULTS: cannot read ${item}`);
    (kind === 'drop' ? faults.drop : faults.deadLetter).add(n);
  }
  return faults;
}

/** The proving queue's producer (sendBatch, at most 100 messages per call), with the injected faults if any. */
export function provingQueue(env: Env): JobSender {
  const faults = provingFaults(env);
  return {
    async send(jobs: ProvingJob[]) {
      const kept = faults ? jobs.filter((j) => j.resend !== undefined || !faults.drop.has(j.block)) : jobs;
      if (kept.length < jobs.length) console.warn(`PROVING_FAULTS: dropped the jobs of blocks ${jobs.filter((j) => !kept.includes(j)).map((j) => j.block)}`);
      if (kept.length > 0) await env.PROVING_QUEUE.sendBatch(kept.map((body) => ({ body })));
    },
  };
}

/** Throws for a delivery PROVING_FAULTS says must fail (so that the queue retries, then dead-letters it). */
export function injectedFailure(env: Env, job: ProvingJob): void {
  const faults = provingFaults(env);
  if (faults?.deadLetter.has(job.block) && job.resend === undefined) throw new Error(`PROVING_FAULTS: delivery of block ${job.block}'s job fails`);
}

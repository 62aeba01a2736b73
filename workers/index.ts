import type { ProvingJob } from '../core/proving/job.ts';
import { SubscriptionHub } from '../durable-objects/hub.ts';
import { Sequencer } from '../durable-objects/sequencer.ts';
import { Settlement } from '../durable-objects/settlement.ts';
import { Simulator } from '../durable-objects/simulator.ts';
import { type Env, sequencerStub, settlementStub } from './env.ts';
import { consumeProvingJobs, recordDeadLetters } from './prover/consume.ts';
import { PROVING_DEAD_LETTER_QUEUE } from './prover/jobs.ts';
import { app, chainConfig } from './rpc/app.ts';

export { Sequencer, Settlement, Simulator, SubscriptionHub };

/**
 * The whole chain is this one Worker: `fetch` serves JSON-RPC, `scheduled` is the settlement
 * cron (it also backs up the sequencer's outbox flush), `queue` proves blocks from their trace
 * blobs (workers/prover).
 */
export default {
  fetch: app.fetch,

  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sequencerStub(env).flushOutbox());
    // Proving heals here rather than in the sequencer's alarm: the cron fires whether or not blocks
    // are being sealed (the alarm sleeps when the chain is idle), and it keeps D1 and R2 reads off
    // the sequencer's thread (docs/decisions/0014).
    ctx.waitUntil(
      settlementStub(env)
        .reconcileProving()
        .then((r) => {
          if (r.resent.length > 0 || r.traceMissing.length > 0)
            console.warn(
              `proving reconciliation: sent again the jobs of blocks ${r.resent.join(', ') || 'none'}; no trace in R2 for ${r.traceMissing.join(', ') || 'none'}`,
            );
        })
        .catch((e: unknown) => console.error('proving reconciliation failed:', e)),
    );
    ctx.waitUntil(
      settlementStub(env)
        .run()
        .then((r) => {
          if (r.error) console.error('settlement run failed:', r.error);
        }),
    );
  },

  async queue(batch, env, _ctx) {
    if (batch.queue === PROVING_DEAD_LETTER_QUEUE) return recordDeadLetters(batch as MessageBatch<ProvingJob>, env);
    await consumeProvingJobs(batch as MessageBatch<ProvingJob>, env, chainConfig(env));
  },
} satisfies ExportedHandler<Env>;

import { SubscriptionHub } from '../durable-objects/hub.ts';
import { Sequencer } from '../durable-objects/sequencer.ts';
import { Settlement } from '../durable-objects/settlement.ts';
import { Simulator } from '../durable-objects/simulator.ts';
import { type Env, sequencerStub, settlementStub } from './env.ts';
import { consumeProvingJobs, recordDeadLetters } from './prover/consume.ts';
import { PROVING_DEAD_LETTER_QUEUE, type ProvingJob } from './prover/jobs.ts';
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

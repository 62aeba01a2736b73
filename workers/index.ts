import { Sequencer } from '../durable-objects/sequencer.ts';
import type { Env } from './env.ts';
import { consumeProvingJobs, recordDeadLetters } from './prover/consume.ts';
import { PROVING_DEAD_LETTER_QUEUE, type ProvingJob } from './prover/jobs.ts';
import { app, chainConfig } from './rpc/app.ts';
import { sequencerStub } from './rpc/context.ts';

export { Sequencer };

/**
 * The whole chain is this one Worker: `fetch` serves JSON-RPC, `scheduled` is the settlement
 * cron (today: a backstop that flushes the sequencer's outbox), `queue` proves blocks from their
 * trace blobs (workers/prover).
 */
export default {
  fetch: app.fetch,

  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sequencerStub(env).flushOutbox());
  },

  async queue(batch, env, _ctx) {
    if (batch.queue === PROVING_DEAD_LETTER_QUEUE) return recordDeadLetters(batch as MessageBatch<ProvingJob>, env);
    await consumeProvingJobs(batch as MessageBatch<ProvingJob>, env, chainConfig(env));
  },
} satisfies ExportedHandler<Env>;

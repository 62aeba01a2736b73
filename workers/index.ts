import { Sequencer } from '../durable-objects/sequencer.ts';
import type { Env } from './env.ts';
import { app } from './rpc/app.ts';
import { sequencerStub } from './rpc/context.ts';

export { Sequencer };

/**
 * The whole chain is this one Worker: `fetch` serves JSON-RPC, `scheduled` is the settlement
 * cron (today: a backstop that flushes the sequencer's outbox to D1), `queue` consumes proving
 * jobs (the prover arrives with the proving pipeline; until then no producer sends any).
 */
export default {
  fetch: app.fetch,

  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sequencerStub(env).flushOutbox());
  },

  async queue(batch) {
    for (const message of batch.messages) {
      console.error(`proving job ${message.id} received but this version has no prover: retried, then dead-lettered`);
      message.retry();
    }
  },
} satisfies ExportedHandler<Env>;

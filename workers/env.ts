import type { ChainVars } from '../core/chain/config.ts';
import type { Sequencer } from '../durable-objects/sequencer.ts';

/** Bindings declared in wrangler.toml. */
export interface Env extends ChainVars {
  SEQUENCER: DurableObjectNamespace<Sequencer>;
  INDEX_DB: D1Database;
  STATE_SHARD_0: D1Database;
  STATE_SHARD_1: D1Database;
  TRACES: R2Bucket;
  PROVING_QUEUE: Queue<import('./prover/jobs.ts').ProvingJob>;
  /** The prover's signing key (a secret; the development key when unset). */
  PROVER_KEY?: string;
}

/** The state shard databases in shard order, as many as STATE_SHARDS says. */
export function stateShards(env: Env, count: number): D1Database[] {
  const all = [env.STATE_SHARD_0, env.STATE_SHARD_1];
  if (count > all.length) throw new Error(`STATE_SHARDS=${count} but only ${all.length} shard databases are bound in wrangler.toml`);
  return all.slice(0, count);
}

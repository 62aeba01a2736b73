import type { ChainVars } from '../core/chain/config.ts';
import type { CallLimitVars } from '../core/simulation/limits.ts';
import type { Sequencer } from '../durable-objects/sequencer.ts';
import type { Settlement } from '../durable-objects/settlement.ts';
import type { Simulator } from '../durable-objects/simulator.ts';

/** Bindings declared in wrangler.toml. */
export interface Env extends ChainVars, CallLimitVars {
  SEQUENCER: DurableObjectNamespace<Sequencer>;
  /** Read-only execution (eth_call and friends), off the sequencer's thread. */
  SIMULATOR: DurableObjectNamespace<Simulator>;
  /** How many Simulator objects the edge spreads executions over (default 4). */
  SIMULATOR_REPLICAS?: string;
  SETTLEMENT: DurableObjectNamespace<Settlement>;
  INDEX_DB: D1Database;
  STATE_SHARD_0: D1Database;
  STATE_SHARD_1: D1Database;
  TRACES: R2Bucket;
  PROVING_QUEUE: Queue<import('./prover/jobs.ts').ProvingJob>;
  /** JSON-RPC calls per client address, and per API key (workers/rpc/rateLimit.ts). */
  RPC_RATE_LIMIT: RateLimit;
  RPC_KEY_RATE_LIMIT: RateLimit;
  /** The API keys that get RPC_KEY_RATE_LIMIT instead of the address limit, comma-separated (a secret; none when unset). */
  API_KEYS?: string;
  /** The prover's signing key (a secret; the development key when unset). */
  PROVER_KEY?: string;
  /** L1 settlement (all unset: settlement off). */
  L1_RPC_URL?: string;
  ROLLUP_ADDRESS?: string;
  BRIDGE_ADDRESS?: string;
  L1_DEPLOY_BLOCK?: string;
  L1_CONFIRMATIONS?: string;
  /** The L1 operator key (a secret; the development key when unset). */
  OPERATOR_KEY?: string;
  /** A block without a proof this long after sealing gets its proving job sent again (default 120000). */
  PROVING_RETRY_AFTER_MS?: string;
  /** Settlement waiting this long for the block proofs of its next batch is an error in /status (default 600000). */
  PROVING_STALL_MS?: string;
  /** Local fault injection (workers/prover/queue.ts); refused by `npm run deploy:check`. */
  PROVING_FAULTS?: string;
}

/** The state shard databases in shard order, as many as STATE_SHARDS says. */
export function stateShards(env: Env, count: number): D1Database[] {
  const all = [env.STATE_SHARD_0, env.STATE_SHARD_1];
  if (count > all.length) throw new Error(`STATE_SHARDS=${count} but only ${all.length} shard databases are bound in wrangler.toml`);
  return all.slice(0, count);
}

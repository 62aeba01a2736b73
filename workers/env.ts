import type { ChainVars } from '../core/chain/config.ts';
import type { PruneVars } from '../core/sequencer/prune.ts';
import type { CallLimitVars } from '../core/simulation/limits.ts';
import type { TraceLimitVars } from '../core/tracing/index.ts';
import type { SubscriptionHub } from '../durable-objects/hub.ts';
import type { Sequencer } from '../durable-objects/sequencer.ts';
import type { Settlement } from '../durable-objects/settlement.ts';
import type { Simulator } from '../durable-objects/simulator.ts';

/**
 * The Cloudflare bindings and the Durable Object stubs, in one module. It names the Durable Object
 * classes by type only, so it is a leaf of the import graph: durable-objects/ and workers/ both
 * import it and neither imports the other through it (test/unit/structure.test.ts checks).
 */

/** Bindings declared in wrangler.toml. */
export interface Env extends ChainVars, CallLimitVars, TraceLimitVars, PruneVars {
  SEQUENCER: DurableObjectNamespace<Sequencer>;
  /** Read-only execution (eth_call and friends), off the sequencer's thread. */
  SIMULATOR: DurableObjectNamespace<Simulator>;
  /** How many Simulator objects the edge spreads executions over (default 4). */
  SIMULATOR_REPLICAS?: string;
  SETTLEMENT: DurableObjectNamespace<Settlement>;
  /** WebSocket subscriptions and HTTP filters, sharded over HUB_SHARDS hubs (durable-objects/hub.ts). */
  HUB: DurableObjectNamespace<SubscriptionHub>;
  /** How many hubs sockets and filters are spread over (default 8). */
  HUB_SHARDS?: string;
  INDEX_DB: D1Database;
  STATE_SHARD_0: D1Database;
  STATE_SHARD_1: D1Database;
  TRACES: R2Bucket;
  PROVING_QUEUE: Queue<import('../core/proving/job.ts').ProvingJob>;
  /** JSON-RPC calls per client address, and per API key (workers/rpc/rateLimit.ts). */
  RPC_RATE_LIMIT: RateLimit;
  RPC_KEY_RATE_LIMIT: RateLimit;
  /** The API keys that get RPC_KEY_RATE_LIMIT instead of the address limit, comma-separated (a secret; none when unset). */
  API_KEYS?: string;
  /** The prover's signing key (a secret; required unless DEV_CHAIN, where it defaults to the development key). */
  PROVER_KEY?: string;
  /** Addresses of the block provers whose proofs settlement counts, comma-separated (required to settle unless DEV_CHAIN). */
  TRUSTED_PROVERS?: string;
  /** L1 settlement (all unset: settlement off). */
  L1_RPC_URL?: string;
  ROLLUP_ADDRESS?: string;
  BRIDGE_ADDRESS?: string;
  L1_DEPLOY_BLOCK?: string;
  L1_CONFIRMATIONS?: string;
  /** The L1 operator key (a secret; required to settle unless DEV_CHAIN, where it defaults to the development key). */
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

// ---- Durable Object stubs -----------------------------------------------------------------------

export type SequencerStub = DurableObjectStub<Sequencer>;
export type SimulatorStub = DurableObjectStub<Simulator>;

/**
 * The whole sequencer: for the Worker's own cron (the outbox backstop) and for tests. The public
 * edge uses `publicSequencer`, the settlement worker `l1Sequencer`; workers/rpc may import neither
 * this nor `l1Sequencer` (test/unit/structure.test.ts).
 */
export function sequencerStub(env: Env): SequencerStub {
  return env.SEQUENCER.get(env.SEQUENCER.idFromName('sequencer'));
}

/** What anyone on the internet can make the sequencer do: admit transactions and answer reads. */
export type PublicSequencer = Pick<
  SequencerStub,
  | 'submit'
  | 'submitAndWait'
  | 'headNumber'
  | 'head'
  | 'gasPriceBaseFee'
  | 'taggedBlock'
  | 'block'
  | 'blockByHash'
  | 'blockNumberByHash'
  | 'blockReceipts'
  | 'receipt'
  | 'transaction'
  | 'transactionStatus'
  | 'deposit'
  | 'txpoolContent'
  | 'withdrawalProof'
  | 'pendingNonce'
  | 'account'
  | 'code'
  | 'storageAt'
  | 'proof'
  | 'feeHistory'
  | 'logs'
  | 'status'
>;

/** What a subscription hub asks of the sequencer: to be sent each sealed block (durable-objects/hubFeed.ts). */
export type HubSequencer = Pick<SequencerStub, 'watchBlocks'>;

export function hubSequencer(env: Env): HubSequencer {
  return sequencerStub(env);
}

export function publicSequencer(env: Env): PublicSequencer {
  return sequencerStub(env);
}

/** The simulators' view: the feed of blocks D1 has not indexed yet, and the trace blobs not yet in R2 (debug_trace*). */
export type FeedSequencer = Pick<SequencerStub, 'unindexed' | 'traceBlob'>;

export function feedSequencer(env: Env): FeedSequencer {
  return sequencerStub(env);
}

/**
 * The privileged side, for the settlement worker only: it credits L1 deposits, records L1 progress
 * (which moves `safe` and `finalized`) and closes batches; the proving reconciler, which runs there
 * too, reads which blocks were sealed with which trace.
 */
export type L1Sequencer = Pick<
  SequencerStub,
  'addPriorityOps' | 'priorityOpsKnown' | 'setL1Progress' | 'closeDueBatch' | 'batches' | 'batchWithdrawals' | 'headNumber' | 'provingBlocks'
>;

export function l1Sequencer(env: Env): L1Sequencer {
  return sequencerStub(env);
}

export function settlementStub(env: Env): DurableObjectStub<Settlement> {
  return env.SETTLEMENT.get(env.SETTLEMENT.idFromName('settlement'));
}

/** One of the simulators, by replica number. */
export function simulatorStub(env: Env, replica: number): SimulatorStub {
  return env.SIMULATOR.get(env.SIMULATOR.idFromName(`simulator-${replica}`));
}

export type HubStub = DurableObjectStub<SubscriptionHub>;

/** Hubs in use: HUB_SHARDS, default 8, at most 256 (a filter id names its hub in one byte). */
export function hubShards(env: Env): number {
  const n = Number(env.HUB_SHARDS ?? 8);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : 8;
}

/** One of the subscription hubs, by shard number. */
export function hubStub(env: Env, shard: number): HubStub {
  return env.HUB.get(env.HUB.idFromName(`hub-${shard}`));
}

import { DurableObject } from 'cloudflare:workers';
import { type ChainConfig, parseChainConfig } from '../core/chain/config.ts';
import type { Hex } from '../core/chain/hex.ts';
import { type Outcome, outcome, ServerError } from '../core/errors.ts';
import type { CallRequest } from '../core/execution/call.ts';
import { traceKey } from '../core/proving/job.ts';
import { decodeTrace } from '../core/proving/trace.ts';
import { type ChainFeed, type IndexedState, retryingIndex } from '../core/simulation/chainView.ts';
import { parseCallLimits } from '../core/simulation/limits.ts';
import type { SimulatedBlock, SimulateRequest } from '../core/simulation/simulateV1.ts';
import { type AccessListResult, type BlockRef, type CallOverrides, SimulatorCore } from '../core/simulation/simulator.ts';
import { parseTraceLimits, type TraceLimits, type TraceRequest, tracerFactory } from '../core/tracing/index.ts';
import { type TxTrace, traceSealedBlock } from '../core/tracing/replay.ts';
import { wasmRecover } from '../workers/crypto/secp256k1.ts';
import { type Env, type FeedSequencer, feedSequencer } from '../workers/env.ts';
import { IndexReader } from '../workers/index-db/reader.ts';

/**
 * A Simulator Durable Object: executes eth_call, eth_estimateGas, eth_createAccessList and eth_simulateV1 off the
 * sequencer's thread, over the D1 index and shards plus the sequencer's not-yet-indexed blocks
 * (core/simulation). The edge spreads calls over SIMULATOR_REPLICAS of them; each keeps no storage
 * of its own (its view of the chain is rebuilt from the sequencer and D1 after an eviction). It
 * also runs the debug_trace* methods: calls with a tracer, and sealed blocks re-executed from
 * their trace blobs (R2, or the sequencer while the blob waits in its outbox).
 */
export class Simulator extends DurableObject<Env> {
  private readonly core: SimulatorCore;
  private readonly config: ChainConfig;
  private readonly sequencer: FeedSequencer;
  private readonly traceLimits: TraceLimits;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = parseChainConfig(env);
    this.config = config;
    const sequencer = feedSequencer(env);
    this.sequencer = sequencer;
    this.traceLimits = parseTraceLimits(env);
    const feed: ChainFeed = { unindexed: (after, limit) => sequencer.unindexed(after, limit) };
    const reader = new IndexReader(env, config);
    const index: IndexedState = {
      account: (address, block) => reader.account(address, block),
      storage: (address, slot, block) => reader.storage(address, slot, block),
      code: (hash) => reader.code(hash),
      header: (block) => reader.header(block),
    };
    this.core = new SimulatorCore(config, parseCallLimits(env), feed, retryingIndex(index));
  }

  call(req: CallRequest, block: BlockRef, overrides?: CallOverrides): Promise<Outcome<Hex>> {
    return outcome(() => this.core.call(req, block, overrides));
  }

  estimateGas(req: CallRequest, block: BlockRef, overrides?: CallOverrides): Promise<Outcome<bigint>> {
    return outcome(() => this.core.estimateGas(req, block, overrides));
  }

  simulateV1(req: SimulateRequest, block: BlockRef): Promise<Outcome<SimulatedBlock[]>> {
    return outcome(() => this.core.simulateV1(req, block));
  }

  createAccessList(req: CallRequest, block: BlockRef): Promise<Outcome<AccessListResult>> {
    return outcome(() => this.core.createAccessList(req, block));
  }

  traceCall(req: CallRequest, block: BlockRef, trace: TraceRequest, overrides?: CallOverrides): Promise<Outcome<unknown>> {
    return outcome(() => this.core.traceCall(req, block, tracerFactory(trace, this.traceLimits)(trace.config), overrides));
  }

  /** Traces the transactions of sealed block `block` (hash `blockHash`), or only the one at index `only`. */
  traceBlock(block: number, blockHash: Hex, trace: TraceRequest, only?: number): Promise<Outcome<TxTrace[]>> {
    return outcome(async () => {
      const factory = tracerFactory(trace, this.traceLimits);
      const blob = await this.traceBlob(block, blockHash);
      const recover = await wasmRecover();
      return this.core.replay((executor, checkDeadline) =>
        traceSealedBlock(blob, this.config, factory, trace.config, {
          only,
          executor,
          recover,
          checkDeadline,
          maxTxs: this.traceLimits.blockMaxTxs,
          gasCap: this.core.gasCap,
        }),
      );
    });
  }

  /**
   * A block's trace blob: R2, else the sequencer's outbox (not flushed yet), else R2 again (the
   * flush may have moved it in between). Blobs are never deleted by the chain; one that is gone
   * (an R2 lifecycle rule of the operator) leaves the block untraceable, as geth's pruned state.
   */
  private async traceBlob(block: number, blockHash: Hex) {
    const key = traceKey(this.config.chainId, block, blockHash);
    const fromR2 = async () => {
      const o = await this.env.TRACES.get(key);
      return o ? new Uint8Array(await o.arrayBuffer()) : null;
    };
    const bytes = (await fromR2()) ?? (await this.sequencer.traceBlob(block)) ?? (await fromR2());
    if (!bytes) throw new ServerError(`historical state not available: the trace of block ${block} is gone`);
    const trace = decodeTrace(bytes);
    if (trace.claimed.blockHash !== blockHash) throw new ServerError(`the trace stored for block ${block} is of another block`);
    return trace;
  }

  load() {
    return { ...this.core.load, head: this.core.view.headNumber };
  }
}

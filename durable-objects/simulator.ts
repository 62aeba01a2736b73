import { DurableObject } from 'cloudflare:workers';
import { parseChainConfig } from '../core/chain/config.ts';
import type { Hex } from '../core/chain/hex.ts';
import { type Outcome, outcome } from '../core/errors.ts';
import type { CallRequest } from '../core/execution/call.ts';
import { type ChainFeed, type IndexedState, retryingIndex } from '../core/simulation/chainView.ts';
import { parseCallLimits } from '../core/simulation/limits.ts';
import type { SimulatedBlock, SimulateRequest } from '../core/simulation/simulateV1.ts';
import { type AccessListResult, type BlockRef, type CallOverrides, SimulatorCore } from '../core/simulation/simulator.ts';
import { type Env, feedSequencer } from '../workers/env.ts';
import { IndexReader } from '../workers/index-db/reader.ts';

/**
 * A Simulator Durable Object: executes eth_call, eth_estimateGas, eth_createAccessList and eth_simulateV1 off the
 * sequencer's thread, over the D1 index and shards plus the sequencer's not-yet-indexed blocks
 * (core/simulation). The edge spreads calls over SIMULATOR_REPLICAS of them; each keeps no storage
 * of its own (its view of the chain is rebuilt from the sequencer and D1 after an eviction).
 */
export class Simulator extends DurableObject<Env> {
  private readonly core: SimulatorCore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = parseChainConfig(env);
    const sequencer = feedSequencer(env);
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

  load() {
    return { ...this.core.load, head: this.core.view.headNumber };
  }
}

import type { ChainConfig } from '../chain/config.ts';
import type { Hex } from '../chain/hex.ts';
import { type CallOutcome, type CallRequest, callExecutor, estimateGas, simulate, throwIfFailed } from '../execution/call.ts';
import { type BlockEnv, type BlockHashLookup, Executor } from '../execution/executeBlock.ts';
import type { StateReader } from '../state/types.ts';
import type { Tracer } from '../tracing/tracer.ts';
import { type ChainFeed, ChainView, envOf, type IndexedState } from './chainView.ts';
import { type CallLimits, ExecutionGate } from './limits.ts';
import { ExecutionMeter } from './meter.ts';

/** A block as the simulator takes it: the head at the time of the call, or a number. */
export type BlockRef = 'latest' | bigint;

export interface AccessListResult {
  accessList: { address: Hex; storageKeys: Hex[] }[];
  gasUsed: bigint;
  error?: string;
}

interface Slot {
  executor: Executor;
  meter: ExecutionMeter;
}

interface Run {
  config: ChainConfig;
  env: BlockEnv;
  reader: StateReader;
  blockHash: BlockHashLookup;
  executor: Executor;
  meter: ExecutionMeter;
}

/**
 * Read-only execution off the sequencer's thread: eth_call, eth_estimateGas, eth_createAccessList
 * over a ChainView (the D1 index plus the sequencer's not-yet-indexed blocks), with geth's gas cap
 * and time limit, and a bounded number of executions at once. Each running execution has its own
 * EVM (executions interleave at the meter's yields); an EVM whose run was cut short is dropped.
 */
export class SimulatorCore {
  readonly view: ChainView;
  private readonly gate: ExecutionGate;
  private readonly idle: Slot[] = [];
  /** EVMs for re-executing sealed blocks (debug_trace*): block state, not a call's. */
  private readonly idleReplays: Slot[] = [];
  private readonly config: ChainConfig;
  private readonly limits: CallLimits;

  constructor(config: ChainConfig, limits: CallLimits, feed: ChainFeed, index: IndexedState) {
    this.config = config;
    this.limits = limits;
    this.view = new ChainView(feed, index);
    this.gate = new ExecutionGate(limits);
  }

  get load() {
    return this.gate.load;
  }

  get gasCap(): bigint {
    return this.limits.gasCap;
  }

  /** Gas a call may use: what it asks for, the block's gas limit when it asks for nothing, never more than the cap. */
  private gasFor(req: CallRequest, env: BlockEnv): bigint {
    const wanted = req.gas ?? env.gasLimit;
    return wanted < this.limits.gasCap ? wanted : this.limits.gasCap;
  }

  private async run<T>(block: BlockRef, fn: (r: Run) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.limits.timeoutMs;
    if (this.view.needsSync(block)) await this.view.sync();
    const n = this.view.resolve(block);
    return this.gate.run(deadline, async () => {
      const env = envOf(await this.view.header(n));
      const slot = this.idle.pop() ?? this.newSlot();
      slot.meter.start(deadline, this.limits.timeoutMs);
      try {
        slot.meter.check();
        const result = await fn({
          config: this.config,
          env,
          reader: this.view.reader(n),
          blockHash: this.view.blockHash,
          executor: slot.executor,
          meter: slot.meter,
        });
        // Only an EVM whose run ended normally goes back: a throw may have left it mid-transaction.
        this.idle.push(slot);
        return result;
      } finally {
        slot.meter.finish();
      }
    });
  }

  private newSlot(): Slot {
    const meter = new ExecutionMeter();
    return { meter, executor: callExecutor(this.config, meter.evmOpts(this.config.chainId)) };
  }

  private newReplaySlot(): Slot {
    const meter = new ExecutionMeter();
    return { meter, executor: new Executor(this.config, undefined, meter.evmOpts(this.config.chainId)) };
  }

  private simulateOnce(r: Run, req: CallRequest, reportAccessList = false): Promise<CallOutcome> {
    return simulate(r.config, r.env, r.reader, r.blockHash, req, { gasLimit: this.gasFor(req, r.env), executor: r.executor, reportAccessList });
  }

  async call(req: CallRequest, block: BlockRef): Promise<Hex> {
    const outcome = await this.run(block, (r) => this.simulateOnce(r, req));
    throwIfFailed(outcome);
    return outcome.returnData;
  }

  async estimateGas(req: CallRequest, block: BlockRef): Promise<bigint> {
    return this.run(block, (r) =>
      estimateGas(r.config, r.env, r.reader, r.blockHash, { ...req, gas: this.gasFor(req, r.env) }, r.executor, () => r.meter.check()),
    );
  }

  async createAccessList(req: CallRequest, block: BlockRef): Promise<AccessListResult> {
    const outcome = await this.run(block, (r) => this.simulateOnce(r, req, true));
    const err = outcome.result.execResult.exceptionError;
    return {
      accessList: (outcome.result.accessList ?? []).map((e) => ({ address: e.address as Hex, storageKeys: e.storageKeys as Hex[] })),
      gasUsed: outcome.result.totalGasSpent,
      error: err ? (err.error === 'revert' ? 'execution reverted' : err.error) : undefined,
    };
  }

  /** debug_traceCall: the call at `block` with `tracer` watching; a call that fails is part of its trace, not an error. */
  async traceCall(req: CallRequest, block: BlockRef, tracer: Tracer): Promise<unknown> {
    await this.run(block, (r) =>
      simulate(r.config, r.env, r.reader, r.blockHash, req, { gasLimit: this.gasFor(req, r.env), executor: r.executor, observer: tracer }),
    );
    return tracer.result();
  }

  /**
   * Runs a re-execution of a sealed block (debug_trace*, core/tracing/replay.ts) within the same
   * gate and time limit as calls, on a metered EVM of its own; `checkDeadline` throws the timeout
   * once past it.
   */
  async replay<T>(fn: (executor: Executor, checkDeadline: () => void) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.limits.timeoutMs;
    return this.gate.run(deadline, async () => {
      const slot = this.idleReplays.pop() ?? this.newReplaySlot();
      slot.meter.start(deadline, this.limits.timeoutMs);
      try {
        slot.meter.check();
        const result = await fn(slot.executor, () => slot.meter.check());
        // As in run(): only an EVM whose run ended normally is used again.
        this.idleReplays.push(slot);
        return result;
      } finally {
        slot.meter.finish();
      }
    });
  }
}

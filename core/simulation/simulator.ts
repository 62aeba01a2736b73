import type { ChainConfig } from '../chain/config.ts';
import type { Hex } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import { type CallOutcome, type CallRequest, callExecutor, estimateGas, simulate, throwIfFailed } from '../execution/call.ts';
import { type BlockEnv, type BlockHashLookup, Executor } from '../execution/executeBlock.ts';
import type { StateReader } from '../state/types.ts';
import type { Tracer } from '../tracing/tracer.ts';
import { type ChainFeed, ChainView, envOf, type IndexedState } from './chainView.ts';
import { type CallLimits, ExecutionGate } from './limits.ts';
import { ExecutionMeter } from './meter.ts';
import {
  applyBlockOverrides,
  applyStateOverrides,
  type BlockOverrides,
  type PrecompileMoves,
  precompileMoves,
  type StateOverrides,
  vmHasPrecompile,
  withPrecompileMoves,
} from './overrides.ts';
import { type SimulatedBlock, type SimulateRequest, simulateV1 } from './simulateV1.ts';

/** State and block overrides of eth_call (3rd and 4th params) and eth_estimateGas. */
export interface CallOverrides {
  state?: StateOverrides;
  block?: BlockOverrides;
}

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
  header: RpcBlockHeader;
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
      const header = await this.view.header(n);
      const env = envOf(header);
      const slot = this.idle.pop() ?? this.newSlot();
      slot.meter.start(deadline, this.limits.timeoutMs);
      try {
        slot.meter.check();
        const result = await fn({
          config: this.config,
          header,
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

  /** The run with `ov` applied: block fields over its env, state overrides in a layer over its reader, and the precompile moves. */
  private async overridden(r: Run, ov: CallOverrides | undefined): Promise<{ run: Run; moves: PrecompileMoves }> {
    if (!ov || (!ov.state && !ov.block)) return { run: r, moves: new Map() };
    const env = ov.block ? applyBlockOverrides(r.env, ov.block) : r.env;
    const reader = ov.state ? await applyStateOverrides(r.reader, ov.state) : r.reader;
    const vm = await r.executor.prepare(reader, r.blockHash);
    const moves = ov.state ? precompileMoves(ov.state, (a) => vmHasPrecompile(vm, a)) : new Map();
    return { run: { ...r, env, reader }, moves };
  }

  async call(req: CallRequest, block: BlockRef, overrides?: CallOverrides): Promise<Hex> {
    const outcome = await this.run(block, async (r) => {
      const { run, moves } = await this.overridden(r, overrides);
      const vm = await run.executor.prepare(run.reader, run.blockHash);
      return withPrecompileMoves(vm, moves, () => this.simulateOnce(run, req));
    });
    throwIfFailed(outcome);
    return outcome.returnData;
  }

  async estimateGas(req: CallRequest, block: BlockRef, overrides?: CallOverrides): Promise<bigint> {
    return this.run(block, async (r) => {
      const { run, moves } = await this.overridden(r, overrides);
      const vm = await run.executor.prepare(run.reader, run.blockHash);
      return withPrecompileMoves(vm, moves, () =>
        estimateGas(run.config, run.env, run.reader, run.blockHash, { ...req, gas: this.gasFor(req, run.env) }, run.executor, () => run.meter.check()),
      );
    });
  }

  /** eth_simulateV1 on top of `block`, within the gas cap (over all its calls) and the time limit (over the whole request). */
  async simulateV1(req: SimulateRequest, block: BlockRef): Promise<SimulatedBlock[]> {
    return this.run(block, (r) =>
      simulateV1(
        {
          config: r.config,
          header: r.header,
          reader: r.reader,
          blockHash: r.blockHash,
          executor: r.executor,
          gasCap: this.limits.gasCap,
          check: () => r.meter.check(),
        },
        req,
      ),
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
  async traceCall(req: CallRequest, block: BlockRef, tracer: Tracer, overrides?: CallOverrides): Promise<unknown> {
    await this.run(block, async (r) => {
      const { run, moves } = await this.overridden(r, overrides);
      const vm = await run.executor.prepare(run.reader, run.blockHash);
      return withPrecompileMoves(vm, moves, () =>
        simulate(run.config, run.env, run.reader, run.blockHash, req, { gasLimit: this.gasFor(req, run.env), executor: run.executor, observer: tracer }),
      );
    });
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

import type { RunTxResult } from '@ethereumjs/vm';
import type { ChainConfig } from '../chain/config.ts';
import type { Hex } from '../chain/hex.ts';
import { LimitExceededError, ServerError } from '../errors.ts';
import type { Executor, TxContext, TxObserver } from '../execution/executeBlock.ts';
import { reexecuteBlock } from '../proving/reexecute.ts';
import type { BlockTrace } from '../proving/trace.ts';
import type { RecoverPublicKey } from '../tx/recover.ts';
import type { Tracer, TracerFactory } from './tracer.ts';

/** One transaction's trace as debug_traceBlock* list them. */
export interface TxTrace {
  txHash: Hex;
  result: unknown;
}

export interface ReplayOptions {
  /** Trace only the transaction at this index of the block (debug_traceTransaction); else all of them. */
  only?: number;
  /** The EVM to run on: the simulator's metered one (its time limit applies). */
  executor?: Executor;
  recover?: RecoverPublicKey;
  /** Transactions a block trace may hold; more is refused before anything runs. */
  maxTxs: number;
  /** Gas the block may have used; more is refused before anything runs (the simulator's gas cap). */
  gasCap: bigint;
  /** Called when re-execution failed, before its verdict is reported: the meter throws its timeout here. */
  checkDeadline?: () => void;
}

/** Hands each traced transaction a fresh tracer, as geth does; the others run unobserved. */
class PerTransaction implements TxObserver {
  readonly traced: { hash: Hex; tracer: Tracer }[] = [];
  private current: Tracer | undefined;
  private readonly make: () => Tracer;
  private readonly only: number | undefined;

  constructor(make: () => Tracer, only: number | undefined) {
    this.make = make;
    this.only = only;
  }

  async before(ctx: TxContext): Promise<void> {
    if (this.only !== undefined && ctx.index !== this.only) return;
    this.current = this.make();
    this.traced.push({ hash: ctx.hash, tracer: this.current });
    await this.current.before(ctx);
  }

  async after(ctx: TxContext, result: RunTxResult | undefined): Promise<void> {
    const tracer = this.current;
    this.current = undefined;
    await tracer?.after(ctx, result);
  }
}

/**
 * Traces transactions of a sealed block by re-executing it from its trace blob (the prover's
 * stateless re-execution, core/proving/reexecute.ts, with an observer): the state each transaction
 * saw is the witness of the block, checked against its pre-state root, and the block must come out
 * as sealed, or nothing is reported. The whole block runs (its claims are checked at the end) even
 * when one transaction is traced.
 */
export async function traceSealedBlock(
  trace: BlockTrace,
  config: ChainConfig,
  factory: TracerFactory,
  tracerConfig: Record<string, unknown>,
  opts: ReplayOptions,
): Promise<TxTrace[]> {
  // A config the tracer refuses is refused before the block runs.
  factory(tracerConfig);
  if (opts.only === undefined && trace.transactions.length > opts.maxTxs)
    throw new LimitExceededError(`block has ${trace.transactions.length} transactions, more than the ${opts.maxTxs} one trace may hold: trace them one by one`);
  const gasUsed = BigInt(trace.claimed.gasUsed);
  if (gasUsed > opts.gasCap) throw new LimitExceededError(`block used ${gasUsed} gas, more than the tracing gas cap ${opts.gasCap}`);
  const observer = new PerTransaction(() => factory(tracerConfig), opts.only);
  const verdict = await reexecuteBlock(trace, config, opts.recover, { observer, executor: opts.executor });
  if (!verdict.valid) {
    opts.checkDeadline?.();
    throw new ServerError(`block ${trace.env.number} cannot be re-executed from its trace: ${verdict.reason}`);
  }
  return observer.traced.map((t) => ({ txHash: t.hash, result: t.tracer.result() }));
}

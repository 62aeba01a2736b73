import { type EVMOpts, getOpcodesForHF } from '@ethereumjs/evm';
import { chainCommon } from '../chain/common.ts';
import { ExecutionTimeoutError } from '../errors.ts';

/**
 * Opcodes after which a metered execution may pause. Every loop passes a JUMPDEST, and between
 * two of these a frame runs straight-line code (at most its code size in steps), so an execution
 * reaches a checkpoint at least every few tens of thousands of steps, whatever it does.
 */
const CHECKPOINT_OPCODES = [0x5b /* JUMPDEST */, 0xf0, 0xf1, 0xf2, 0xf4, 0xf5, 0xfa /* CREATE, CALL, CALLCODE, DELEGATECALL, CREATE2, STATICCALL */];

/** Checkpoints between two yields to the event loop: about a millisecond of EVM work. */
export const CHECKPOINTS_PER_YIELD = 256;
/** Yields after which an execution counts as long-running (a few tens of milliseconds of work). */
export const SHORT_EXECUTION_YIELDS = 32;

/**
 * A macrotask turn: other requests run, and the isolate's clock moves (workerd stops it during CPU
 * work). setImmediate where the runtime has it: Node holds setTimeout(0) back for a millisecond.
 */
const macrotask: (fn: () => void) => void = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? ((fn) => setTimeout(fn, 0));
const yieldToEventLoop = () => new Promise<void>((resolve) => macrotask(resolve));

/**
 * One long-running execution at a time per isolate. Short executions (nearly every real call)
 * interleave freely; an execution that has yielded SHORT_EXECUTION_YIELDS times must hold the
 * lane to go on, so a flood of heavy calls costs the isolate one execution's worth of CPU, shared
 * in slices with the short ones, while the rest wait (and time out) in arrival order.
 */
class LongLane {
  private holder: ExecutionMeter | undefined;
  private readonly waiting: { meter: ExecutionMeter; enter: () => void }[] = [];

  async enter(meter: ExecutionMeter, deadline: number, onTimeout: () => Error): Promise<void> {
    if (!this.holder) {
      this.holder = meter;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const entry = {
        meter,
        enter: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(
        () => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(onTimeout());
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiting.push(entry);
    });
  }

  leave(meter: ExecutionMeter): void {
    if (this.holder !== meter) return;
    const next = this.waiting.shift();
    this.holder = next?.meter;
    next?.enter();
  }

  holds(meter: ExecutionMeter): boolean {
    return this.holder === meter;
  }
}

const longLane = new LongLane();

/**
 * The clock and budget of one execution. EthereumJS's interpreter never lets go of the thread
 * and Workers' clock does not move during CPU work, so a time limit needs the execution itself to
 * pause: every CHECKPOINTS_PER_YIELD checkpoints it yields (other requests of the isolate run
 * meanwhile) and then checks its deadline, throwing ExecutionTimeoutError past it. A long
 * execution goes on only in the isolate's long lane (LongLane). `finish()` ends the metering.
 */
export class ExecutionMeter {
  private checkpoints = 0;
  private yields = 0;
  private deadline = Number.POSITIVE_INFINITY;
  private timeoutMs = 0;

  /** Starts metering one execution (one eth_call, or the whole of one eth_estimateGas). */
  start(deadline: number, timeoutMs: number): void {
    this.checkpoints = 0;
    this.yields = 0;
    this.deadline = deadline;
    this.timeoutMs = timeoutMs;
  }

  /** Ends the execution, however it ended: the long lane passes on. */
  finish(): void {
    longLane.leave(this);
  }

  /** Throws once past the deadline; callers use it between runs as well. */
  check(): void {
    if (Date.now() > this.deadline) throw new ExecutionTimeoutError(this.timeoutMs);
  }

  /** Counts a checkpoint; every CHECKPOINTS_PER_YIELD-th one returns the pause to wait for (else nothing, cheaply). */
  checkpoint(): Promise<void> | undefined {
    if (++this.checkpoints % CHECKPOINTS_PER_YIELD !== 0) return undefined;
    return this.pause();
  }

  private async pause(): Promise<void> {
    await yieldToEventLoop();
    this.check();
    if (++this.yields > SHORT_EXECUTION_YIELDS && !longLane.holds(this)) {
      await longLane.enter(this, this.deadline, () => new ExecutionTimeoutError(this.timeoutMs));
    }
  }

  /** EVM options that route the checkpoint opcodes through this meter, with their usual gas and semantics. */
  evmOpts(chainId: bigint): EVMOpts {
    const { opcodeMap } = getOpcodesForHF(chainCommon(chainId));
    return {
      customOpcodes: CHECKPOINT_OPCODES.map((code) => {
        const { opcodeInfo, opHandler, gasHandler } = opcodeMap[code];
        return {
          opcode: code,
          opcodeName: opcodeInfo.name,
          baseFee: opcodeInfo.fee,
          gasFunction: gasHandler,
          // Synchronous unless this checkpoint pauses: the interpreter awaits custom opcodes, and
          // a plain value costs it one microtask where an async function costs three.
          logicFunction: (runState: Parameters<typeof opHandler>[0], common: Parameters<typeof opHandler>[1]) => {
            const pause = this.checkpoint();
            return pause ? pause.then(() => opHandler(runState, common)) : opHandler(runState, common);
          },
        };
      }),
    };
  }
}

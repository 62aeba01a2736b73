import { ExecutionTimeoutError, LimitExceededError } from '../errors.ts';

/**
 * Bounds of one read-only execution (eth_call, eth_estimateGas, eth_createAccessList), as geth's
 * --rpc.gascap and --rpc.evmtimeout: no call runs with more gas than `gasCap`, and none runs
 * longer than `timeoutMs` from its arrival (time spent waiting for a free executor counts).
 */
export interface CallLimits {
  gasCap: bigint;
  timeoutMs: number;
  /**
   * Executions in progress at once in one simulator (each holds an EVM; only one long one runs at
   * a time per isolate, core/simulation/meter.ts); more wait, within their time limit, ...
   */
  concurrency: number;
  /** ... up to this many; the rest are refused at once. */
  queue: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = { gasCap: 50_000_000n, timeoutMs: 5_000, concurrency: 16, queue: 64 };

export type CallLimitVars = Partial<Record<'RPC_GAS_CAP' | 'RPC_EVM_TIMEOUT_MS', string>>;

function positive(vars: CallLimitVars, name: keyof CallLimitVars, fallback: bigint): bigint {
  const raw = vars[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || BigInt(raw) === 0n) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return BigInt(raw);
}

export function parseCallLimits(vars: CallLimitVars): CallLimits {
  return {
    ...DEFAULT_CALL_LIMITS,
    gasCap: positive(vars, 'RPC_GAS_CAP', DEFAULT_CALL_LIMITS.gasCap),
    timeoutMs: Number(positive(vars, 'RPC_EVM_TIMEOUT_MS', BigInt(DEFAULT_CALL_LIMITS.timeoutMs))),
  };
}

export class TooManyExecutionsError extends LimitExceededError {
  constructor(running: number, waiting: number) {
    super(`too many concurrent executions (${running} running, ${waiting} waiting): retry later`);
  }
}

/**
 * Admits at most `concurrency` executions at once and queues at most `queue` more, in arrival
 * order. A queued execution that cannot start before its deadline is refused with the timeout
 * error, so a caller waits at most its time limit in total.
 */
export class ExecutionGate {
  private running = 0;
  private readonly waiting: { start: () => void; timer: ReturnType<typeof setTimeout> }[] = [];
  private readonly limits: CallLimits;

  constructor(limits: CallLimits) {
    this.limits = limits;
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `fn` once a slot is free; `deadline` is the caller's own (ms since the epoch). */
  async run<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.queue) throw new TooManyExecutionsError(this.running, this.waiting.length);
      await new Promise<void>((resolve, reject) => {
        const entry = {
          start: () => {
            clearTimeout(entry.timer);
            resolve();
          },
          timer: setTimeout(
            () => {
              this.waiting.splice(this.waiting.indexOf(entry), 1);
              reject(new ExecutionTimeoutError(this.limits.timeoutMs));
            },
            Math.max(0, deadline - Date.now()),
          ),
        };
        this.waiting.push(entry);
      });
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      // The slot passes to the next waiter directly, so `running` never dips below the load.
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
    }
  }
}

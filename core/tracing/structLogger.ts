import type { EVMResult, InterpreterStep } from '@ethereumjs/evm';
import type { RunTxResult } from '@ethereumjs/vm';
import { bytesToHex, type Hex } from '../chain/hex.ts';
import { InvalidParamsError, LimitExceededError } from '../errors.ts';
import type { TxContext } from '../execution/executeBlock.ts';
import type { Tracer, TracerFactory } from './tracer.ts';

/** One step as geth's struct logger prints it (eth/tracers/logger: the legacy JSON form). */
export interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  error?: string;
  stack?: Hex[];
  returnData?: Hex;
  memory?: Hex[];
  storage?: Record<Hex, Hex>;
  refund: number;
}

export interface StructLoggerResult {
  gas: number;
  failed: boolean;
  returnValue: Hex;
  structLogs: StructLog[];
}

/** The struct logger's options, geth's names and defaults (stack and storage on, memory and return data off). */
export interface StructLoggerOptions {
  disableStack: boolean;
  disableStorage: boolean;
  enableMemory: boolean;
  enableReturnData: boolean;
  /** Geth's `limit`: keep at most this many entries (0: no limit of the caller's own). */
  limit: number;
}

/**
 * Output size the struct logs of one request may reach, in bytes of JSON (about). Geth has no such
 * bound; a struct log with memory grows with steps times memory size, so one is needed here: the
 * Durable Object's answer and the edge's response hold the whole of it, in isolates of 128 MB.
 */
export const DEFAULT_STRUCT_LOG_MAX_BYTES = 8 * 1024 * 1024;

/** Bytes of struct log one request may produce, and those produced so far. */
export interface ByteBudget {
  max: number;
  used: number;
}

export class StructLogTooLargeError extends LimitExceededError {
  constructor(maxBytes: number) {
    super(`struct log exceeds ${maxBytes} bytes: trace with disableStack, disableStorage, without enableMemory, or use callTracer`);
  }
}

const BOOLEAN_OPTIONS = ['disableStack', 'disableStorage', 'enableMemory', 'enableReturnData'] as const;

/** Geth's names for EthereumJS's errors of a step (core/vm/errors.go). */
const GETH_ERRORS: Record<string, string> = {
  'out of gas': 'out of gas',
  'invalid opcode': 'invalid opcode',
  'invalid JUMP': 'invalid jump destination',
  'stack underflow': 'stack underflow',
  'stack overflow': 'stack limit reached 1024 (1023)',
  'static state change': 'write protection',
  'code size to deposit exceeds maximum code size': 'max code size exceeded',
  'invalid code: must not begin with 0xef': 'invalid code: must not begin with 0xef',
  'value overflow': 'gas uint64 overflow',
  'return data out of bounds': 'return data out of bounds',
  'code store out of gas': 'contract creation code storage out of gas',
  'create collision': 'contract address collision',
  'insufficient balance': 'insufficient balance for transfer',
};

/** Geth's options, checked for type; fields it does not know are ignored as geth's JSON decoding does. */
export function parseStructLoggerOptions(config: Record<string, unknown>): StructLoggerOptions {
  const opts: StructLoggerOptions = { disableStack: false, disableStorage: false, enableMemory: false, enableReturnData: false, limit: 0 };
  for (const key of BOOLEAN_OPTIONS) {
    const value = config[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'boolean') throw new InvalidParamsError(`invalid tracer option ${key}: expected a boolean`);
    opts[key] = value;
  }
  const limit = config.limit;
  if (limit !== undefined && limit !== null) {
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)
      throw new InvalidParamsError('invalid tracer option limit: expected a non-negative integer');
    opts.limit = limit;
  }
  return opts;
}

const CALLS = new Set(['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']);
const CREATES = new Set(['CREATE', 'CREATE2']);

/**
 * Geth's cost of a step: what EthereumJS charges before the opcode runs, plus, for the calls and
 * creations, the gas handed to the new frame (all but one 64th of what is left, EIP-150, at most
 * what a call asks for; a value transfer's stipend is not counted), which EthereumJS takes later.
 */
function gasCost(op: string, step: InterpreterStep): bigint {
  const cost = step.opcode.dynamicFee ?? BigInt(step.opcode.fee);
  const isCall = CALLS.has(op);
  if (!isCall && !CREATES.has(op)) return cost;
  const available = step.gasLeft - cost;
  if (available < 0n) return cost;
  const allButOne64th = available - available / 64n;
  const asked = isCall ? step.stack[step.stack.length - 1] : undefined;
  return cost + (asked !== undefined && asked < allButOne64th ? asked : allButOne64th);
}

const word = (v: bigint): Hex => `0x${v.toString(16).padStart(64, '0')}`;

/** Approximate JSON size of an entry: what the byte cap counts (keys and punctuation included). */
function entrySize(log: StructLog): number {
  let n = 60 + log.op.length;
  if (log.stack) for (const s of log.stack) n += s.length + 3;
  if (log.memory) n += log.memory.length * 67;
  if (log.storage) n += Object.keys(log.storage).length * 134;
  if (log.returnData) n += log.returnData.length + 16;
  if (log.error) n += log.error.length + 12;
  return n;
}

/**
 * Geth's default tracer, the struct logger: one entry per executed opcode with the gas left
 * before it, its cost, the call depth (1 at the top), the stack, the storage the transaction read
 * or wrote so far in the executing contract (on SLOAD and SSTORE only), and optionally memory and
 * the last call's return data. Entries are built from EthereumJS's `step` event, which fires
 * before each opcode runs, with the cost EthereumJS charges for it.
 */
export class StructLogger implements Tracer {
  private readonly opts: StructLoggerOptions;
  private readonly budget: ByteBudget;
  private logs: StructLog[] = [];
  /** The contracts' slots seen so far, per address, as geth keeps them. */
  private storage = new Map<string, Map<Hex, Hex>>();
  /** The last return data a finished call frame left to its caller, per depth of the caller. */
  private returnData: Hex[] = [];
  private frames: { depth: number; create: boolean; refund: bigint }[] = [];
  /** The refund counter as the last step left it (EthereumJS shows an SSTORE's step its own refund already). */
  private refund = 0n;
  private outcome: RunTxResult | undefined;
  private tooLarge = false;
  /** The last SLOAD or SSTORE logged, with its contract's slots as they were before it. */
  private storageStep: { log: StructLog; slots: Map<Hex, Hex>; before: Map<Hex, Hex> } | undefined;
  /** A state read of a step that failed: the trace is incomplete, so the request fails. */
  private failure: unknown;

  // EthereumJS awaits a listener of two parameters (it passes a callback to call when done).
  private readonly onStep = (step: InterpreterStep, done?: () => void) => {
    this.step(step).then(done, (e: unknown) => {
      this.failure = e;
      done?.();
    });
  };
  private readonly onBefore = (msg: { depth: number; to?: unknown }) => {
    this.frames.push({ depth: msg.depth, create: msg.to === undefined, refund: this.refund });
    this.returnData[msg.depth] = '0x';
  };
  private readonly onAfter = (result: EVMResult) => this.afterMessage(result);

  /** `budget`: the bytes of the whole request, shared by the struct loggers of a block's transactions. */
  constructor(opts: StructLoggerOptions, budget: ByteBudget = { max: DEFAULT_STRUCT_LOG_MAX_BYTES, used: 0 }) {
    this.opts = opts;
    this.budget = budget;
  }

  before(ctx: TxContext): void {
    ctx.vm.evm.events?.on('step', this.onStep);
    ctx.vm.evm.events?.on('beforeMessage', this.onBefore);
    ctx.vm.evm.events?.on('afterMessage', this.onAfter);
  }

  after(ctx: TxContext, result: RunTxResult | undefined): void {
    ctx.vm.evm.events?.off('step', this.onStep);
    ctx.vm.evm.events?.off('beforeMessage', this.onBefore);
    ctx.vm.evm.events?.off('afterMessage', this.onAfter);
    this.outcome = result;
  }

  private async step(step: InterpreterStep): Promise<void> {
    const op = step.opcode.name;
    // The counter before the step runs, as anvil reports it: SSTORE's gas handler has already
    // changed it when EthereumJS emits the step.
    const refund = op === 'SSTORE' ? this.refund : step.gasRefund;
    this.refund = step.gasRefund;
    if (this.tooLarge || (this.opts.limit > 0 && this.logs.length >= this.opts.limit)) return;
    const log: StructLog = {
      pc: step.pc,
      op,
      gas: Number(step.gasLeft),
      gasCost: Number(gasCost(op, step)),
      depth: step.depth + 1,
    } as StructLog;
    if (!this.opts.disableStack) log.stack = step.stack.map((v) => `0x${v.toString(16)}` as Hex);
    if (this.opts.enableReturnData) log.returnData = this.returnData[step.depth] ?? '0x';
    if (this.opts.enableMemory) {
      const memory: Hex[] = [];
      for (let i = 0; i + 32 <= step.memory.length; i += 32) memory.push(bytesToHex(step.memory.subarray(i, i + 32)));
      log.memory = memory;
    }
    if (!this.opts.disableStorage && (op === 'SLOAD' || op === 'SSTORE')) {
      const address = step.address.toString();
      let slots = this.storage.get(address);
      if (!slots) {
        slots = new Map();
        this.storage.set(address, slots);
      }
      const stack = step.stack;
      this.storageStep = { log, slots, before: new Map(slots) };
      if (op === 'SLOAD' && stack.length >= 1) {
        const key = stack[stack.length - 1];
        const value = await step.stateManager.getStorage(step.address, wordBytes(key));
        slots.set(word(key), word(value.length === 0 ? 0n : BigInt(bytesToHex(value))));
      } else if (op === 'SSTORE' && stack.length >= 2) {
        slots.set(word(stack[stack.length - 1]), word(stack[stack.length - 2]));
      }
      log.storage = Object.fromEntries(slots);
    }
    log.refund = Number(refund);
    this.budget.used += entrySize(log);
    if (this.budget.used > this.budget.max) {
      this.tooLarge = true;
      this.logs = [];
      return;
    }
    this.logs.push(log);
  }

  private afterMessage(result: EVMResult): void {
    const frame = this.frames.pop() ?? { depth: 0, create: false, refund: 0n };
    const depth = frame.depth;
    const err = result.execResult.exceptionError;
    // A failed frame leaves its caller's refund counter as it was.
    this.refund = err ? frame.refund : (result.execResult.gasRefund ?? 0n);
    // Return data: a call's output or revert data; nothing after a creation that succeeded (its
    // output became code) or after any other failure.
    const returned = (!err && !frame.create) || err?.error === 'revert';
    if (depth > 0) this.returnData[depth - 1] = returned ? bytesToHex(result.execResult.returnValue) : '0x';
    if (!err || err.error === 'revert') return;
    // The step that failed is the last one logged in this frame: mark it as geth does.
    const last = this.logs[this.logs.length - 1];
    if (!last || last.depth !== depth + 1 || last.error !== undefined) return;
    last.error = GETH_ERRORS[err.error] ?? err.error;
    if (err.error === 'out of gas') {
      // As anvil: an out-of-gas step cost what was left, except an SSTORE refused by the EIP-2200
      // sentry (2300 gas or less left), which cost nothing.
      last.gasCost = last.op === 'SSTORE' && last.gas <= 2300 ? 0 : last.gas;
    }
    // A failed SLOAD or SSTORE read or wrote nothing: its storage is the contract's as before it.
    const s = this.storageStep;
    if (s?.log === last) {
      s.slots.clear();
      for (const [k, v] of s.before) s.slots.set(k, v);
      last.storage = Object.fromEntries(s.before);
    }
  }

  result(): StructLoggerResult {
    if (this.tooLarge) throw new StructLogTooLargeError(this.budget.max);
    if (this.failure !== undefined) throw this.failure;
    const r = this.outcome;
    const exec = r?.execResult;
    const failed = exec?.exceptionError !== undefined;
    // Geth returns the output of a success and the revert data of a revert; nothing after other failures.
    const returnValue = exec && (!failed || exec.exceptionError?.error === 'revert') ? bytesToHex(exec.returnValue) : '0x';
    return { gas: Number(r?.totalGasSpent ?? 0n), failed, returnValue, structLogs: this.logs };
  }
}

function wordBytes(key: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = key;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The struct logger as a tracer factory, made once per request: `config` holds its options as the
 * request gave them, and every struct logger it makes draws on one byte budget of `maxBytes`.
 */
export const structLogger = (maxBytes = DEFAULT_STRUCT_LOG_MAX_BYTES): TracerFactory => {
  const budget: ByteBudget = { max: maxBytes, used: 0 };
  return (config) => new StructLogger(parseStructLoggerOptions(config), budget);
};

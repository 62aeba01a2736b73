import type { EVMResult, InterpreterStep, Message } from '@ethereumjs/evm';
import { Address, bigIntToUnpaddedBytes, setLengthLeft } from '@ethereumjs/util';
import type { RunTxResult } from '@ethereumjs/vm';
import { bytesToHex, type Hex, toQuantity } from '../chain/hex.ts';
import { LimitExceededError, ServerError } from '../errors.ts';
import { revertReason } from '../execution/call.ts';
import type { Tracer, TracerFactory } from './tracer.ts';
import { booleanOptions } from './tracerConfig.ts';

/**
 * What one callTracer result may hold. Gas bounds a transaction's frames and logs only loosely: a
 * CALL to a warm account costs about 120 gas and a LOG0 375, so one 30M-gas transaction could make
 * some 250,000 frames, and every frame may repeat a large input already in memory for no further
 * memory gas (hundreds of megabytes of JSON). Past either bound the trace is refused (-32005)
 * rather than cut short; execution itself is bounded by gas and the request's time limit.
 */
export const CALL_TRACER_LIMITS = {
  /** Call frames plus logs recorded. */
  entries: 20_000,
  /** Bytes of input, output and log data recorded. */
  bytes: 8 * 1024 * 1024,
};

interface CallLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  /** The log's index in the block (as its receipt will number it). */
  index: Hex;
  /** How many subcalls of its frame came before it. */
  position: Hex;
}

/** One call frame in geth's JSON shape (fields in geth's order). */
interface CallFrame {
  from: Hex;
  gas: Hex;
  gasUsed: Hex;
  to?: Hex;
  input: Hex;
  output?: Hex;
  error?: string;
  revertReason?: string;
  calls?: CallFrame[];
  logs?: CallLog[];
  value?: Hex;
  type: string;
}

/** A frame being built: geth's fields plus what building needs. */
interface OpenFrame {
  json: CallFrame;
  calls: CallFrame[];
  logs: CallLog[];
  isStatic: boolean;
  /** The last opcode this frame executed, for geth's "invalid opcode: <name>". */
  lastOp: string;
  /** Gas left at that opcode: geth words an SSTORE with 2300 gas or less differently. */
  lastGasLeft: bigint;
  /** Logs this frame and its finished subcalls emitted: undone if the frame fails. */
  emitted: number;
  /** The value the frame runs with (a DELEGATECALL from it carries it on). */
  value: bigint;
  /** The SELFDESTRUCT frame of its last opcode, if that ran. */
  selfdestruct?: CallFrame;
}

const CALL_OPS: Record<number, string> = { 240: 'CREATE', 241: 'CALL', 242: 'CALLCODE', 244: 'DELEGATECALL', 245: 'CREATE2', 250: 'STATICCALL' };
const LOG0 = 0xa0;
const LOG4 = 0xa4;
const SELFDESTRUCT = 0xff;

/** EthereumJS's error names, as geth words them. */
const GETH_ERRORS: Record<string, string> = {
  revert: 'execution reverted',
  'out of gas': 'out of gas',
  'code store out of gas': 'contract creation code storage out of gas',
  'code size to deposit exceeds maximum code size': 'max code size exceeded',
  'invalid JUMP': 'invalid jump destination',
  'static state change': 'write protection',
  'create collision': 'contract address collision',
  'insufficient balance': 'insufficient balance for transfer',
  'invalid bytecode deployed': 'invalid code: must not begin with 0xef',
  'initcode exceeds max initcode size': 'max initcode size exceeded',
  'value out of range': 'return data out of bounds',
  'stack underflow': 'stack underflow',
  'stack overflow': 'stack limit reached 1024 (1023)',
};

const addressHex = (a: Address): Hex => a.toString() as Hex;
const stackAddress = (n: bigint) => new Address(setLengthLeft(bigIntToUnpaddedBytes(n & ((1n << 160n) - 1n)), 20));
const word = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`;

/** Memory bytes [offset, offset + size), zero beyond what the step's memory holds (LOG expands memory itself). */
function memorySlice(memory: Uint8Array, offset: bigint, size: bigint): Uint8Array {
  const out = new Uint8Array(Number(size));
  if (offset < BigInt(memory.length)) out.set(memory.subarray(Number(offset), Math.min(memory.length, Number(offset + size))));
  return out;
}

/** geth's processOutput: a reverted frame keeps its output (and its decoded reason), other failures none; a failed CREATE has no `to`. */
function finish(frame: CallFrame, output: Uint8Array, error: string | undefined): void {
  if (!error) {
    if (output.length > 0) frame.output = bytesToHex(output);
    return;
  }
  frame.error = error;
  if (frame.type === 'CREATE' || frame.type === 'CREATE2') delete frame.to;
  if (error !== 'execution reverted' || output.length === 0) return;
  frame.output = bytesToHex(output);
  const reason = revertReason(frame.output);
  if (reason !== undefined) frame.revertReason = reason;
}

/** A frame's error as geth words it (EthereumJS names errors differently). */
function gethError(frame: OpenFrame, error: string | undefined): string | undefined {
  if (error === undefined) return undefined;
  if (error === 'invalid opcode') return `invalid opcode: ${frame.lastOp}`;
  // geth's SSTORE refuses to run on 2300 gas or less (EIP-2200) and says why.
  if (error === 'out of gas' && frame.lastOp === 'SSTORE' && frame.lastGasLeft <= 2300n) return 'out of gas: not enough gas for reentrancy sentry';
  return GETH_ERRORS[error] ?? error;
}

/** geth's clearFailedLogs: a failed frame's logs and its children's never happened. */
function clearFailedLogs(frame: CallFrame, parentFailed: boolean): void {
  const failed = parentFailed || frame.error !== undefined;
  if (failed) delete frame.logs;
  for (const c of frame.calls ?? []) clearFailedLogs(c, failed);
}

/**
 * Geth's `callTracer`: the tree of call frames of one transaction (tracerConfig `onlyTopCall`,
 * `withLog`), built from EthereumJS's message events; the step event tells which opcode made each
 * message and catches LOGs and SELFDESTRUCTs, which have no event of their own.
 */
export const callTracer: TracerFactory = (config) => {
  const { onlyTopCall, withLog } = booleanOptions('callTracer', config, ['onlyTopCall', 'withLog'] as const);
  const stack: OpenFrame[] = [];
  let top: CallFrame | undefined;
  let pendingOp = 'CALL';
  /**
   * A CALL-family opcode that passed its gas check, until its message starts. EthereumJS starts no
   * message when the caller lacks the value or the depth limit is reached; geth records a frame
   * with the error, so the next step in the same frame makes it.
   */
  let unstarted: { frame: OpenFrame; json: CallFrame; error: string } | undefined;
  /** The next log's index in the block: geth's counter, which a reverted frame winds back. */
  let logIndex = 0;
  let entries = 0;
  let bytes = 0;
  let exceeded: string | undefined;
  /** A failure of the tracer itself: execution goes on (a listener must resolve), the result is refused. */
  let failure: string | undefined;

  const count = (n: number, b: number) => {
    entries += n;
    bytes += b;
    if (!exceeded && entries > CALL_TRACER_LIMITS.entries) exceeded = `more than ${CALL_TRACER_LIMITS.entries} call frames and logs`;
    if (!exceeded && bytes > CALL_TRACER_LIMITS.bytes) exceeded = `more than ${CALL_TRACER_LIMITS.bytes} bytes of call input, output and log data`;
    return !exceeded;
  };
  const fail = (e: unknown) => {
    failure ??= e instanceof Error ? e.message : String(e);
  };
  const recording = (depth: number) => !exceeded && (!onlyTopCall || depth === 0);

  const onStep = (ev: InterpreterStep, resolve?: (result?: unknown) => void) => {
    try {
      const op = ev.opcode.code;
      const frame = stack[stack.length - 1];
      if (!frame) return resolve?.();
      if (unstarted?.frame === frame) {
        if (recording(ev.depth + 1) && count(1, 0)) frame.calls.push({ ...unstarted.json, error: unstarted.error });
        unstarted = undefined;
      }
      frame.lastOp = ev.opcode.name;
      frame.lastGasLeft = ev.gasLeft;
      if (CALL_OPS[op]) pendingOp = CALL_OPS[op];
      // An opcode that cannot pay for itself fails before it acts: no log, no self-destruct.
      const fee = ev.opcode.dynamicFee ?? BigInt(ev.opcode.fee);
      const runs = ev.gasLeft >= fee && !frame.isStatic;
      if (ev.gasLeft >= fee && (op === 0xf1 || op === 0xf2 || op === 0xf4 || op === 0xfa)) unstarted = unstartedCall(ev, fee, frame);
      if (runs && op >= LOG0 && op <= LOG4) {
        const index = logIndex++;
        frame.emitted++;
        if (withLog && recording(ev.depth)) {
          const s = ev.stack;
          const data = memorySlice(ev.memory, s[s.length - 1], s[s.length - 2]);
          const topics = Array.from({ length: op - LOG0 }, (_, i) => word(s[s.length - 3 - i]));
          const log = { address: addressHex(ev.address), topics, data: bytesToHex(data), index: toQuantity(index), position: toQuantity(frame.calls.length) };
          if (count(1, data.length)) frame.logs.push(log);
        }
      }
      if (runs && op === SELFDESTRUCT && recording(ev.depth + 1) && count(1, 0)) {
        const s = ev.stack;
        const beneficiary = `0x${s[s.length - 1].toString(16).padStart(40, '0')}` as Hex;
        const from = addressHex(ev.address);
        // geth reports the balance the contract holds when SELFDESTRUCT runs; the frame is added when
        // the contract's frame ends well (a step is also announced for a SELFDESTRUCT that runs out of gas).
        ev.stateManager
          .getAccount(ev.address)
          .then((a) => {
            frame.selfdestruct = { from, gas: '0x0', gasUsed: '0x0', to: beneficiary, input: '0x', value: toQuantity(a?.balance ?? 0n), type: 'SELFDESTRUCT' };
          })
          .catch(fail)
          .finally(() => resolve?.());
        return;
      }
    } catch (e) {
      fail(e);
    }
    resolve?.();
  };

  /** The frame geth would record if the call at this step starts no message, and why it would not. */
  const unstartedCall = (ev: InterpreterStep, fee: bigint, frame: OpenFrame): typeof unstarted => {
    const s = ev.stack;
    const op = ev.opcode.code;
    const hasValue = op === 0xf1 || op === 0xf2;
    const value = hasValue ? s[s.length - 3] : 0n;
    const [inOffset, inSize] = hasValue ? [s[s.length - 4], s[s.length - 5]] : [s[s.length - 3], s[s.length - 4]];
    let error: string | undefined;
    if (ev.depth >= 1024) error = 'max call depth exceeded';
    else if (op !== 0xf4 && value > ev.account.balance) error = 'insufficient balance for transfer';
    if (!error) return undefined;
    // EIP-150: all but one 64th of what is left after the opcode's own cost, plus the stipend of a value transfer.
    const left = ev.gasLeft - fee;
    const requested = s[s.length - 1];
    const capped = requested < left - left / 64n ? requested : left - left / 64n;
    const target = addressHex(stackAddress(s[s.length - 2]));
    const from = addressHex(ev.address);
    const json: CallFrame = {
      from,
      gas: toQuantity(capped + (value > 0n ? 2300n : 0n)),
      gasUsed: '0x0',
      to: target,
      input: bytesToHex(memorySlice(ev.memory, inOffset, inSize)),
      type: CALL_OPS[op],
    };
    delete (json as Partial<CallFrame>).type;
    if (op !== 0xfa) json.value = toQuantity(op === 0xf4 ? frame.value : value);
    json.type = CALL_OPS[op];
    return { frame, json, error };
  };

  const onBefore = (msg: Message) => {
    unstarted = undefined;
    const depth = msg.depth;
    const type = depth === 0 ? (msg.to ? 'CALL' : 'CREATE') : pendingOp;
    const delegated = type === 'DELEGATECALL' || type === 'CALLCODE';
    const from = type === 'DELEGATECALL' && msg.to ? addressHex(msg.to) : addressHex(msg.caller);
    const to = delegated ? msg._codeAddress : msg.to;
    const json: CallFrame = { from, gas: toQuantity(msg.gasLimit), gasUsed: '0x0', input: bytesToHex(msg.data), type };
    if (to) json.to = addressHex(to);
    if (type !== 'STATICCALL') json.value = toQuantity(msg.value);
    // geth's key order: value and type come last.
    delete (json as Partial<CallFrame>).type;
    json.type = type;
    stack.push({ json, calls: [], logs: [], isStatic: msg.isStatic, lastOp: '', lastGasLeft: 0n, emitted: 0, value: msg.value });
    if (depth > 0 && recording(depth)) count(1, msg.data.length);
  };

  const onNewContract = (ev: { address: Address }) => {
    const frame = stack[stack.length - 1];
    if (frame) frame.json.to = addressHex(ev.address);
  };

  const onAfter = (result: EVMResult) => {
    const open = stack.pop();
    if (!open) return;
    const { json } = open;
    const exec = result.execResult;
    // A call that started no message as the frame's last opcode (its code ends right after); had
    // the frame failed there, the opcode itself failed (a step is also announced for one that runs out of gas).
    if (unstarted?.frame === open) {
      if (!exec.exceptionError && recording(stack.length + 1) && count(1, 0)) open.calls.push({ ...unstarted.json, error: unstarted.error });
      unstarted = undefined;
    }
    if (open.selfdestruct && !exec.exceptionError) open.calls.push(open.selfdestruct);
    json.gasUsed = toQuantity(exec.executionGasUsed);
    if (result.createdAddress) json.to = addressHex(result.createdAddress);
    finish(json, exec.returnValue, gethError(open, exec.exceptionError?.error));
    if (open.calls.length > 0) json.calls = open.calls;
    if (open.logs.length > 0) json.logs = open.logs;
    const parent = stack[stack.length - 1];
    // geth's journal takes a failed frame's logs back, so later logs reuse their indexes.
    if (exec.exceptionError) logIndex -= open.emitted;
    else if (parent) parent.emitted += open.emitted;
    if (!parent) {
      top = json;
      return;
    }
    if (recording(stack.length)) {
      count(0, exec.returnValue.length);
      parent.calls.push(json);
    }
  };

  return {
    before(ctx) {
      logIndex = ctx.logIndex ?? 0;
      const events = ctx.vm.evm.events;
      events?.on('step', onStep);
      events?.on('beforeMessage', onBefore);
      events?.on('afterMessage', onAfter);
      events?.on('newContract', onNewContract);
    },
    after(ctx, result: RunTxResult | undefined) {
      const events = ctx.vm.evm.events;
      events?.off('step', onStep);
      events?.off('beforeMessage', onBefore);
      events?.off('afterMessage', onAfter);
      events?.off('newContract', onNewContract);
      if (top && result) {
        // geth: the top frame's gas is the transaction's gas limit, its gasUsed the receipt's.
        top.gas = toQuantity(ctx.tx.gasLimit);
        top.gasUsed = toQuantity(result.totalGasSpent);
      }
    },
    result() {
      if (failure) throw new ServerError(`callTracer: ${failure}`);
      if (exceeded) throw new LimitExceededError(`callTracer: ${exceeded}`);
      if (!top) throw new ServerError('callTracer: the transaction did not run');
      if (withLog) clearFailedLogs(top, false);
      return top;
    },
  } satisfies Tracer;
};

import type { RunTxResult } from '@ethereumjs/vm';
import { bytesToHex, type Hex } from '../chain/hex.ts';
import type { TxContext, TxObserver } from '../execution/executeBlock.ts';

/** Where geth's eth_simulateV1 puts ETH transfers when `traceTransfers` is on, with ERC-20's Transfer topic. */
export const TRANSFER_LOG_ADDRESS: Hex = '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
export const TRANSFER_TOPIC: Hex = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** A log as a simulated call reports it, before its block position is known. */
export interface PlainLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
}

/** `seq`: the entry's place among everything the call logged, kept or not (geth counts reverted logs too). */
type Entry = ({ log: PlainLog } | { marker: true }) & { seq: number };

const word = (hex: string): Hex => `0x${hex.padStart(64, '0')}` as Hex;

function transferLog(from: Hex, to: Hex, value: bigint): PlainLog {
  return { address: TRANSFER_LOG_ADDRESS, topics: [TRANSFER_TOPIC, word(from.slice(2)), word(to.slice(2))], data: word(value.toString(16)) };
}

interface Message {
  depth: number;
  caller: { toString(): string };
  to?: { toString(): string };
  value: bigint;
  delegatecall: boolean;
}

interface EventSource {
  on(topic: string, fn: (data: never) => void): void;
  off(topic: string, fn: (data: never) => void): void;
}

/**
 * Watches one call for value transfers, as geth's simulate tracer does: a transfer log for every
 * message that moves value (calls, creations, CALLCODE; not DELEGATECALL) and for SELFDESTRUCT,
 * in execution order among the call's own logs, and dropped with the frame when it reverts.
 * The EVM's own logs are marked at their LOG opcodes and filled in from the result afterwards.
 */
export class TransferLogObserver implements TxObserver {
  private frames: Entry[][] = [];
  /** Per open frame: the transfer log of a creation, whose recipient is filled in when it ends. */
  private creations: (PlainLog | undefined)[] = [];
  private done: Entry[] = [];
  /** Logs captured so far, reverted ones included. */
  captured = 0;
  private events: EventSource | undefined;

  private readonly onBefore = (m: Message) => {
    const frame: Entry[] = [];
    this.frames.push(frame);
    if (m.delegatecall || m.value === 0n) {
      this.creations.push(undefined);
      return;
    }
    const log = transferLog(m.caller.toString() as Hex, (m.to?.toString() ?? '0x') as Hex, m.value);
    frame.push({ log, seq: this.captured++ });
    this.creations.push(m.to ? undefined : log);
  };

  private readonly onAfter = (r: { createdAddress?: { toString(): string }; execResult: { exceptionError?: unknown } }) => {
    const frame = this.frames.pop() ?? [];
    const create = this.creations.pop();
    if (create && r.createdAddress) create.topics[2] = word(r.createdAddress.toString().slice(2));
    if (r.execResult.exceptionError) return;
    const parent = this.frames[this.frames.length - 1];
    if (parent) parent.push(...frame);
    else this.done = frame;
  };

  private readonly onStep = (s: { opcode: { name: string }; stack: bigint[]; address: { toString(): string }; account: { balance: bigint } }) => {
    const name = s.opcode.name;
    const frame = this.frames[this.frames.length - 1];
    if (!frame) return;
    if (name.startsWith('LOG')) frame.push({ marker: true, seq: this.captured++ });
    else if (name === 'SELFDESTRUCT' && s.account.balance > 0n) {
      const to = `0x${s.stack[s.stack.length - 1].toString(16).padStart(40, '0')}` as Hex;
      frame.push({ log: transferLog(s.address.toString() as Hex, to, s.account.balance), seq: this.captured++ });
    }
  };

  before(ctx: TxContext): void {
    this.frames = [];
    this.creations = [];
    this.done = [];
    this.captured = 0;
    this.events = ctx.vm.evm.events as unknown as EventSource;
    this.events.on('beforeMessage', this.onBefore as never);
    this.events.on('afterMessage', this.onAfter as never);
    this.events.on('step', this.onStep as never);
  }

  after(_ctx: TxContext, _result: RunTxResult | undefined): void {
    this.events?.off('beforeMessage', this.onBefore as never);
    this.events?.off('afterMessage', this.onAfter as never);
    this.events?.off('step', this.onStep as never);
    this.events = undefined;
  }

  /**
   * The call's logs in order: transfers and the EVM's own (`evmLogs`, the result's), none if it
   * failed, each with its place among all the call captured (`seq`).
   */
  logs(evmLogs: PlainLog[]): (PlainLog & { seq: number })[] {
    const out: (PlainLog & { seq: number })[] = [];
    let k = 0;
    for (const e of this.done) {
      if ('log' in e) out.push({ ...e.log, seq: e.seq });
      else if (k < evmLogs.length) out.push({ ...evmLogs[k++], seq: e.seq });
    }
    return out;
  }
}

/** The EVM's logs of a result, as plain logs. */
export function resultLogs(result: RunTxResult): PlainLog[] {
  if (result.execResult.exceptionError) return [];
  return (result.execResult.logs ?? []).map(([address, topics, data]) => ({
    address: bytesToHex(address),
    topics: topics.map((t) => bytesToHex(t)),
    data: bytesToHex(data),
  }));
}

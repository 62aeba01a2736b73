import type { Hex } from '../chain/hex.ts';
import { type LogFilter, matchesLog } from '../chain/logFilter.ts';
import type { RpcBlockHeader, RpcLog } from '../chain/types.ts';

/**
 * What the sequencer pushes to the subscription hubs once per sealed block, and what a hub turns it
 * into: geth's `eth_subscription` notifications. Runtime-free; the hub (durable-objects/hub.ts)
 * only holds the sockets.
 */
export interface ChainEvent {
  /** The sealed block's header (geth's newHeads shape: no transactions, uncles or size). */
  header: NewHead;
  /** Every log of the block, in order, each with `removed: false` (the sequencer never reorgs). */
  logs: RpcLog[];
  /** Transactions admitted to the pool since the previous block was pushed. */
  pending: Hex[];
  /** When the sequencer sealed the block, in ms since the epoch (its clock). */
  sealedAt: number;
}

export type NewHead = Omit<RpcBlockHeader, 'size' | 'uncles' | 'withdrawals'>;

/** The header as geth's newHeads notification carries it. */
export function newHead(h: RpcBlockHeader): NewHead {
  const { size: _size, uncles: _uncles, withdrawals: _withdrawals, ...rest } = h;
  return rest;
}

export type SubscriptionKind = 'newHeads' | 'logs' | 'newPendingTransactions' | 'syncing';

/** One subscription as a hub keeps it; logs filters are kept beside it (they can be kilobytes). */
export interface Subscription {
  id: Hex;
  kind: SubscriptionKind;
  /** newPendingTransactions: whole transactions instead of hashes. */
  full?: boolean;
  /** logs: the filter (address and topics, as eth_getLogs). */
  filter?: LogFilter;
}

/** A fresh subscription or filter id: 16 random bytes, as geth makes them. */
export function randomId(random: (bytes: Uint8Array) => void): Hex {
  const b = new Uint8Array(16);
  random(b);
  return `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}` as Hex;
}

/** What every `eth_subscription` message starts with, up to the subscription id. */
const NOTIFICATION_HEAD = '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"';

/** What follows the subscription id in a message carrying `resultJson` (and `extra` fields beside it). */
function notificationTail(resultJson: string, extra = ''): string {
  return `","result":${resultJson}${extra}}}`;
}

/** One `eth_subscription` message, serialized; `result` is already JSON. */
export function notification(subscription: Hex, resultJson: string, extra = ''): string {
  return NOTIFICATION_HEAD + subscription + notificationTail(resultJson, extra);
}

/**
 * The messages one event makes for one socket's subscriptions, in order: newHeads first, then each
 * matching log (one message per log, as geth sends them), then pending hashes. Serialized parts of
 * the event are shared across sockets through `cache`. newHeads messages carry `sealedAt` beside
 * `subscription` and `result` (clients ignore the extra field; the bench measures delay with it).
 * Full pending transactions are not made here: the hub fetches them (`pendingTxs`).
 */
export function messagesFor(event: ChainEvent, subs: Subscription[], cache: EventJson, pendingTxs?: Map<Hex, string>): string[] {
  const out: string[] = [];
  for (const s of subs) {
    if (s.kind === 'newHeads') out.push(NOTIFICATION_HEAD + s.id + cache.headTail());
  }
  for (const s of subs) {
    if (s.kind !== 'logs') continue;
    event.logs.forEach((log, i) => {
      if (!s.filter || matchesLog(log, s.filter)) out.push(NOTIFICATION_HEAD + s.id + cache.logTail(i));
    });
  }
  for (const s of subs) {
    if (s.kind !== 'newPendingTransactions') continue;
    for (const hash of event.pending) {
      if (!s.full) out.push(notification(s.id, `"${hash}"`));
      else {
        const tx = pendingTxs?.get(hash);
        if (tx) out.push(notification(s.id, tx));
      }
    }
  }
  return out;
}

/**
 * The JSON of an event's parts, made once per event however many sockets receive them: each
 * socket's message is then the shared head, its subscription id and the shared tail, one
 * concatenation (no serialization per socket).
 */
export class EventJson {
  private headerJson: string | undefined;
  private headTailJson: string | undefined;
  private readonly logJson: (string | undefined)[] = [];
  private readonly logTailJson: (string | undefined)[] = [];
  private readonly event: ChainEvent;
  constructor(event: ChainEvent) {
    this.event = event;
  }
  header(): string {
    this.headerJson ??= JSON.stringify(this.event.header);
    return this.headerJson;
  }
  log(i: number): string {
    this.logJson[i] ??= JSON.stringify(this.event.logs[i]);
    return this.logJson[i] as string;
  }
  /** A newHeads message after the subscription id: the header and `sealedAt`. */
  headTail(): string {
    this.headTailJson ??= notificationTail(this.header(), `,"sealedAt":${this.event.sealedAt}`);
    return this.headTailJson;
  }
  /** A logs message after the subscription id: log `i`. */
  logTail(i: number): string {
    this.logTailJson[i] ??= notificationTail(this.log(i));
    return this.logTailJson[i] as string;
  }
}

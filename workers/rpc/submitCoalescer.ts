import type { Hex } from '../../core/chain/hex.ts';
import type { SubmitResult } from '../../core/sequencer/sequencer.ts';
import type { CheckedTransaction } from '../../core/tx/decodeTransaction.ts';

/** What one HTTP request can do with the sequencer, through its own stub. */
export interface SubmitPort {
  submit(txs: CheckedTransaction[]): Promise<SubmitResult[]>;
  /** Whether the sequencer holds the transaction, in its pool or in a block. */
  knows(hash: Hex): Promise<boolean>;
  /** Keeps the request's context alive until `p` settles, even once it has answered (ctx.waitUntil). */
  waitUntil(p: Promise<unknown>): void;
}

export interface CoalescerLimits {
  /** Transactions per Durable Object call. */
  txs: number;
  /** Bytes of signed transactions per call (Durable Object RPC messages are limited in size). */
  bytes: number;
  /** How long a leader keeps sending the calls of others before the next request to arrive takes over. */
  leadMs: number;
  /** How long a request waits for a call another request makes for it before it sends its own. */
  waitMs: number;
}

export const DEFAULT_LIMITS: CoalescerLimits = { txs: 512, bytes: 4 * 1024 * 1024, leadMs: 2_000, waitMs: 15_000 };

type Turn = { kind: 'result'; result: SubmitResult } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

interface Waiting {
  tx: CheckedTransaction;
  bytes: number;
  sent: boolean;
  notify?: (turn: Turn) => void;
}

/**
 * Carries the transactions that concurrent requests to one edge isolate submit to the sequencer
 * in one Durable Object call, instead of one call each (docs/decisions/0010). At most one call is
 * in flight: a request that finds none makes it (the leader), the others queue and go in the next
 * one, which the leader makes as soon as the first returns. Nothing waits on a timer: under light
 * load every transaction goes alone and at once.
 *
 * Workers bind I/O to the request that started it, so each call is made by a request whose own
 * transaction is in it, through that request's own stub, and `waitUntil` keeps the leader alive
 * until its calls are answered even if its client goes away. A waiting request keeps a timer of its
 * own (the runtime cancels a request that waits on nothing of its own) which also bounds the wait:
 * if no answer came, it asks the sequencer whether its transaction arrived and otherwise sends it
 * itself. After `leadMs` the next request to arrive takes the lead and the old leader stops after
 * its current call, so no request's context is kept for long beyond its own answer; a waiting
 * request is only ever resumed with its answer, never asked to make a call for others.
 */
export class SubmitCoalescer {
  private readonly queue: Waiting[] = [];
  /** Incremented whenever a request takes the lead; a leader stops once it is no longer the latest. */
  private epoch = 0;
  private leader = false;
  private leaderSince = 0;
  /** Durable Object calls made and transactions they carried (for the sequencer's status). */
  calls = 0;
  carried = 0;

  private readonly limits: CoalescerLimits;
  private readonly now: () => number;

  constructor(limits: CoalescerLimits = DEFAULT_LIMITS, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
  }

  async submit(tx: CheckedTransaction, port: SubmitPort): Promise<SubmitResult> {
    const me: Waiting = { tx, bytes: (tx.raw.length - 2) / 2, sent: false };
    this.queue.push(me);
    if (!this.leader || this.now() - this.leaderSince > this.limits.leadMs) {
      const epoch = ++this.epoch;
      this.leader = true;
      this.leaderSince = this.now();
      // Let the other submissions of this turn (a JSON-RPC batch) join the first call.
      await Promise.resolve();
      return this.lead(me, port, epoch);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const turn = await new Promise<Turn>((resolve) => {
        me.notify = resolve;
        timer = setTimeout(() => resolve({ kind: 'timeout' }), this.limits.waitMs);
      });
      if (turn.kind === 'result') return turn.result;
      if (turn.kind === 'error') throw turn.error;
      return this.sendAlone(me, port);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends `me` with everything queued, answers the others, and keeps sending what queues up in
   * the meantime until the queue is empty or another request has taken the lead. Returns as soon
   * as the call carrying `me` is answered.
   */
  private lead(me: Waiting, port: SubmitPort, epoch: number): Promise<SubmitResult> {
    // The leader is answered like the others, through its own entry.
    const mine = new Promise<SubmitResult>((resolve, reject) => {
      me.notify = (turn) => (turn.kind === 'result' ? resolve(turn.result) : turn.kind === 'error' ? reject(turn.error) : undefined);
    });
    // Its own transaction goes in the first call, whatever queued before it.
    const at = this.queue.indexOf(me);
    if (at > 0) this.queue.unshift(...this.queue.splice(at, 1));
    const run = async () => {
      try {
        while (this.queue.length > 0 && this.epoch === epoch) {
          const batch = this.take();
          this.calls++;
          this.carried += batch.length;
          try {
            // Plain copies: what a call returns belongs to the request that made it.
            const results = JSON.parse(JSON.stringify(await port.submit(batch.map((w) => w.tx)))) as SubmitResult[];
            for (const [i, w] of batch.entries()) w.notify?.({ kind: 'result', result: results[i] });
          } catch (e) {
            const error = new Error(e instanceof Error ? e.message : String(e));
            for (const w of batch) w.notify?.({ kind: 'error', error });
          }
        }
      } finally {
        if (this.epoch === epoch) this.leader = false;
      }
    };
    port.waitUntil(run());
    return mine;
  }

  /** The queue's head, up to the limits of one call (at least one transaction). */
  private take(): Waiting[] {
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.limits.txs && (n === 0 || bytes + this.queue[n].bytes <= this.limits.bytes)) {
      bytes += this.queue[n].bytes;
      n++;
    }
    const batch = this.queue.splice(0, n);
    for (const w of batch) w.sent = true;
    return batch;
  }

  /**
   * No answer came through the call that carried (or was to carry) `me`: the leader's context
   * died. Leave the queue, then send it alone unless the sequencer already has it.
   */
  private async sendAlone(me: Waiting, port: SubmitPort): Promise<SubmitResult> {
    const at = this.queue.indexOf(me);
    if (at >= 0) this.queue.splice(at, 1);
    if (me.sent && (await port.knows(me.tx.hash))) return { hash: me.tx.hash };
    const [result] = await port.submit([me.tx]);
    if ('error' in result && me.sent && result.error.message === 'already known') return { hash: me.tx.hash };
    return result;
  }
}

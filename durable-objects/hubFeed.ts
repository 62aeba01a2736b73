import type { Hex } from '../core/chain/hex.ts';
import type { ChainEvent } from '../core/subscriptions/events.ts';
import { type Env, hubStub } from '../workers/env.ts';

/** Blocks kept for one hub while a push to it is in flight; past this the oldest go (the hub sees a gap). */
export const MAX_QUEUED_EVENTS_PER_HUB = 256;
/** Admitted transaction hashes kept between two blocks for newPendingTransactions (the oldest go first). */
export const MAX_PENDING_HASHES = 4096;

/**
 * The sequencer's side of the subscription fan-out (durable-objects/hub.ts): which hubs have
 * watchers (kept in the sequencer's SQLite, so an eviction does not forget them), and one push per
 * sealed block to each of them. Nothing here is awaited by a seal: a push leaves as a Durable Object
 * call in the background; while one is in flight to a hub, the next blocks wait and go together in
 * the following call, so a slow hub costs memory here (bounded) and never time. When no hub watches,
 * a block costs one Set lookup.
 */
export class HubFeed {
  private readonly watching: Set<number>;
  /** Bumped by each watch(): a hub that asks again while a push to it is in flight is not dropped by that push's answer. */
  private readonly epochs = new Map<number, number>();
  private readonly queues = new Map<number, { events: string[]; inFlight: boolean }>();
  private pending: Hex[] = [];

  private readonly sql: SqlStorage;
  private readonly env: Env;

  constructor(sql: SqlStorage, env: Env) {
    this.sql = sql;
    this.env = env;
    sql.exec('CREATE TABLE IF NOT EXISTS hub_watchers (shard INTEGER PRIMARY KEY)');
    this.watching = new Set(
      sql
        .exec<{ shard: number }>('SELECT shard FROM hub_watchers')
        .toArray()
        .map((r) => Number(r.shard)),
    );
  }

  /** A hub has subscriptions or filters that need blocks: send it every block from now on. */
  watch(shard: number): void {
    this.epochs.set(shard, (this.epochs.get(shard) ?? 0) + 1);
    if (this.watching.has(shard)) return;
    this.sql.exec('INSERT OR IGNORE INTO hub_watchers (shard) VALUES (?)', shard);
    this.watching.add(shard);
  }

  private unwatch(shard: number): void {
    this.sql.exec('DELETE FROM hub_watchers WHERE shard = ?', shard);
    this.watching.delete(shard);
    this.queues.delete(shard);
  }

  /** Transactions just admitted (for newPendingTransactions), kept only while some hub watches. */
  admitted(results: readonly ({ hash: Hex } | object)[]): void {
    if (this.watching.size === 0) return;
    for (const r of results) if ('hash' in r) this.pending.push(r.hash);
    if (this.pending.length > MAX_PENDING_HASHES) this.pending = this.pending.slice(-MAX_PENDING_HASHES);
  }

  /** After a seal: the block goes to every watching hub, in the background. `build` runs only if some hub watches. */
  publish(build: () => Omit<ChainEvent, 'pending'>): void {
    if (this.watching.size === 0) return;
    const event: ChainEvent = { ...build(), pending: this.pending };
    this.pending = [];
    // Serialized once for every hub (a string crosses to a Durable Object far cheaper than objects).
    const json = JSON.stringify(event);
    for (const shard of this.watching) {
      let q = this.queues.get(shard);
      if (!q) {
        q = { events: [], inFlight: false };
        this.queues.set(shard, q);
      }
      q.events.push(json);
      if (q.events.length > MAX_QUEUED_EVENTS_PER_HUB) q.events.splice(0, q.events.length - MAX_QUEUED_EVENTS_PER_HUB);
      this.pump(shard);
    }
  }

  private pump(shard: number): void {
    const q = this.queues.get(shard);
    if (!q || q.inFlight || q.events.length === 0) return;
    const events = q.events.splice(0);
    const epoch = this.epochs.get(shard) ?? 0;
    q.inFlight = true;
    hubStub(this.env, shard)
      .publish(`[${events.join(',')}]`)
      .then((keep) => {
        // The hub has no watcher left; unless it asked again meanwhile, stop sending to it.
        if (!keep && (this.epochs.get(shard) ?? 0) === epoch) this.unwatch(shard);
      })
      .catch((e: unknown) => console.warn(`push to subscription hub ${shard} failed:`, String(e)))
      .finally(() => {
        q.inFlight = false;
        this.pump(shard);
      });
  }
}

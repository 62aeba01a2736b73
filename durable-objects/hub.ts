import { DurableObject } from 'cloudflare:workers';
import { type ChainConfig, parseChainConfig } from '../core/chain/config.ts';
import type { Hex } from '../core/chain/hex.ts';
import type { LogFilter } from '../core/chain/logFilter.ts';
import type { RpcLog } from '../core/chain/types.ts';
import { InvalidRequestError, LimitExceededError, type Outcome, outcome, ServerError, toErrorObject } from '../core/errors.ts';
import { MAX_LOG_BLOCK_RANGE } from '../core/sequencer/logs.ts';
import { type ChainEvent, EventJson, messagesFor, randomId, type Subscription } from '../core/subscriptions/events.ts';
import { type Env, hubSequencer, publicSequencer } from '../workers/env.ts';
import { RpcContext, type SocketSession, type SubscriptionRequest } from '../workers/rpc/context.ts';
import { callCount, dispatch, MALFORMED, parseBody } from '../workers/rpc/dispatch.ts';
import { eth_getLogs, parseFilter } from '../workers/rpc/methods/eth_getLogs.ts';
import { type Client, charge } from '../workers/rpc/rateLimit.ts';

/** Sockets one hub serves; the edge tries another hub when one is full (HTTP 503 past them all). */
export const MAX_SOCKETS_PER_HUB = 1000;
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 32;
/** Largest message a client may send (a JSON-RPC request or batch); larger ones get -32600, the socket stays. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Calls of one socket answered at once; more get -32005 until one finishes. */
export const MAX_CALLS_IN_FLIGHT_PER_SOCKET = 16;
/**
 * Notification bytes one socket may be sent per NOTIFICATION_WINDOW_MS; past it the client is
 * dropped (close 1008). workerd gives no backpressure signal (its WebSocket has no bufferedAmount:
 * a client that stops reading just grows the hub's send queue), so this bounds what any one socket,
 * reading or not, can make a hub hold; `bufferedAmount` is used as well where the runtime has it.
 */
export const MAX_NOTIFICATION_BYTES = 4 * 1024 * 1024;
export const NOTIFICATION_WINDOW_MS = 10_000;
/** Bytes sent but not yet taken by the client past which it is dropped, where the runtime reports them. */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** A socket with no subscription that sent nothing for this long is closed (1000). */
export const IDLE_TIMEOUT_MS = 10 * 60_000;
/** geth's expiry of a filter nobody polled. */
export const FILTER_TIMEOUT_MS = 5 * 60_000;
/** Filters one client may have installed at once (a client's filters are all in one hub). */
export const MAX_FILTERS_PER_CLIENT = 64;
/** Block or transaction hashes a filter holds between polls; the oldest go first. */
export const MAX_FILTER_ITEMS = 4096;
/** Full transactions fetched per block for newPendingTransactions(true) subscribers. */
export const MAX_FULL_PENDING_PER_BLOCK = 256;
/** How often the hub sweeps expired filters and idle sockets, while it has any. */
const SWEEP_MS = 60_000;

/** Close codes: 1008 (policy) for a client too slow to read, 1000 for an idle one. */
export const CLOSE_TOO_SLOW = 1008;
export const CLOSE_IDLE = 1000;

/** What a socket carries through hibernation (serializeAttachment); logs filters are in SQLite (they can be kilobytes). */
interface SocketState {
  sid: string;
  client: Client;
  subs: { id: Hex; kind: Subscription['kind']; full?: boolean }[];
  lastMessageAt: number;
}

type FilterKind = 'logs' | 'blocks' | 'pending';

const hex = (n: bigint) => `0x${n.toString(16)}`;

/**
 * A subscription hub: WebSockets of JSON-RPC clients, held with the WebSocket Hibernation API (an
 * idle hub leaves memory and costs no duration; its sockets stay open), and the HTTP filters of the
 * clients hashed to it. Calls over a socket go through the same dispatcher as HTTP, with the same
 * rate limits; eth_subscribe and eth_unsubscribe act on the socket. The sequencer pushes each
 * sealed block here once (durable-objects/hubFeed.ts) and the hub fans it out. Sockets are spread
 * over HUB_SHARDS hubs at random by the edge (workers/rpc/app.ts).
 */
export class SubscriptionHub extends DurableObject<Env> {
  private readonly config: ChainConfig;
  /** Socket state by socket, read from the attachment once per wake. */
  private readonly states = new Map<WebSocket, SocketState>();
  /** Logs subscriptions' filters, loaded from SQLite once per wake. */
  private subFilters: Map<Hex, LogFilter> | undefined;
  private readonly inFlight = new Map<WebSocket, number>();
  /** Notification bytes sent per socket in the current window. */
  private readonly sentBytes = new Map<WebSocket, { windowStart: number; bytes: number }>();
  /** Whether the sequencer sends blocks here (lost on eviction: then asked again, which is idempotent). */
  private registered = false;
  private shardNumber: number | undefined;
  /** Block and pending-transaction filters installed here (read once per wake, kept up to date). */
  private feedFilterIds: { id: string; kind: string }[] | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = parseChainConfig(env);
    const sql = ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS sub_filters (id TEXT PRIMARY KEY, socket TEXT NOT NULL, filter TEXT NOT NULL)');
    sql.exec(`CREATE TABLE IF NOT EXISTS filters (id TEXT PRIMARY KEY, client TEXT NOT NULL, kind TEXT NOT NULL,
      criteria TEXT, cursor INTEGER NOT NULL, last_poll INTEGER NOT NULL)`);
    sql.exec('CREATE INDEX IF NOT EXISTS filters_client ON filters (client)');
    sql.exec('CREATE TABLE IF NOT EXISTS filter_items (seq INTEGER PRIMARY KEY AUTOINCREMENT, filter TEXT NOT NULL, item TEXT NOT NULL)');
    sql.exec('CREATE INDEX IF NOT EXISTS filter_items_filter ON filter_items (filter, seq)');
  }

  /** This hub's shard number: from its name, else as the edge told it (kept for after an eviction). */
  private shard(told?: number): number {
    if (this.shardNumber !== undefined) return this.shardNumber;
    const byName = /^hub-(\d+)$/.exec(this.ctx.id.name ?? '')?.[1];
    if (byName !== undefined) this.shardNumber = Number(byName);
    else if (told !== undefined && Number.isInteger(told)) {
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('shard', ?)", String(told));
      this.shardNumber = told;
    } else {
      const row = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'shard'").toArray()[0];
      if (!row) throw new Error('subscription hub does not know its shard');
      this.shardNumber = Number(row.value);
    }
    return this.shardNumber;
  }

  /** Asks the sequencer for blocks (once per wake; idempotent there). */
  private async ensureWatching(): Promise<void> {
    if (this.registered) return;
    await hubSequencer(this.env).watchBlocks(this.shard());
    this.registered = true;
  }

  private async ensureSweep(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
  }

  // ---- sockets -----------------------------------------------------------------------------

  /** The WebSocket upgrade, forwarded by the edge with the client it identified and this hub's shard. */
  override async fetch(req: Request): Promise<Response> {
    if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    if (this.ctx.getWebSockets().length >= MAX_SOCKETS_PER_HUB) return new Response('subscription hub full', { status: 503 });
    this.shard(Number(req.headers.get('x-hub-shard') ?? Number.NaN));
    const client = JSON.parse(req.headers.get('x-rpc-client') ?? '{"kind":"address","id":"unknown"}') as Client;
    const [clientSide, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    const state: SocketState = { sid: randomId((b) => crypto.getRandomValues(b)), client, subs: [], lastMessageAt: Date.now() };
    server.serializeAttachment(state);
    this.states.set(server, state);
    await this.ensureSweep();
    return new Response(null, { status: 101, webSocket: clientSide });
  }

  private state(ws: WebSocket): SocketState {
    let s = this.states.get(ws);
    if (!s) {
      s = ws.deserializeAttachment() as SocketState;
      this.states.set(ws, s);
    }
    return s;
  }

  private filtersOfSubs(): Map<Hex, LogFilter> {
    this.subFilters ??= new Map(
      this.ctx.storage.sql
        .exec<{ id: string; filter: string }>('SELECT id, filter FROM sub_filters')
        .toArray()
        .map((r) => [r.id as Hex, JSON.parse(r.filter) as LogFilter]),
    );
    return this.subFilters;
  }

  private send(ws: WebSocket, message: string): void {
    try {
      ws.send(message);
    } catch {
      // Closed meanwhile: its close handler cleans up.
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const s = this.state(ws);
    s.lastMessageAt = Date.now();
    ws.serializeAttachment(s);
    const size = typeof message === 'string' ? message.length : message.byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      this.send(
        ws,
        JSON.stringify({ jsonrpc: '2.0', id: null, error: toErrorObject(new InvalidRequestError(`message too large: limit ${MAX_MESSAGE_BYTES} bytes`)) }),
      );
      return;
    }
    const parsed = parseBody(typeof message === 'string' ? message : new TextDecoder().decode(message));
    const id =
      parsed !== MALFORMED && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? ((parsed as { id?: unknown }).id ?? null) : null;
    const busy = this.inFlight.get(ws) ?? 0;
    if (busy >= MAX_CALLS_IN_FLIGHT_PER_SOCKET) {
      const e = new LimitExceededError(`too many calls in flight on this socket: at most ${MAX_CALLS_IN_FLIGHT_PER_SOCKET}`);
      this.send(ws, JSON.stringify({ jsonrpc: '2.0', id, error: toErrorObject(e) }));
      return;
    }
    this.inFlight.set(ws, busy + 1);
    try {
      // The HTTP endpoint's rate limits, per call, for the client identified at the upgrade.
      const refusal = await charge(this.env, s.client, callCount(parsed));
      if (refusal) {
        this.send(ws, JSON.stringify({ jsonrpc: '2.0', id, error: toErrorObject(refusal.error) }));
        return;
      }
      const c = new RpcContext(this.env, this.config, (p) => this.ctx.waitUntil(p), { client: s.client, socket: this.session(ws) });
      const result = await dispatch(parsed, c);
      if (result !== null) this.send(ws, JSON.stringify(result));
    } finally {
      const n = (this.inFlight.get(ws) ?? 1) - 1;
      if (n > 0) this.inFlight.set(ws, n);
      else this.inFlight.delete(ws);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.forget(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.forget(ws);
  }

  private forget(ws: WebSocket): void {
    const s = this.state(ws);
    this.ctx.storage.sql.exec('DELETE FROM sub_filters WHERE socket = ?', s.sid);
    for (const sub of s.subs) this.subFilters?.delete(sub.id);
    this.states.delete(ws);
    this.inFlight.delete(ws);
    this.sentBytes.delete(ws);
  }

  private drop(ws: WebSocket, code: number, reason: string): void {
    this.forget(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  /** eth_subscribe / eth_unsubscribe for calls that arrived on `ws`. */
  private session(ws: WebSocket): SocketSession {
    return {
      subscribe: async (req: SubscriptionRequest) => {
        const s = this.state(ws);
        if (s.subs.length >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
          throw new LimitExceededError(`too many subscriptions on this socket: at most ${MAX_SUBSCRIPTIONS_PER_SOCKET}`);
        }
        const id = randomId((b) => crypto.getRandomValues(b));
        if (req.kind === 'logs') {
          this.ctx.storage.sql.exec('INSERT INTO sub_filters (id, socket, filter) VALUES (?, ?, ?)', id, s.sid, JSON.stringify(req.filter));
          this.filtersOfSubs().set(id, req.filter);
        }
        s.subs.push(req.kind === 'newPendingTransactions' ? { id, kind: req.kind, full: req.full } : { id, kind: req.kind });
        ws.serializeAttachment(s);
        if (req.kind !== 'syncing') await this.ensureWatching();
        return id;
      },
      unsubscribe: async (id: Hex) => {
        const s = this.state(ws);
        const i = s.subs.findIndex((x) => x.id === id);
        if (i < 0) throw new ServerError('subscription not found');
        s.subs.splice(i, 1);
        ws.serializeAttachment(s);
        this.ctx.storage.sql.exec('DELETE FROM sub_filters WHERE id = ?', id);
        this.subFilters?.delete(id);
        return true;
      },
    };
  }

  // ---- the sequencer's push ----------------------------------------------------------------

  /**
   * Sealed blocks from the sequencer, in order: notifications to every subscribed socket, hashes to
   * the block and pending-transaction filters. A socket whose client has not taken what was sent
   * before (MAX_UNSENT_BYTES) is dropped with close code 1008 instead of being buffered further.
   * Answers whether the hub still wants blocks. The events come as one JSON string, serialized once
   * by the sequencer for all hubs.
   */
  async publish(eventsJson: string): Promise<boolean> {
    const events = JSON.parse(eventsJson) as ChainEvent[];
    this.registered = true;
    this.feedFilters(events);
    const sockets = this.ctx.getWebSockets();
    const subsOf = new Map<WebSocket, Subscription[]>();
    let wantFull = false;
    for (const ws of sockets) {
      const s = this.state(ws);
      if (s.subs.length === 0) continue;
      subsOf.set(
        ws,
        s.subs.map((x) => (x.kind === 'logs' ? { ...x, filter: this.filtersOfSubs().get(x.id) } : x)),
      );
      wantFull ||= s.subs.some((x) => x.full);
    }
    for (const event of events) {
      const json = new EventJson(event);
      const now = Date.now();
      const fullTxs = wantFull && event.pending.length > 0 ? await this.pendingTransactions(event.pending) : undefined;
      for (const [ws, subs] of subsOf) {
        if (!this.states.has(ws)) continue;
        const messages = messagesFor(event, subs, json, fullTxs);
        if (messages.length === 0) continue;
        const refusal = this.overBudget(ws, messages, now);
        if (refusal) {
          this.drop(ws, CLOSE_TOO_SLOW, refusal);
          continue;
        }
        for (const m of messages) this.send(ws, m);
      }
    }
    const keep = subsOf.size > 0 || this.hasFeedFilters();
    if (!keep) this.registered = false;
    return keep;
  }

  /** Why `ws` may not be sent `messages` (its client cannot keep up), or null. */
  private overBudget(ws: WebSocket, messages: string[], now: number): string | null {
    const unsent = (ws as { bufferedAmount?: number }).bufferedAmount;
    if (typeof unsent === 'number' && unsent > MAX_UNSENT_BYTES) return `client too slow: more than ${MAX_UNSENT_BYTES} bytes unread`;
    let w = this.sentBytes.get(ws);
    if (!w || now - w.windowStart >= NOTIFICATION_WINDOW_MS) {
      w = { windowStart: now, bytes: 0 };
      this.sentBytes.set(ws, w);
    }
    for (const m of messages) w.bytes += m.length;
    if (w.bytes > MAX_NOTIFICATION_BYTES)
      return `client too slow: more than ${MAX_NOTIFICATION_BYTES} bytes of notifications in ${NOTIFICATION_WINDOW_MS / 1000} s`;
    return null;
  }

  private async pendingTransactions(hashes: Hex[]): Promise<Map<Hex, string>> {
    const sequencer = publicSequencer(this.env);
    const out = new Map<Hex, string>();
    const txs = await Promise.all(hashes.slice(0, MAX_FULL_PENDING_PER_BLOCK).map((h) => sequencer.transaction(h).catch(() => null)));
    txs.forEach((tx, i) => {
      if (tx) out.set(hashes[i], JSON.stringify(tx));
    });
    return out;
  }

  // ---- filters (HTTP) ----------------------------------------------------------------------

  private feedFilterList(): { id: string; kind: string }[] {
    this.feedFilterIds ??= this.ctx.storage.sql.exec<{ id: string; kind: string }>("SELECT id, kind FROM filters WHERE kind != 'logs'").toArray();
    return this.feedFilterIds;
  }

  private hasFeedFilters(): boolean {
    return this.feedFilterList().length > 0;
  }

  /** Block and pending-transaction filters collect hashes from each push, at most MAX_FILTER_ITEMS each. */
  private feedFilters(events: ChainEvent[]): void {
    const sql = this.ctx.storage.sql;
    const filters = this.feedFilterList();
    if (filters.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const f of filters) {
        const items = f.kind === 'blocks' ? events.map((e) => e.header.hash) : events.flatMap((e) => e.pending);
        for (const item of items.slice(-MAX_FILTER_ITEMS)) sql.exec('INSERT INTO filter_items (filter, item) VALUES (?, ?)', f.id, item);
        sql.exec(
          'DELETE FROM filter_items WHERE filter = ? AND seq <= (SELECT seq FROM filter_items WHERE filter = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
          f.id,
          f.id,
          MAX_FILTER_ITEMS,
        );
      }
    });
  }

  /** Installs a filter for `client`; its id's first byte is this hub's shard. */
  async newFilter(shard: number, client: string, kind: FilterKind, criteria: Record<string, unknown> | null, head: bigint): Promise<Outcome<Hex>> {
    return outcome(async () => {
      this.shard(shard);
      const sql = this.ctx.storage.sql;
      this.expireFilters();
      const count = sql.exec<{ n: number }>('SELECT count(*) AS n FROM filters WHERE client = ?', client).one().n;
      if (count >= MAX_FILTERS_PER_CLIENT)
        throw new LimitExceededError(`too many filters: at most ${MAX_FILTERS_PER_CLIENT} per client; uninstall some or let them expire`);
      const id = `0x${shard.toString(16).padStart(2, '0')}${randomId((b) => crypto.getRandomValues(b)).slice(4)}` as Hex;
      sql.exec(
        'INSERT INTO filters (id, client, kind, criteria, cursor, last_poll) VALUES (?, ?, ?, ?, ?, ?)',
        id,
        client,
        kind,
        criteria === null ? null : JSON.stringify(criteria),
        Number(head),
        Date.now(),
      );
      this.feedFilterIds = undefined;
      if (kind !== 'logs') await this.ensureWatching();
      await this.ensureSweep();
      return id;
    });
  }

  private filter(id: Hex): { kind: FilterKind; criteria: string | null; cursor: number } {
    this.expireFilters();
    const row = this.ctx.storage.sql
      .exec<{ kind: FilterKind; criteria: string | null; cursor: number }>('SELECT kind, criteria, cursor FROM filters WHERE id = ?', id)
      .toArray()[0];
    if (!row) throw new ServerError('filter not found');
    return row;
  }

  /**
   * What the filter saw since the last poll: the hashes it collected, or, for a log filter, the logs
   * of the blocks after its cursor (at most eth_getLogs' block range and results per poll; the
   * cursor moves only past what was answered, so the next poll goes on from there).
   */
  async filterChanges(id: Hex): Promise<Outcome<unknown[]>> {
    return outcome(async () => {
      const f = this.filter(id);
      const sql = this.ctx.storage.sql;
      sql.exec('UPDATE filters SET last_poll = ? WHERE id = ?', Date.now(), id);
      if (f.kind !== 'logs') {
        const rows = sql.exec<{ seq: number; item: string }>('SELECT seq, item FROM filter_items WHERE filter = ? ORDER BY seq', id).toArray();
        if (rows.length > 0) sql.exec('DELETE FROM filter_items WHERE filter = ? AND seq <= ?', id, rows[rows.length - 1].seq);
        return rows.map((r) => r.item);
      }
      const criteria = JSON.parse(f.criteria ?? '{}') as Record<string, unknown>;
      const c = new RpcContext(this.env, this.config, (p) => this.ctx.waitUntil(p));
      const head = await c.headNumber();
      let from = BigInt(f.cursor) + 1n;
      let to = head;
      const fixedFrom = typeof criteria.fromBlock === 'string' && criteria.fromBlock.startsWith('0x') ? BigInt(criteria.fromBlock) : undefined;
      const fixedTo = typeof criteria.toBlock === 'string' && criteria.toBlock.startsWith('0x') ? BigInt(criteria.toBlock) : undefined;
      if (fixedFrom !== undefined && fixedFrom > from) from = fixedFrom;
      if (fixedTo !== undefined && fixedTo < to) to = fixedTo;
      if (to - from + 1n > MAX_LOG_BLOCK_RANGE) to = from + MAX_LOG_BLOCK_RANGE - 1n;
      if (from > to) return [];
      const logs = (await eth_getLogs([{ ...criteria, blockHash: undefined, fromBlock: hex(from), toBlock: hex(to) }], c)) as RpcLog[];
      sql.exec('UPDATE filters SET cursor = ? WHERE id = ?', Number(to), id);
      return logs;
    });
  }

  /** eth_getFilterLogs: the log filter's criteria through eth_getLogs. */
  async filterLogs(id: Hex): Promise<Outcome<RpcLog[]>> {
    return outcome(async () => {
      const f = this.filter(id);
      if (f.kind !== 'logs') throw new ServerError('filter not found');
      this.ctx.storage.sql.exec('UPDATE filters SET last_poll = ? WHERE id = ?', Date.now(), id);
      const criteria = JSON.parse(f.criteria ?? '{}') as Record<string, unknown>;
      parseFilter(criteria);
      return (await eth_getLogs([criteria], new RpcContext(this.env, this.config, (p) => this.ctx.waitUntil(p)))) as RpcLog[];
    });
  }

  uninstallFilter(id: Hex): boolean {
    const sql = this.ctx.storage.sql;
    const existed = sql.exec('DELETE FROM filters WHERE id = ? RETURNING id', id).toArray().length > 0;
    sql.exec('DELETE FROM filter_items WHERE filter = ?', id);
    this.feedFilterIds = undefined;
    return existed;
  }

  /** Filters not polled for FILTER_TIMEOUT_MS go, with what they collected (geth's expiry). */
  private expireFilters(): void {
    const sql = this.ctx.storage.sql;
    const cutoff = Date.now() - FILTER_TIMEOUT_MS;
    const gone = sql.exec<{ id: string }>('DELETE FROM filters WHERE last_poll < ? RETURNING id', cutoff).toArray();
    for (const g of gone) sql.exec('DELETE FROM filter_items WHERE filter = ?', g.id);
    if (gone.length > 0) this.feedFilterIds = undefined;
  }

  /** The sweep: expired filters, idle sockets, and the filters of sockets that are gone; again while anything is left. */
  override async alarm(): Promise<void> {
    this.expireFilters();
    const now = Date.now();
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      const s = this.state(ws);
      if (s.subs.length === 0 && now - s.lastMessageAt > IDLE_TIMEOUT_MS) this.drop(ws, CLOSE_IDLE, `idle for more than ${IDLE_TIMEOUT_MS / 1000} s`);
    }
    const live = new Set([...this.states.values()].map((s) => s.sid));
    const sql = this.ctx.storage.sql;
    for (const r of sql.exec<{ socket: string }>('SELECT DISTINCT socket FROM sub_filters').toArray()) {
      if (!live.has(r.socket)) sql.exec('DELETE FROM sub_filters WHERE socket = ?', r.socket);
    }
    this.subFilters = undefined;
    const filters = sql.exec<{ n: number }>('SELECT count(*) AS n FROM filters').one().n;
    if (this.ctx.getWebSockets().length > 0 || filters > 0) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
  }
}

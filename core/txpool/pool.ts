import type { Hex } from '../chain/hex.ts';
import { ServerError } from '../errors.ts';
import type { ExecutableTx } from '../execution/executeBlock.ts';
import { run, type SqlPort, whereIn } from '../storage/sql.ts';
import type { CheckedTransaction } from '../tx/decodeTransaction.ts';

/** How far ahead of a sender's next nonce a transaction may be held until the gap fills. */
export const MAX_FUTURE_NONCE_GAP = 64n;
/** Transactions one sender may have waiting (default). */
export const MAX_PER_SENDER = 1024;
/** Transactions the whole pool holds (default). */
export const MAX_POOL_SIZE = 50_000;
/** A replacement must raise both fee caps by this percentage. */
export const REPLACEMENT_BUMP_PERCENT = 10n;
/**
 * The pool is scanned for expired transactions at most this often, however the admission times
 * are spread, since a scan walks the whole pool: a transaction goes between its lifetime and
 * this much later.
 */
export const EXPIRY_SCAN_INTERVAL_MS = 1000;

export interface PoolOptions {
  /** How long a transaction that cannot run (a nonce gap, a max fee below the base fee) is kept. */
  lifetimeMs: number;
  maxSize?: number;
  maxPerSender?: number;
}

/** What a transaction pays its block's fee recipient per gas at `baseFee` (negative: it cannot run yet). */
export function effectiveTip(tx: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, baseFee: bigint): bigint {
  const room = tx.maxFeePerGas - baseFee;
  return room < tx.maxPriorityFeePerGas ? room : tx.maxPriorityFeePerGas;
}

/**
 * Most transactions one txpool_content, txpool_contentFrom or txpool_inspect answer lists (about
 * 1 KB each as JSON): the pool holds up to MAX_POOL_SIZE. txpool_status counts them all.
 */
export const MAX_TXPOOL_LISTED = 1024;

/** What core/txpool/pool.ts TxPool.content lists. */
export interface PoolContent {
  pending: ExecutableTx[];
  queued: ExecutableTx[];
  pendingCount: number;
  queuedCount: number;
  /** Some transactions were counted but not listed (the limit). */
  truncated: boolean;
}

export interface PoolTx extends ExecutableTx {
  nonce: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  cost: bigint;
  seq: number;
  /** When the pool admitted it (ms); a replacement keeps the time of what it replaced. */
  admittedAt: number;
}

type Body = Omit<PoolTx, 'hash' | 'sender' | 'seq' | 'nonce' | 'maxFeePerGas' | 'maxPriorityFeePerGas' | 'gasLimit' | 'cost' | 'admittedAt'> & {
  nonce: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  gasLimit: string;
  cost: string;
  /** Absent in rows written before transactions expired. */
  admittedAt?: number;
};

type Price = Pick<PoolTx, 'maxPriorityFeePerGas' | 'maxFeePerGas'>;

/** Whether `a` pays more than `b`: by max priority fee per gas, then by max fee per gas. */
function paysMore(a: Price, b: Price): boolean {
  return a.maxPriorityFeePerGas > b.maxPriorityFeePerGas || (a.maxPriorityFeePerGas === b.maxPriorityFeePerGas && a.maxFeePerGas > b.maxFeePerGas);
}

/** Eviction order: the lower price first; at equal price the higher nonce, then the later arrival (as geth). */
function evictsBefore(a: PoolTx, b: PoolTx): boolean {
  if (paysMore(b, a)) return true;
  if (paysMore(a, b)) return false;
  return a.nonce !== b.nonce ? a.nonce > b.nonce : a.seq > b.seq;
}

/**
 * Pending transactions, in memory for selection and in SQLite for durability. Every mutation
 * writes SQLite first; the caller's request is answered only after its output gate confirms it.
 */
export class TxPool {
  private readonly byHash = new Map<Hex, PoolTx>();
  private readonly bySender = new Map<Hex, Map<bigint, PoolTx>>();
  /** Sum of `cost` over each sender's pending transactions: what its balance must cover. */
  private readonly costBySender = new Map<Hex, bigint>();
  /**
   * Every pooled transaction by eviction order. Removal is lazy (an entry no longer in `byHash`
   * is skipped when it surfaces), so removing a sealed block's transactions costs nothing here.
   */
  private readonly cheapest = new MinHeap<PoolTx>(evictsBefore);
  /** No transaction can have expired before this time (ms); lowered on admission, set by each scan. */
  private nextExpiryAt = Number.POSITIVE_INFINITY;
  private seq = 0;

  private readonly sql: SqlPort;
  private readonly lifetimeMs: number;
  readonly maxSize: number;
  readonly maxPerSender: number;
  constructor(sql: SqlPort, opts: PoolOptions) {
    this.sql = sql;
    this.lifetimeMs = opts.lifetimeMs;
    this.maxSize = opts.maxSize ?? MAX_POOL_SIZE;
    this.maxPerSender = opts.maxPerSender ?? MAX_PER_SENDER;
  }

  load(nowMs: number): void {
    const rows = this.sql.query<{ hash: Hex; sender: Hex; seq: number; body: string }>(`SELECT hash, sender, seq, body FROM pool ORDER BY seq`);
    const undated: PoolTx[] = [];
    for (const row of rows) {
      const b = JSON.parse(row.body) as Body;
      const p: PoolTx = {
        ...b,
        hash: row.hash,
        sender: row.sender,
        seq: row.seq,
        nonce: BigInt(b.nonce),
        maxFeePerGas: BigInt(b.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(b.maxPriorityFeePerGas),
        gasLimit: BigInt(b.gasLimit),
        cost: BigInt(b.cost),
        admittedAt: b.admittedAt ?? nowMs,
      };
      if (b.admittedAt === undefined) undated.push(p);
      this.index(p);
      this.seq = Math.max(this.seq, row.seq);
    }
    // Rows from before admission times were kept start their lifetime now, durably: were it only
    // in memory, every restart would renew it and a stuck transaction would never expire.
    if (undated.length > 0) {
      this.sql.transaction(() => {
        for (const p of undated) this.sql.query(`UPDATE pool SET body = ? WHERE hash = ?`, JSON.stringify(bodyOf(p)), p.hash);
      });
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  get(hash: Hex): PoolTx | undefined {
    return this.byHash.get(hash);
  }

  /** The nonce the sender's next transaction should carry: after the gap-free run in the pool. */
  pendingNonce(sender: Hex, stateNonce: bigint): bigint {
    const txs = this.bySender.get(sender);
    let n = stateNonce;
    while (txs?.has(n)) n++;
    return n;
  }

  /**
   * Admits a checked transaction against the sender's committed nonce and balance, or throws a
   * geth-compatible error. A full pool makes room by evicting its cheapest sender's last
   * transaction (returned as `evicted`) for a newcomer that pays more. The SQL writes happen
   * here; the in-memory index after they succeed.
   */
  admit(t: CheckedTransaction, stateNonce: bigint, balance: bigint, minBaseFee: bigint, nowMs: number): { tx: PoolTx; evicted?: PoolTx } {
    if (this.byHash.has(t.hash)) throw new ServerError('already known');
    if (t.nonce < stateNonce) throw new ServerError(`nonce too low: next nonce ${stateNonce}, tx nonce ${t.nonce}`);
    if (t.nonce > stateNonce + MAX_FUTURE_NONCE_GAP) {
      throw new ServerError(`nonce too high: next nonce ${stateNonce}, tx nonce ${t.nonce}, at most ${MAX_FUTURE_NONCE_GAP} ahead are held`);
    }
    if (t.maxFeePerGas < minBaseFee) {
      throw new ServerError(`max fee per gas less than block base fee: address ${t.sender}, maxFeePerGas: ${t.maxFeePerGas}, baseFee: ${minBaseFee}`);
    }
    if (t.maxPriorityFeePerGas > t.maxFeePerGas) {
      throw new ServerError(
        `max priority fee per gas higher than max fee per gas: address ${t.sender}, maxPriorityFeePerGas: ${t.maxPriorityFeePerGas}, maxFeePerGas: ${t.maxFeePerGas}`,
      );
    }
    const senderTxs = this.bySender.get(t.sender);
    const replaced = senderTxs?.get(t.nonce);
    // The balance covers everything the sender has pending, or one balance could hold many slots.
    const want = (this.costBySender.get(t.sender) ?? 0n) - (replaced?.cost ?? 0n) + t.cost;
    if (balance < want) throw new ServerError(`insufficient funds for gas * price + value: address ${t.sender} have ${balance} want ${want}`);
    let evicted: PoolTx | undefined;
    if (replaced) {
      const bump = (v: bigint) => v + (v * REPLACEMENT_BUMP_PERCENT) / 100n;
      if (t.maxFeePerGas < bump(replaced.maxFeePerGas) || t.maxPriorityFeePerGas < bump(replaced.maxPriorityFeePerGas)) {
        throw new ServerError('replacement transaction underpriced');
      }
    } else {
      if ((senderTxs?.size ?? 0) >= this.maxPerSender) throw new ServerError(`txpool is full: sender has ${this.maxPerSender} pending transactions`);
      if (this.byHash.size >= this.maxSize) evicted = this.victimFor(t, stateNonce);
    }
    const p: PoolTx = {
      raw: t.raw,
      hash: t.hash,
      sender: t.sender,
      senderPubKey: t.senderPubKey,
      nonce: t.nonce,
      maxFeePerGas: t.maxFeePerGas,
      maxPriorityFeePerGas: t.maxPriorityFeePerGas,
      gasLimit: t.gasLimit,
      cost: t.cost,
      seq: ++this.seq,
      // Bumping the fees of a transaction that cannot run does not keep it alive.
      admittedAt: replaced?.admittedAt ?? nowMs,
    };
    const gone = replaced ?? evicted;
    if (gone) this.sql.query(`DELETE FROM pool WHERE hash = ?`, gone.hash);
    this.sql.query(
      `INSERT INTO pool (hash, sender, nonce, seq, body) VALUES (?, ?, ?, ?, ?)`,
      p.hash,
      p.sender,
      p.nonce.toString(),
      p.seq,
      JSON.stringify(bodyOf(p)),
    );
    if (gone) this.unindex(gone);
    this.index(p);
    return { tx: p, evicted };
  }

  /**
   * What a full pool evicts for `t`: the last transaction (highest nonce) of the sender holding
   * the cheapest one, so that no gap opens in front of a transaction left in the pool. Refused
   * unless `t` pays more than the cheapest, counting the sender's earlier transactions `t` waits
   * behind; a transaction behind a nonce gap never evicts one (as in geth).
   */
  private victimFor(t: CheckedTransaction, stateNonce: bigint): PoolTx {
    const full = new ServerError('txpool is full');
    const senderTxs = this.bySender.get(t.sender);
    if (t.nonce !== this.pendingNonce(t.sender, stateNonce)) throw full;
    let price: Price = t;
    for (const [nonce, tx] of senderTxs ?? []) if (nonce >= stateNonce && nonce < t.nonce && paysMore(price, tx)) price = tx;
    const cheapest = this.peekCheapest();
    if (!cheapest || !paysMore(price, cheapest)) throw full;
    let victim = cheapest;
    for (const tx of (this.bySender.get(cheapest.sender) as Map<bigint, PoolTx>).values()) if (tx.nonce > victim.nonce) victim = tx;
    return victim;
  }

  private peekCheapest(): PoolTx | undefined {
    for (;;) {
      const top = this.cheapest.peek();
      if (!top || this.byHash.get(top.hash) === top) return top;
      this.cheapest.pop();
    }
  }

  /**
   * Proposes the next block's transactions: per sender the gap-free run from its committed
   * nonce, all senders merged by the tip they pay at `baseFee` (highest first; arrival breaks
   * ties), never a later nonce before an earlier one. Paying more gets a transaction into the next
   * block however many cheaper ones wait.
   */
  select(stateNonce: (sender: Hex) => bigint, maxCount: number, baseFee: bigint): { runnable: PoolTx[]; stale: PoolTx[] } {
    const runnable: { tx: PoolTx; tip: bigint; order: number }[] = [];
    const stale: PoolTx[] = [];
    for (const [sender, txs] of this.bySender) {
      const first = stateNonce(sender);
      for (const [nonce, tx] of txs) if (nonce < first) stale.push(tx);
      let order = 0;
      let tip: bigint | undefined;
      for (let n = first; txs.has(n); n++) {
        const tx = txs.get(n) as PoolTx;
        // A transaction cannot go before its sender's earlier ones: it ranks as the least paying
        // and the latest arrived of them and itself, so the sort keeps every sender's nonce order.
        order = Math.max(order, tx.seq);
        const own = effectiveTip(tx, baseFee);
        tip = tip === undefined || own < tip ? own : tip;
        runnable.push({ tx, tip, order });
      }
    }
    runnable.sort((a, b) => (a.tip !== b.tip ? (a.tip > b.tip ? -1 : 1) : a.order - b.order || (a.tx.nonce < b.tx.nonce ? -1 : 1)));
    return { runnable: runnable.slice(0, maxCount).map((r) => r.tx), stale };
  }

  /**
   * Removes and returns the transactions that could not run for the pool's lifetime: those behind
   * a nonce gap or behind (or being) one whose max fee is below `baseFee`. Walks the pool only
   * once the earliest possible expiry has come (and EXPIRY_SCAN_INTERVAL_MS after the last walk),
   * so a call costs nothing until then.
   */
  expire(nowMs: number, stateNonce: (sender: Hex) => bigint, baseFee: bigint): PoolTx[] {
    if (nowMs < this.nextExpiryAt) return [];
    const cutoff = nowMs - this.lifetimeMs;
    const expired: PoolTx[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [sender, txs] of this.bySender) {
      let runUntil = stateNonce(sender);
      for (let tx = txs.get(runUntil); tx && tx.maxFeePerGas >= baseFee; tx = txs.get(runUntil)) runUntil++;
      for (const [nonce, tx] of txs) {
        if (nonce >= runUntil && tx.admittedAt <= cutoff) expired.push(tx);
        else next = Math.min(next, tx.admittedAt + this.lifetimeMs);
      }
    }
    this.nextExpiryAt = Math.max(next, nowMs + EXPIRY_SCAN_INTERVAL_MS);
    if (expired.length > 0) {
      const hashes = expired.map((t) => t.hash);
      this.sql.transaction(() => this.remove(hashes));
      this.afterRemove(hashes);
    }
    return expired;
  }

  /** When the next call to `expire` may remove something; undefined while the pool is empty. */
  expiryDeadline(): number | undefined {
    return this.byHash.size > 0 ? this.nextExpiryAt : undefined;
  }

  /**
   * The pool as geth's txpool_* methods show it: per sender, `pending` is the gap-free run of nonces
   * from the sender's committed nonce (executable in turn), `queued` the rest (behind a nonce gap).
   * Listing stops after `limit` transactions, senders in order of their first arrival (`truncated`);
   * the counts always cover the whole pool. Only the raw transactions leave: callers decode them.
   */
  content(stateNonce: (sender: Hex) => bigint, opts: { sender?: Hex; limit: number }): PoolContent {
    const out: PoolContent = { pending: [], queued: [], pendingCount: 0, queuedCount: 0, truncated: false };
    const senders: [Hex, Map<bigint, PoolTx>][] = opts.sender ? [[opts.sender, this.bySender.get(opts.sender) ?? new Map()]] : [...this.bySender];
    for (const [sender, txs] of senders) {
      let next = stateNonce(sender);
      for (const nonce of [...txs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const tx = txs.get(nonce) as PoolTx;
        const runnable = nonce === next;
        if (runnable) next++;
        if (runnable) out.pendingCount++;
        else out.queuedCount++;
        if (out.pending.length + out.queued.length >= opts.limit) {
          out.truncated = true;
          continue;
        }
        (runnable ? out.pending : out.queued).push({ raw: tx.raw, hash: tx.hash, sender, senderPubKey: tx.senderPubKey });
      }
    }
    return out;
  }

  /** Removes transactions that were included or dropped. Call inside the block's SQL transaction. */
  remove(hashes: Hex[]): void {
    run(this.sql, whereIn('DELETE FROM pool WHERE hash IN', hashes));
  }

  /** After the block's transaction committed. */
  afterRemove(hashes: Hex[]): void {
    for (const h of hashes) {
      const tx = this.byHash.get(h);
      if (tx) this.unindex(tx);
    }
  }

  private index(p: PoolTx): void {
    this.byHash.set(p.hash, p);
    let m = this.bySender.get(p.sender);
    if (!m) {
      m = new Map();
      this.bySender.set(p.sender, m);
    }
    m.set(p.nonce, p);
    this.costBySender.set(p.sender, (this.costBySender.get(p.sender) ?? 0n) + p.cost);
    this.nextExpiryAt = Math.min(this.nextExpiryAt, p.admittedAt + this.lifetimeMs);
    this.cheapest.push(p);
    // Entries of removed transactions pile up in the heap; rebuilt from the live ones, they stay
    // within a constant factor of the pool's size.
    if (this.cheapest.size > 2 * this.byHash.size + 64) this.cheapest.rebuild([...this.byHash.values()]);
  }

  private unindex(p: PoolTx): void {
    this.byHash.delete(p.hash);
    const m = this.bySender.get(p.sender);
    if (!m || m.get(p.nonce)?.hash !== p.hash) return;
    m.delete(p.nonce);
    if (m.size === 0) {
      this.bySender.delete(p.sender);
      this.costBySender.delete(p.sender);
    } else {
      this.costBySender.set(p.sender, (this.costBySender.get(p.sender) as bigint) - p.cost);
    }
  }
}

function bodyOf(p: PoolTx): Body {
  return {
    raw: p.raw,
    senderPubKey: p.senderPubKey,
    nonce: p.nonce.toString(),
    maxFeePerGas: p.maxFeePerGas.toString(),
    maxPriorityFeePerGas: p.maxPriorityFeePerGas.toString(),
    gasLimit: p.gasLimit.toString(),
    cost: p.cost.toString(),
    admittedAt: p.admittedAt,
  };
}

/** A binary heap: `peek` is the item `before` puts first. */
class MinHeap<T> {
  private items: T[] = [];
  private readonly before: (a: T, b: T) => boolean;
  constructor(before: (a: T, b: T) => boolean) {
    this.before = before;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  pop(): void {
    const a = this.items;
    const last = a.pop();
    if (a.length === 0 || last === undefined) return;
    a[0] = last;
    this.down(0);
  }

  rebuild(items: T[]): void {
    this.items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.before(a[l], a[m])) m = l;
      if (r < a.length && this.before(a[r], a[m])) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}
